package git_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A post's old paths, the redirects the index knows (an imported site's addresses),
// are written as the preset's aliases: Hugo's aliases, Jekyll's redirect_from
// (jekyll-redirect-from), none for Eleventy, which has no such key.
func TestAliasesFromRedirects(t *testing.T) {
	for _, tt := range []struct{ preset, key, file string }{
		{"hugo", "aliases", "content/articles/moved.md"},
		{"hugo-toml", "aliases", "content/articles/moved.md"},
		{"jekyll", "redirect_from", "_posts/2019-05-01-moved.md"},
		{"eleventy", "", "src/articles/moved.md"},
	} {
		t.Run(tt.preset, func(t *testing.T) {
			g := newGitServer(t, tt.preset, bareRemote(t))
			u := g.create(t, map[string]any{"name": []any{"Moved"}, "content": []any{"from the old site"},
				"mp-slug": []any{"moved"}, "published": []any{"2019-05-01T10:00:00Z"}})
			g.idle(t)
			if fm, _ := frontMatter(t, remoteFile(t, g.remote, tt.file)); fm["aliases"] != nil || fm["redirect_from"] != nil {
				t.Fatalf("aliases before any redirect: %v", fm)
			}
			for _, old := range []string{"/2019/05/moved/", "/?p=42"} {
				if err := g.DB.AddRedirect(context.Background(), old, u); err != nil {
					t.Fatal(err)
				}
			}
			g.action(t, map[string]any{"action": "update", "url": u, "add": map[string]any{"category": []any{"old"}}})
			g.idle(t)
			file := remoteFile(t, g.remote, tt.file)
			fm, _ := frontMatter(t, file)
			if tt.key == "" {
				if fm["aliases"] != nil || fm["redirect_from"] != nil {
					t.Errorf("%s writes aliases:\n%s", tt.preset, file)
				}
				return
			}
			if got := fmt.Sprint(fm[tt.key]); got != "[/2019/05/moved/ /?p=42]" {
				t.Errorf("%s = %s, want the two old paths\n%s", tt.key, got, file)
			}
			// Read back after a hand edit, the aliases are the generator's, not a property.
			hand := handClone(t, g.remote)
			writeHand(t, hand, tt.file, strings.Replace(file, "from the old site", "edited by hand", 1))
			run(t, hand, "commit", "-q", "-am", "edit")
			run(t, hand, "push", "-q", "origin", "main")
			if resp, body := g.PostJSON(t, "/git/pull", g.token, `{}`); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("POST /git/pull: %d %s", resp.StatusCode, body)
			}
			g.idle(t)
			if src := g.source(t, u); src[tt.key] != nil || str(src["content"]) != "[edited by hand]" {
				t.Errorf("q=source after the pull: %v", src)
			}
		})
	}
}
