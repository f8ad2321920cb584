package authserver

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

// FuzzBasicClientID: any Authorization header gives a client_id, nothing, or an OAuth
// error with a 4xx status; credentials encoded as RFC 6749 section 2.3.1 says come back
// as they were.
func FuzzBasicClientID(f *testing.F) {
	for _, s := range []string{"Basic aHR0cHMlM0ElMkYlMkZhcHAuZXhhbXBsZSUyRjo=", "Basic aHR0cHM6Ly9hcHAuZXhhbXBsZS86",
		"Basic YTpi", "basic Og==", "Basic", "Basic %%%", "Bearer x", ""} {
		f.Add(s, "https://app.example/")
	}
	f.Fuzz(func(t *testing.T, header, clientID string) {
		id, err := basicClientID(header)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Status < 400 || e.Status >= 500 || e.Code != "invalid_client" {
				t.Fatalf("basicClientID(%q): error %#v, want a 4xx invalid_client", header, err)
			}
			return
		}
		if id != "" && !strings.HasPrefix(strings.ToLower(header), "basic") {
			t.Fatalf("basicClientID(%q) = %q from a header of another scheme", header, id)
		}
		encoded := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"))
		if got, err := basicClientID(encoded); err != nil || got != clientID {
			t.Fatalf("basicClientID of the encoded %q = %q, %v", clientID, got, err)
		}
	})
}
