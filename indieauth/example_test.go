package indieauth_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
)

func ExampleAuthenticator_Require() {
	// A Verifier of your own; External asks the owner's IndieAuth server instead.
	verifier := indieauth.VerifierFunc(func(ctx context.Context, raw string) (*indieauth.Token, error) {
		if raw != "s3cret" {
			return nil, indieauth.ErrInvalidToken
		}
		return &indieauth.Token{Me: "https://jane.example/", ClientID: "https://quill.p3k.io/", Scope: []string{"create"}}, nil
	})
	auth := &indieauth.Authenticator{Verifier: verifier}
	h := auth.Require("create")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := indieauth.FromContext(r.Context())
		body, _ := io.ReadAll(r.Body) // still readable after the token was taken from it
		fmt.Fprintf(w, "%s posted %s", tok.Me, body)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, body := range []string{"access_token=s3cret&content=hello", "access_token=guess&content=hello"} {
		resp, err := http.Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, strings.TrimSpace(string(out)))
	}
	// Output:
	// 200 https://jane.example/ posted access_token=s3cret&content=hello
	// 403 {"error":"forbidden","error_description":"invalid token"}
}
