package authserver

import (
	"net/url"
	"reflect"
	"testing"
)

func TestParseClientID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"https://app.example.com/", true},
		{"https://app.example.com/id?x=1", true},
		{"http://localhost:8080/", true},
		{"http://127.0.0.1:1234/", true},
		{"http://[::1]/", true},
		{"https://app.example.com", false}, // no path
		{"ftp://app.example.com/", false},
		{"https://app.example.com/#frag", false},
		{"https://app.example.com/#", false},
		{"https://user:pw@app.example.com/", false},
		{"https://app.example.com/a/../b", false},
		{"https://app.example.com/./b", false},
		{"https://10.0.0.1/", false},
		{"https://127.0.0.2/", false},
		{"https://[2001:db8::1]/", false},
		{"", false},
		{"/relative", false},
	}
	for _, tt := range tests {
		_, err := parseClientID(tt.id)
		if (err == nil) != tt.ok {
			t.Errorf("parseClientID(%q) error %v, want ok=%v", tt.id, err, tt.ok)
		}
	}
}

func TestNormalizeScope(t *testing.T) {
	known, ignored := normalizeScope("post media read read profile create")
	if !reflect.DeepEqual(known, []string{"create", "update", "media", "profile"}) || !reflect.DeepEqual(ignored, []string{"read"}) {
		t.Errorf("normalizeScope: %v %v", known, ignored)
	}
}

func TestParseClientPage(t *testing.T) {
	const id = "https://app.example.com/"
	tests := []struct {
		name, contentType, body string
		links                   []string
		want                    ClientInfo
	}{
		{"metadata", "application/json",
			`{"client_id":"https://app.example.com/","client_name":"App","client_uri":"https://app.example.com/about","logo_uri":"/logo.png","redirect_uris":["https://app.example.com/cb","myapp://cb"]}`,
			nil, ClientInfo{ID: id, Name: "App", URL: "https://app.example.com/about", Logo: "https://app.example.com/logo.png",
				RedirectURIs: []string{"https://app.example.com/cb", "myapp://cb"}}},
		{"metadata for another client_id is ignored", "application/json",
			`{"client_id":"https://evil.example/","client_name":"Evil","redirect_uris":["https://evil.example/cb"]}`,
			nil, ClientInfo{ID: id, Name: "app.example.com", URL: id}},
		{"h-app", "text/html",
			`<html><head><link rel="redirect_uri" href="/cb"></head><body><div class="h-app"><img class="u-logo" src="logo.svg" alt=""><a class="p-name u-url" href="/">Quill</a></div></body></html>`,
			nil, ClientInfo{ID: id, Name: "Quill", URL: id, Logo: "https://app.example.com/logo.svg", RedirectURIs: []string{"https://app.example.com/cb"}}},
		{"h-x-app with implied name and javascript logo", "text/html",
			`<div class="h-x-app"><img class="u-logo" src="javascript:alert(1)">  Sunlit  </div>`,
			nil, ClientInfo{ID: id, Name: "Sunlit", URL: id}},
		{"plain page and Link header", "text/html", `<p>hello</p>`,
			[]string{`<https://other.example/cb>; rel="redirect_uri", <https://x/>; rel="me"`},
			ClientInfo{ID: id, Name: "app.example.com", URL: id, RedirectURIs: []string{"https://other.example/cb"}}},
		{"native app's scheme and a relative target in Link headers", "text/html", `<p>hello</p>`,
			[]string{`<myapp://cb>; rel="redirect_uri"`, `</cb>; rel=redirect_uri`},
			ClientInfo{ID: id, Name: "app.example.com", URL: id, RedirectURIs: []string{"myapp://cb", "https://app.example.com/cb"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseClientPage(id, tt.contentType, []byte(tt.body), tt.links)
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func TestParseTokenRequest(t *testing.T) {
	tr, err := ParseTokenRequest([]byte("code=abc&grant_type=authorization_code&client_id=https%3A%2F%2Fa.example%2F&"))
	if err != nil || tr.Code != "abc" || tr.GrantType != "authorization_code" || tr.ClientID != "https://a.example/" {
		t.Errorf("IndiePass-style body: %+v %v", tr, err)
	}
	if _, err := ParseTokenRequest([]byte("code=a&code=b")); err == nil {
		t.Errorf("a repeated code with different values was accepted")
	}
	if _, err := ParseTokenRequest([]byte("code=%zz")); err == nil {
		t.Errorf("a bad escape was accepted")
	}
}

func TestAcceptsOnlyForm(t *testing.T) {
	for accept, want := range map[string]bool{
		"": false, "application/json": false, "application/x-www-form-urlencoded": true,
		"application/x-www-form-urlencoded;q=1, application/json;q=0.5": false, "*/*": false,
	} {
		if got := acceptsOnlyForm(accept); got != want {
			t.Errorf("acceptsOnlyForm(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestParseAuthRequestIndiePass(t *testing.T) {
	// IndiePass does not percent-encode the URLs.
	v, err := url.ParseQuery("redirect_uri=https://indiepass.example.com/android-callback&client_id=https://indiepass.example.com/&me=https://example.com&scope=create+update+read&state=9fba80cd-b&response_type=code")
	if err != nil {
		t.Fatal(err)
	}
	ar, err := ParseAuthRequest(v)
	if err != nil {
		t.Fatal(err)
	}
	if ar.ClientID != "https://indiepass.example.com/" || !reflect.DeepEqual(ar.Scope, []string{"create", "update"}) || ar.Validate() != nil {
		t.Errorf("parsed %+v", ar)
	}
}
