package git_test

import (
	"fmt"
	"testing"

	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/post"
)

// FuzzParse feeds post files as anyone with push access could write them: Parse never
// panics, and what it accepts is a post indiepub can store and write back.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"---\ntitle: Hello\ndate: 2026-12-02T10:00:00Z\ntags: [a, b]\nphoto:\n  - url: https://e.example/p.jpg\n    alt: A cat\n---\nBody\n",
		"+++\ntitle = \"Hello\"\ndate = 2026-12-02T10:00:00Z\ntags = [\"a\"]\ndraft = true\n[[photo]]\nurl = \"https://e.example/p.jpg\"\n+++\nBody\n",
		"---\nlocation:\n  type: [h-card]\n  properties: {name: [Home]}\n---\n<p>html</p>",
		"---\na: &a [*a]\n---\n",
		"---\n---\n",
		"+++\n+++",
		"---\n: x\n---\n",
		"---\ndate: 12\n---\n",
		"no front matter",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := gitstore.Parse(b)
		if err != nil {
			return
		}
		p, err := post.New(file.Item, post.Post{}.Published)
		if err != nil {
			return
		}
		p.URL, p.Slug = "https://example.com/notes/x", "x"
		for _, name := range []string{"jekyll", "hugo-toml"} {
			if _, err := gitstore.Presets[name].Render(p, "https://example.com/", nil); err != nil {
				t.Fatalf("%s: a parsed post does not render: %v\n%q", name, err, b)
			}
		}
	})
}

// TestParseAliasesInKeyOrder: names that alias one property (Jekyll's categories and
// tags) give its values in the same order at every read: categories' before tags'. The
// order once followed the map's, and a file read twice could list its tags two ways.
func TestParseAliasesInKeyOrder(t *testing.T) {
	file := []byte("---\ntitle: On Espresso\ntags: [drinks, hot]\ncategories: [coffee]\nupdated: 2024-05-03\nlastmod: 2024-05-02\n---\nDark.\n")
	for range 50 {
		f, err := gitstore.Parse(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(f.Item.Properties["category"]); got != "[coffee drinks hot]" {
			t.Fatalf("category %s, want [coffee drinks hot]", got)
		}
	}
}
