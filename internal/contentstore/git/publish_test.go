package git_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"

	"github.com/indiepub/indiepub/internal/jobs"
)

// frontMatter splits a file written for a preset into its front matter and body.
func frontMatter(t testing.TB, file string) (map[string]any, string) {
	t.Helper()
	fm := map[string]any{}
	switch {
	case strings.HasPrefix(file, "---\n"):
		head, body, ok := strings.Cut(file[4:], "\n---\n")
		if !ok {
			t.Fatalf("YAML front matter not closed:\n%s", file)
		}
		if err := yaml.Unmarshal([]byte(head), &fm); err != nil {
			t.Fatalf("YAML front matter: %v\n%s", err, file)
		}
		return fm, body
	case strings.HasPrefix(file, "+++\n"):
		head, body, ok := strings.Cut(file[4:], "\n+++\n")
		if !ok {
			t.Fatalf("TOML front matter not closed:\n%s", file)
		}
		if _, err := toml.Decode(head, &fm); err != nil {
			t.Fatalf("TOML front matter: %v\n%s", err, file)
		}
		return fm, body
	}
	t.Fatalf("no front matter:\n%s", file)
	return nil, ""
}

// str is a front-matter value as text: times in RFC 3339, lists and maps as Go prints them.
func str(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func TestPresetsWriteEveryPostType(t *testing.T) {
	presets := []struct {
		name, permalink, updated, draftKey, draftValue string
		path                                           func(typ, slug string) string
	}{
		{"jekyll", "permalink", "updated", "published", "false",
			func(_, slug string) string { return "_posts/2026-12-02-" + slug + ".md" }},
		{"hugo", "url", "lastmod", "draft", "true",
			func(typ, slug string) string { return "content/" + typ + "/" + slug + ".md" }},
		{"hugo-toml", "url", "lastmod", "draft", "true",
			func(typ, slug string) string { return "content/" + typ + "/" + slug + ".md" }},
		{"eleventy", "permalink", "updated", "draft", "true",
			func(typ, slug string) string { return "src/" + typ + "/" + slug + ".md" }},
	}
	const published = "2026-12-02T10:00:00Z"
	types := []struct {
		slug, plural string
		props        map[string]any
		want         map[string]string // front-matter key: value as str prints it
		body         string
	}{
		{"a-note", "notes", map[string]any{"content": []any{"Hello **world**"}, "category": []any{"coffee", "indieweb"}},
			map[string]string{"tags": "[coffee indieweb]"}, "Hello **world**"},
		{"an-article", "articles", map[string]any{"name": []any{"On Espresso"},
			"content": []any{map[string]any{"html": "<p>Dark <em>and</em> sweet</p>"}}},
			map[string]string{"title": "On Espresso"}, "<p>Dark <em>and</em> sweet</p>"},
		{"a-photo", "photos", map[string]any{"content": []any{"My cat"},
			"photo": []any{map[string]any{"value": "https://example.com/media/cat.jpg", "alt": "A sleeping cat"}}},
			map[string]string{"photo": "[map[alt:A sleeping cat url:https://example.com/media/cat.jpg]]"}, "My cat"},
		{"a-reply", "replies", map[string]any{"content": []any{"Agreed"}, "in-reply-to": []any{"https://other.example/post"}},
			map[string]string{"in-reply-to": "https://other.example/post"}, "Agreed"},
		{"a-like", "likes", map[string]any{"like-of": []any{"https://other.example/liked"}},
			map[string]string{"like-of": "https://other.example/liked"}, ""},
		{"a-repost", "reposts", map[string]any{"repost-of": []any{"https://other.example/shared"}},
			map[string]string{"repost-of": "https://other.example/shared"}, ""},
		{"a-bookmark", "bookmarks", map[string]any{"bookmark-of": []any{"https://other.example/read"}, "name": []any{"To read"}},
			map[string]string{"bookmark-of": "https://other.example/read", "title": "To read"}, ""},
		{"a-draft", "notes", map[string]any{"content": []any{"Not yet"}, "post-status": []any{"draft"},
			"visibility": []any{"unlisted"}, "syndication": []any{"https://social.example/@me/1"},
			"location": []any{"geo:51.5,-0.1"}},
			map[string]string{"visibility": "unlisted", "syndication": "[https://social.example/@me/1]", "location": "geo:51.5,-0.1"}, "Not yet"},
	}
	for _, ps := range presets {
		t.Run(ps.name, func(t *testing.T) {
			g := newGitServer(t, ps.name, bareRemote(t))
			for _, tt := range types {
				props := map[string]any{"published": []any{published}, "mp-slug": []any{tt.slug}}
				for k, v := range tt.props {
					props[k] = v
				}
				u := g.create(t, props)
				g.idle(t)
				path := ps.path(tt.plural, tt.slug)
				file := remoteFile(t, g.remote, path)
				if file == "" {
					t.Fatalf("%s: no %s on the remote; it holds %v", tt.slug, path, remoteFiles(t, g.remote, "."))
				}
				fm, body := frontMatter(t, file)
				want := map[string]string{"date": published, ps.permalink: urlPath(t, u)}
				for k, v := range tt.want {
					want[k] = v
				}
				if tt.slug == "a-draft" {
					want[ps.draftKey] = ps.draftValue
				}
				for k, v := range want {
					if got := str(fm[k]); got != v {
						t.Errorf("%s %s: %s = %q, want %q\n%s", ps.name, tt.slug, k, got, v, file)
					}
				}
				if got := strings.TrimSpace(body); got != tt.body {
					t.Errorf("%s %s: body %q, want %q", ps.name, tt.slug, got, tt.body)
				}
				if _, ok := fm[ps.updated]; ok {
					t.Errorf("%s %s: %s before any update", ps.name, tt.slug, ps.updated)
				}
			}

			// An update rewrites the file and adds the updated time; a delete removes it;
			// an undelete restores it.
			u := g.create(t, map[string]any{"published": []any{published}, "mp-slug": []any{"changing"},
				"content": []any{"First"}})
			path := ps.path("notes", "changing")
			g.action(t, map[string]any{"action": "update", "url": u, "replace": map[string]any{"content": []any{"Second"}}})
			g.idle(t)
			fm, body := frontMatter(t, remoteFile(t, g.remote, path))
			if strings.TrimSpace(body) != "Second" || fm[ps.updated] == nil {
				t.Errorf("after an update: %s = %v, body %q; want the time and %q", ps.updated, fm[ps.updated], body, "Second")
			}
			g.action(t, map[string]any{"action": "delete", "url": u})
			g.idle(t)
			if f := remoteFile(t, g.remote, path); f != "" {
				t.Errorf("after a delete %s is still on the remote:\n%s", path, f)
			}
			g.action(t, map[string]any{"action": "undelete", "url": u})
			g.idle(t)
			if _, body := frontMatter(t, remoteFile(t, g.remote, path)); strings.TrimSpace(body) != "Second" {
				t.Errorf("after an undelete: body %q", body)
			}
			// Whole messages: a change may share a commit with another (grouped), as its line.
			log := run(t, g.remote, "log", "--format=%B", "main")
			for _, msg := range []string{"create note: changing", "update note: changing", "delete note: changing", "undelete note: changing"} {
				if !strings.Contains(log, msg) {
					t.Errorf("no commit %q in the remote's history:\n%s", msg, log)
				}
			}
		})
	}
}

func urlPath(t testing.TB, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu.Path
}

// 1,000 posts created by 16 concurrent clients give 1,000 files, grouped into fewer
// commits.
func TestConcurrentCreatesAllLand(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 creates")
	}
	g := newGitServer(t, "hugo", bareRemote(t))
	const clients, each = 16, 63 // 1,008
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				g.create(t, map[string]any{"content": []any{fmt.Sprintf("post %d of client %d", i, c)},
					"mp-slug": []any{fmt.Sprintf("c%d-p%d", c, i)}})
			}
		})
	}
	wg.Wait()
	g.idle(t)
	files := remoteFiles(t, g.remote, "content/notes")
	if len(files) != clients*each {
		t.Fatalf("%d files on the remote, want %d", len(files), clients*each)
	}
	commits := strings.Count(run(t, g.remote, "log", "--format=%H", "main"), "\n")
	t.Logf("%d posts in %d commits", clients*each, commits)
	if commits >= clients*each {
		t.Errorf("%d commits for %d posts: none grouped", commits, clients*each)
	}
	failed, err := g.DB.Jobs(context.Background(), []jobs.State{jobs.Failed}, 10)
	if err != nil || len(failed) > 0 {
		t.Errorf("failed jobs %v (%v)", failed, err)
	}
}
