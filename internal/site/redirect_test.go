package site_test

import (
	"net/http"
	"testing"
)

// TestOldAddressesRedirect checks that the path of an imported post that could not keep
// it answers 301 with the new URL, that a path with a post is served as before, and that
// other unknown paths stay 404.
func TestOldAddressesRedirect(t *testing.T) {
	ts := newSite(t)
	p := ts.createPost(t, item(t, "h=entry&content=moved+in&mp-slug=moved-in"))
	if err := ts.DB.AddRedirect(t.Context(), "/2019/05/moved-in/", p.URL); err != nil {
		t.Fatal(err)
	}
	if err := ts.DB.AddRedirect(t.Context(), "/caf%C3%A9/", p.URL); err != nil {
		t.Fatal(err)
	}
	client := *ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	tests := []struct {
		path     string
		status   int
		location string
	}{
		{"/2019/05/moved-in/", http.StatusMovedPermanently, p.URL},
		{"/caf%C3%A9/", http.StatusMovedPermanently, p.URL},
		{"/2019/05/moved-in", http.StatusNotFound, ""},
		{p.URL[len(ts.URL):], http.StatusOK, ""},
	}
	for _, tt := range tests {
		resp, err := client.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
			t.Errorf("GET %s: %d, Location %q; want %d, %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.location)
		}
	}
}
