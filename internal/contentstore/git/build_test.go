package git_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyDir copies the theme in testdata into dir.
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The repository indiepub commits builds with the real generator and a minimal theme
// (testdata): the post's page shows its title, date, tags and photo.
func TestGeneratorsBuildThePosts(t *testing.T) {
	for _, tt := range []struct {
		preset, tool, theme string
		build               []string
		page                string
	}{
		{"hugo", "hugo", "testdata/hugo", []string{"hugo", "--quiet", "-d", "public"}, "public/photos/2026/12/espresso/index.html"},
		{"hugo-toml", "hugo", "testdata/hugo", []string{"hugo", "--quiet", "-d", "public"}, "public/photos/2026/12/espresso/index.html"},
		{"jekyll", "jekyll", "testdata/jekyll", []string{"jekyll", "build", "--quiet", "-d", "public"}, "public/photos/2026/12/espresso.html"},
	} {
		t.Run(tt.preset, func(t *testing.T) {
			requireTool(t, tt.tool)
			remote := bareRemote(t)
			// The site's theme is on the remote first, as the owner set it up.
			hand := filepath.Join(t.TempDir(), "theme")
			run(t, filepath.Dir(hand), "init", "-q", "-b", "main", "theme")
			copyDir(t, tt.theme, hand)
			run(t, hand, "add", "-A")
			run(t, hand, "commit", "-q", "-m", "theme")
			run(t, hand, "push", "-q", remote, "main")

			g := newGitServer(t, tt.preset, remote)
			g.create(t, map[string]any{"name": []any{"On Espresso"}, "content": []any{"Dark and **sweet**."},
				"published": []any{"2026-12-02T10:00:00Z"}, "mp-slug": []any{"espresso"}, "category": []any{"coffee", "drinks"},
				"photo": []any{map[string]any{"value": "https://example.com/media/cup.jpg", "alt": "A cup"}}})
			g.idle(t)

			site := handClone(t, remote)
			cmd := exec.Command(tt.build[0], tt.build[1:]...)
			cmd.Dir = site
			cmd.Env = append(os.Environ(), "JEKYLL_ENV=production", "HOME="+t.TempDir())
			done := make(chan struct{})
			time.AfterFunc(5*time.Minute, func() {
				select {
				case <-done:
				default:
					cmd.Process.Kill()
				}
			})
			out, err := cmd.CombinedOutput()
			close(done)
			if err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(tt.build, " "), err, out)
			}
			b, err := os.ReadFile(filepath.Join(site, tt.page))
			if err != nil {
				var built []string
				filepath.WalkDir(filepath.Join(site, "public"), func(p string, d fs.DirEntry, _ error) error {
					built = append(built, p)
					return nil
				})
				t.Fatalf("no page for the post: %v; built %v", err, built)
			}
			page := string(b)
			for _, want := range []string{`<h1 class="p-name">On Espresso</h1>`, `datetime="2026-12-02T10:00:00`,
				`<li class="p-category">coffee</li>`, `<li class="p-category">drinks</li>`,
				`<img class="u-photo" src="https://example.com/media/cup.jpg" alt="A cup">`, "<strong>sweet</strong>"} {
				if !strings.Contains(page, want) {
					t.Errorf("the built page lacks %s:\n%s", want, page)
				}
			}
		})
	}
}
