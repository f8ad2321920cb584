package authserver_test

import (
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/indiepub/indiepub/internal/fixture"

	"github.com/indiepub/indiepub/internal/authserver"
)

func seedFixtures(f *testing.F, pattern string) {
	for _, n := range fixture.Glob(f, pattern) {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

func FuzzParseAuthRequest(f *testing.F) {
	seedFixtures(f, "*-authorize.txt")
	f.Add("response_type=code&client_id=http://[::1]/&redirect_uri=myapp://cb&state=1&scope=post")
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		ar, err := authserver.ParseAuthRequest(v)
		if err != nil {
			if _, ok := err.(*authserver.Error); !ok {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			return
		}
		ar.Validate()
		for _, sc := range ar.Scope {
			if !strings.Contains(" "+strings.Join(authserver.Scopes, " ")+" ", " "+sc+" ") {
				t.Fatalf("unknown scope %q kept", sc)
			}
		}
		if strings.Contains(ar.ClientID, "#") || strings.Contains(ar.RedirectURI, "#") {
			t.Fatalf("fragment accepted: %q %q", ar.ClientID, ar.RedirectURI)
		}
	})
}

func FuzzParseTokenRequest(f *testing.F) {
	seedFixtures(f, "*-token.form")
	seedFixtures(f, "quill-revoke.form")
	f.Add("grant_type=refresh_token&refresh_token=abc&client_id=x&scope=create")
	f.Fuzz(func(t *testing.T, body string) {
		tr, err := authserver.ParseTokenRequest([]byte(body))
		if err != nil {
			if _, ok := err.(*authserver.Error); !ok {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			return
		}
		v, _ := url.ParseQuery(body)
		if v.Get("code") != tr.Code || v.Get("client_id") != tr.ClientID || v.Get("code_verifier") != tr.CodeVerifier {
			t.Fatalf("fields differ from the form: %+v vs %v", tr, v)
		}
	})
}

func FuzzParseClientPage(f *testing.F) {
	f.Add("text/html", hApp("Quill"), `<https://a.example/cb>; rel="redirect_uri"`)
	f.Add("application/json", strings.ReplaceAll(metadataDoc("/", "App", "{{base}}/cb"), "{{base}}", "https://app.example.com"), "")
	f.Add("text/html", `<div class="h-x-app"><img class="u-logo p-name" alt="Sunlit" src="//cdn.example/l.png"></div><link rel="redirect_uri" href="x">`, "")
	f.Add("", `{"client_id":"https://app.example.com/","redirect_uris":[1,2]}`, "<>, <")
	f.Fuzz(func(t *testing.T, contentType, body, link string) {
		info := authserver.ParseClientPage("https://app.example.com/", contentType, []byte(body), []string{link})
		if info.Name == "" || !utf8.ValidString(info.Name) && utf8.ValidString(body) {
			t.Fatalf("bad name %q", info.Name)
		}
		if utf8.RuneCountInString(info.Name) > 101 {
			t.Fatalf("name of %d runes", utf8.RuneCountInString(info.Name))
		}
		for _, u := range []string{info.Logo, info.URL} {
			if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Fatalf("non-http URL %q would reach the consent page", u)
			}
		}
		if !reflect.DeepEqual(info.ID, "https://app.example.com/") {
			t.Fatalf("ID changed to %q", info.ID)
		}
	})
}
