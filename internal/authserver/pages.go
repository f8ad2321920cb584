package authserver

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/indiepub/indiepub/internal/token"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

type errorPage struct{ Code, Description string }

type loginPage struct {
	CSRF, Next         string
	NoPassword, Failed bool
}

type setupPage struct{ CSRF, Token string }

type scopeChoice struct {
	Name, Help string
	Checked    bool
}

type lifetimeChoice struct {
	Value, Label string
	Selected     bool
}

type consentPage struct {
	Client       *ClientInfo
	Request      *AuthRequest
	Hidden       url.Values
	CSRF, Me     string
	RedirectURI  string
	Scopes       []scopeChoice
	Ignored      string
	Lifetimes    []lifetimeChoice
	Problem      string // why the owner's answer could not be taken, shown above the form
	NoPKCE       bool   // no PKCE and the client is not yet allowed without it
	Exempt       bool   // no PKCE, and the owner allowed that before
	IdentityOnly bool
}

type tokensPage struct {
	CSRF, Me   string
	Apps       []*appTokens
	Exemptions []*token.Exemption
}

// renderPage renders into a buffer first, so a template error becomes a clean 500.
func renderPage(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		slog.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The pages need no script and no framing; the logo may come from the client's site.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
