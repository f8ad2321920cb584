package authserver

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/indiepub/indiepub/internal/golden"
	"github.com/indiepub/indiepub/internal/owner"
)

func render(t *testing.T, name string, data any) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	pages := New(Config{PageConfig: owner.PageConfig{Logger: slog.Default()}}, nil, nil).pages
	pages.Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, name, data)
	if rec.Code != http.StatusOK {
		t.Fatalf("render %s: %d %s", name, rec.Code, rec.Body)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); csp == "" {
		t.Errorf("render %s: no Content-Security-Policy", name)
	}
	return rec.Body.Bytes()
}

func TestConsentPageGolden(t *testing.T) {
	v, _ := url.ParseQuery("response_type=code&client_id=https%3A%2F%2Fquill.example%2F&redirect_uri=https%3A%2F%2Fquill.example%2Fcb&state=s%22<x>&scope=create+media+read&me=https%3A%2F%2Fjane.example%2F")
	ar, err := ParseAuthRequest(v)
	if err != nil {
		t.Fatal(err)
	}
	info := &ClientInfo{ID: "https://quill.example/", Name: `Quill <b>&</b>`, Logo: "https://quill.example/logo.png", URL: "https://quill.example/"}
	s := New(Config{PageConfig: owner.PageConfig{URL: "https://jane.example/", Logger: slog.Default()}}, nil, nil)
	golden.Check(t, "consent-no-pkce", render(t, "consent", s.consentPage(ar, info, "csrf-token", false)))
	golden.Check(t, "consent-exempt", render(t, "consent", s.consentPage(ar, info, "csrf-token", true)))
}
