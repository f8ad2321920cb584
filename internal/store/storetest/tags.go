package storetest

import (
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/post"
)

// testTagCounts: tags are one by post.NormalizeTag ("Coffee", "#coffee", " COFFEE ")
// and shown in the form first written; TagCounts counts the posts q's filters select
// (deleted ones only with Deleted), lists tags in order of their normalized form, drops
// tags no selected post carries, and follows updates; SiteTag finds a tag's display form
// case-insensitively.
func testTagCounts(t TB, s Store) {
	for i, mf2 := range []string{
		`"category":["Coffee","Ghent"]`,
		`"category":["#coffee"]`,
		`"category":[" COFFEE ","Tea"],"post-status":["draft"]`,
		`"category":["coffee"],"visibility":["private"]`,
		`"category":["coffee","Zebra"]`,
		`"category":["Two Words"]`,
		`"category":["  two   words "]`,
	} {
		create(t, s, newPost(t, fmt.Sprintf("t/%d", i+1), `{"properties":{"content":["x"],`+mf2+`}}`))
	}
	deletePost(t, s, site+"t/5", true)
	tests := []struct {
		name string
		q    post.Query
		want string
	}{
		{"all live posts", post.Query{}, "Coffee/coffee=4 Ghent/ghent=1 Tea/tea=1 Two Words/two words=2"},
		{"public and published", post.Query{Status: post.StatusPublished, Visibility: []string{post.VisibilityPublic}},
			"Coffee/coffee=2 Ghent/ghent=1 Two Words/two words=2"},
		{"drafts", post.Query{Status: post.StatusDraft}, "Coffee/coffee=1 Tea/tea=1"},
		{"deleted too", post.Query{Deleted: true}, "Coffee/coffee=5 Ghent/ghent=1 Tea/tea=1 Two Words/two words=2 Zebra/zebra=1"},
		{"limit", post.Query{Limit: 2}, "Coffee/coffee=4 Ghent/ghent=1"},
		{"a type no post has", post.Query{Type: "checkin"}, ""},
	}
	for _, tt := range tests {
		if got := tagCounts(t, s, tt.q); got != tt.want {
			t.Errorf("TagCounts, %s: %q, want %q", tt.name, got, tt.want)
		}
	}

	update(t, s, site+"t/1", func(p *post.Post) { p.Item.Properties["category"] = []any{"Coffee"} })
	update(t, s, site+"t/3", func(p *post.Post) { p.Item.Properties["post-status"] = []any{"published"} })
	if got, want := tagCounts(t, s, post.Query{Status: post.StatusPublished}),
		"Coffee/coffee=4 Tea/tea=1 Two Words/two words=2"; got != want {
		t.Errorf("TagCounts after updates: %q, want %q", got, want)
	}

	for tag, want := range map[string]string{"#COFFEE": "Coffee", "two  WORDS": "Two Words", "tea": "Tea"} {
		if got, err := s.SiteTag(t.Context(), tag); err != nil || got != want {
			t.Errorf("SiteTag(%q): %q, %v; want %q", tag, got, err, want)
		}
	}
	if _, err := s.SiteTag(t.Context(), "never"); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("SiteTag of a tag never used: %v, want post.ErrNotFound", err)
	}
}

// testCategories: Categories, Micropub's q=category, lists the tags on any post (drafts
// and deleted ones too) but not those no post carries any more, in their display form,
// ordered by normalized form, those starting with a prefix (case-insensitive, taken
// literally) when one is given.
func testCategories(t TB, s Store) {
	create(t, s, note(t, "k/1", 0, "Coffee", "Zebra"))
	create(t, s, newPost(t, "k/2", `{"properties":{"content":["x"],"category":["cocoa"],"post-status":["draft"]}}`))
	create(t, s, note(t, "k/3", 0, "Tea", "50%_off"))
	deletePost(t, s, site+"k/3", true)
	update(t, s, site+"k/1", func(p *post.Post) { p.Item.Properties["category"] = []any{"Coffee"} })
	for prefix, want := range map[string][]string{
		"":   {"50%_off", "cocoa", "Coffee", "Tea"},
		"CO": {"cocoa", "Coffee"},
		"#t": {"Tea"},
		"z":  nil,
		"5":  {"50%_off"},
		"%":  nil,
		"_":  nil,
	} {
		got, err := s.Categories(t.Context(), prefix)
		if err != nil {
			t.Fatalf("Categories(%q): %v", prefix, err)
		}
		if !sameList(got, want) {
			t.Errorf("Categories(%q): %q, want %q", prefix, got, want)
		}
	}
}

// tagCounts is TagCounts as "Tag/norm=count" words, for short comparisons.
func tagCounts(t TB, s Store, q post.Query) string {
	t.Helper()
	tags, err := s.TagCounts(t.Context(), q)
	if err != nil {
		t.Fatalf("TagCounts %+v: %v", q, err)
	}
	out := ""
	for i, tc := range tags {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s/%s=%d", tc.Tag, tc.Norm, tc.Count)
	}
	return out
}

// tagCount is how many posts TagCounts gives the tag with norm.
func tagCount(t TB, s Store, q post.Query, norm string) int {
	t.Helper()
	tags, err := s.TagCounts(t.Context(), q)
	if err != nil {
		t.Fatalf("TagCounts %+v: %v", q, err)
	}
	for _, tc := range tags {
		if tc.Norm == norm {
			return tc.Count
		}
	}
	return 0
}
