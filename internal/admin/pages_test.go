package admin

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/golden"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
)

func render(t *testing.T, name string, data any) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	pages := New(Config{PageConfig: owner.PageConfig{Logger: slog.Default()}}, nil, nil, nil).pages
	pages.Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, name, data)
	if rec.Code != http.StatusOK {
		t.Fatalf("render %s: %d %s", name, rec.Code, rec.Body)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); csp == "" {
		t.Errorf("render %s: no Content-Security-Policy", name)
	}
	return rec.Body.Bytes()
}

func TestTokensPageGolden(t *testing.T) {
	issued := time.Date(2026, 5, 4, 12, 30, 0, 0, time.UTC)
	page := tokensPage{
		CSRF: "csrf-token", Me: "https://jane.example/",
		Apps: []*appTokens{{ClientID: "https://quill.example/", Name: "Quill", Tokens: []tokenRow{
			{ID: 7, Scope: "create update", Issued: when(issued, "-"), LastUsed: when(time.Time{}, "never"), Expires: when(issued.Add(90*24*time.Hour), "never")},
		}}},
		Exemptions: []*pkce.Exemption{{ClientID: "https://sunlit.example/", ClientName: "Sunlit", Created: issued}},
	}
	golden.Check(t, "tokens", render(t, "tokens", page))
}
