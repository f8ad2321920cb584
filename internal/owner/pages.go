package owner

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// templateFS holds the layout and error page every owner-facing page shares, and the
// login and setup pages.
//
//go:embed templates/*.html
var templateFS embed.FS

// Pages renders the pages the owner sees (login, setup, consent, admin) in one layout:
// the templates "top" and "bottom" wrap each page, and "error" shows an Error.
type Pages struct {
	t   *template.Template
	log *slog.Logger
	csp string
}

// NewPages parses the shared layout and error page together with the files of fsys that
// match patterns. It panics on a template error, as template.Must does: the templates
// are embedded in the binary.
func NewPages(cfg PageConfig, fsys fs.FS, patterns ...string) *Pages {
	site := cfg.URL
	if site == "" {
		site = "/"
	}
	t := template.New("").Funcs(template.FuncMap{
		// The pages wear the site's stylesheet and lead back to it.
		"site":   func() string { return site },
		"studio": func() []Link { return cfg.Links },
	})
	t = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/error.html"))
	return &Pages{t: template.Must(t.ParseFS(fsys, patterns...)), log: cfg.Logger, csp: cfg.policy()}
}

// policy is the Content-Security-Policy of the pages: no framing; the logo may come
// from the client's site; the stylesheet is the site's own. No script runs but the one
// Script names, by its exact URL (CSP 3, "Paths and redirects"), which may then talk to
// the pages' own origin (connect-src).
func (c PageConfig) policy() string {
	script := "script-src 'none'"
	if c.Script != "" {
		if u, err := url.Parse(c.URL); err == nil && u.Host != "" {
			script = "script-src " + u.Scheme + "://" + u.Host + c.Script + "; connect-src 'self'"
		}
	}
	return "default-src 'none'; " + script + "; img-src https: http: data:; style-src 'self' 'unsafe-inline'; " +
		"frame-ancestors 'none'; base-uri 'none'"
}

// Link is one link of the owner's bar.
type Link struct {
	Label, URL string
}

// PageConfig configures a package of the owner's pages other than this one's (the
// IndieAuth consent page, the admin pages); each embeds it in its Config.
type PageConfig struct {
	// URL is the site's URL, ending in "/".
	URL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the errors of requests; required.
	Logger *slog.Logger
	// Links are the owner's bar on the pages that show it (the studio-bar template): the
	// studio's pages, in order.
	Links []Link
	// Script is the path, on the site's origin, of the one script the pages may load
	// ("" for none): served from a file embedded in the binary, never inline.
	Script string
}

// Pages fills in c's defaults and returns the templates of fsys that match patterns, in
// the shared layout (NewPages), logging through c.Logger.
func (c *PageConfig) Pages(fsys fs.FS, patterns ...string) *Pages {
	if c.Now == nil {
		c.Now = time.Now
	}
	return NewPages(*c, fsys, patterns...)
}

// Host is the host name of an absolute URL, by which the owner's pages name a site or an
// app that gives no name; anything else is returned as it is.
func Host(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return u.Hostname()
}

type errorPage struct{ Code, Description string }

type loginPage struct {
	CSRF, Next         string
	NoPassword, Failed bool
}

type setupPage struct{ CSRF, Token string }

// Render renders the template name with data, into a buffer first, so a template error
// becomes a clean 500.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
