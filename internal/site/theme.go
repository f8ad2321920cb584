package site

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed templates/*.html templates/style.css
var embedded embed.FS

// pageNames are the page templates; each is parsed together with layout.html,
// partials.html, owner.html (the signed-in owner's bar and controls) and visitor.html (a
// visitor's sign-in and responses), which hold what
// the pages share.
var pageNames = []string{"home.html", "entry.html", "tags.html", "tag.html", "error.html", "search.html", "notice.html"}

// theme is the parsed templates and the stylesheet.
type theme struct {
	pages   map[string]*template.Template
	css     []byte
	cssETag string
}

// loadTheme parses the embedded templates, each replaced by the file of the same name in
// dir when there is one.
func loadTheme(dir string, funcs template.FuncMap) (*theme, error) {
	read := func(name string) (string, error) {
		if dir != "" {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil {
				return string(b), nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("theme %s: %w", name, err)
			}
		}
		b, err := embedded.ReadFile("templates/" + name)
		return string(b), err
	}
	base := template.New("").Funcs(funcs)
	for _, name := range []string{"layout.html", "partials.html", "owner.html", "visitor.html"} {
		src, err := read(name)
		if err != nil {
			return nil, err
		}
		if _, err := base.New(name).Parse(src); err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
	}
	th := &theme{pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		src, err := read(name)
		if err != nil {
			return nil, err
		}
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("theme %s: %w", name, err)
		}
		if _, err := t.New(name).Parse(src); err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
		th.pages[name] = t
	}
	css, err := read("style.css")
	if err != nil {
		return nil, err
	}
	th.css = []byte(css)
	sum := sha256.Sum256(th.css)
	th.cssETag = `"` + hex.EncodeToString(sum[:12]) + `"`
	return th, nil
}

// render executes a page within the layout.
func (th *theme) render(page string, data any) ([]byte, error) {
	t, ok := th.pages[page]
	if !ok {
		return nil, fmt.Errorf("no template %s", page)
	}
	buf := bytes.NewBuffer(make([]byte, 0, 32<<10))
	if err := t.ExecuteTemplate(buf, "layout.html", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

// fragment executes one named template, outside the layout (the HTML of a feed entry).
func (th *theme) fragment(w *bytes.Buffer, name string, data any) error {
	if err := th.pages["entry.html"].ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return nil
}
