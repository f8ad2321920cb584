package servertest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
)

// OwnerPassword is the password OwnerClient sets.
const OwnerPassword = "servertest owner password"

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// OwnerClient sets the owner's password and signs in through the real login page,
// returning a client that carries the owner's session cookie (and follows no redirects),
// so that pages see the request as the owner's.
func (s *Server) OwnerClient(t testing.TB) *http.Client {
	t.Helper()
	hash, err := owner.HashPassword(OwnerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.SetOwnerPassword(context.Background(), hash, time.Now()); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.Get(s.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		t.Fatalf("GET /login: %d, no CSRF field in %s", resp.StatusCode, page)
	}
	form := url.Values{"csrf": {string(m[1])}, "password": {OwnerPassword}, "next": {"/"}}
	resp, err = c.Post(s.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login: %d, want 303", resp.StatusCode)
	}
	return c
}
