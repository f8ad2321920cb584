package authserver_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/indiepub/indiepub/internal/browsertest"
)

// TestBrowserSignInAndConsent clicks through the real login and consent pages in headless
// Chromium: the owner signs in, unticks a scope, picks an expiry and approves; the browser
// lands on the client's callback with the code, state and iss.
func TestBrowserSignInAndConsent(t *testing.T) {
	ctx := browsertest.New(t)
	s := newSite(t)
	a := newApp(t, "/", "html", hApp("Browser App"))
	verifier := strings.Repeat("chromium", 6)
	start := s.URL + "/auth?" + authQuery(a, a.URL+"/callback", "create update media", verifier, "b-state", s.Cfg.URL)

	err := chromedp.Do(ctx,
		chromedp.Navigate(start),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), ownerPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("approve")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	clientName, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("client-name")))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("scope-media")),
		chromedp.SetValue(chromedp.ID("expiry"), "7d"),
		chromedp.Click(chromedp.ID("approve")),
	)
	if err != nil {
		t.Fatalf("consent: %v", err)
	}
	var landed string
	for range 100 {
		if landed, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(landed, a.URL) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if clientName != "Browser App" {
		t.Errorf("consent page shows client %q, want Browser App", clientName)
	}
	u, err := url.Parse(landed)
	if err != nil || !strings.HasPrefix(landed, a.URL+"/callback?") {
		t.Fatalf("browser landed on %q, want the client's callback", landed)
	}
	q := u.Query()
	if q.Get("state") != "b-state" || q.Get("iss") != s.Cfg.URL || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "client_id": {a.clientID()},
		"redirect_uri": {a.URL + "/callback"}, "code_verifier": {verifier}}
	status, tok, _ := postToken(t, s.URL+"/token", form.Encode(), "", "")
	if status != 200 || tok["scope"] != "create update" {
		t.Fatalf("exchange: %d %v, want scope without the unticked media", status, tok)
	}
	if exp, _ := tok["expires_in"].(float64); exp != 7*24*3600 {
		t.Errorf("expires_in = %v, want the chosen week", tok["expires_in"])
	}
}
