package admin

import (
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/token"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from %s; run with -update if the change is intended\ngot:\n%s", name, path, got)
	}
}

func render(t *testing.T, name string, data any) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	pages := New(Config{Logger: slog.Default()}, nil, nil).pages
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
		Exemptions: []*token.Exemption{{ClientID: "https://sunlit.example/", ClientName: "Sunlit", Created: issued}},
	}
	golden(t, "tokens", render(t, "tokens", page))
}
