package indieauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
)

// How a fake homepage advertises its IndieAuth server.
const (
	byLinkHeader     = "link header"
	byHTMLLink       = "html link"
	byMetadataHeader = "metadata in link header"
	byMetadataHTML   = "metadata in html"
	byNothing        = "nothing"
)

// authSite is someone's homepage and IndieAuth server, off this machine in real life, here
// a local HTTP server. It knows a few tokens by name:
//
//	valid      a token for the site's owner, scope "create update"
//	soon       valid, expiring a minute after the site's clock
//	invalid    unknown to the server
//	wrong-me   valid, but issued to someone else
//	expired    expired an hour ago
//	slow       the server never answers in time
//	boom       the server fails with 500
type authSite struct {
	*httptest.Server
	advertise string
	// introspection says how /introspect answers: "" normally, or a status to fail with.
	introspectionStatus int
	// requireAuth, if set, is the Authorization header /introspect insists on.
	requireAuth string
	// formReplies makes the endpoints answer form-encoded instead of JSON.
	formReplies bool
	// noLegacy leaves the token endpoint out of the metadata document.
	noLegacy bool
	now      func() time.Time

	home, metadata, introspect, legacy atomic.Int32
}

func newAuthSite(t *testing.T, advertise string) *authSite {
	t.Helper()
	s := &authSite{advertise: advertise, now: time.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveHome)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		s.metadata.Add(1)
		w.Header().Set("Content-Type", "application/json")
		legacy := `"token_endpoint":"/token",`
		if s.noLegacy {
			legacy = ""
		}
		fmt.Fprintf(w, `{"issuer":%q,%s"introspection_endpoint":"/introspect"}`, s.URL+"/", legacy)
	})
	mux.HandleFunc("POST /introspect", func(w http.ResponseWriter, r *http.Request) {
		s.introspect.Add(1)
		if s.introspectionStatus != 0 {
			w.WriteHeader(s.introspectionStatus)
			return
		}
		if s.requireAuth != "" && r.Header.Get("Authorization") != s.requireAuth {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.answer(w, r, r.PostFormValue("token"), true)
	})
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) {
		s.legacy.Add(1)
		raw, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.answer(w, r, raw, false)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *authSite) me() string { return s.URL + "/" }

func (s *authSite) serveHome(w http.ResponseWriter, r *http.Request) {
	s.home.Add(1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var head string
	switch s.advertise {
	case byLinkHeader:
		// The token endpoint shares the header with other links, one of them quoting a comma.
		w.Header().Add("Link", `<https://example.com/micropub>; rel="micropub", <`+s.URL+`/token>; rel="token_endpoint"; title="a, b"`)
	case byHTMLLink:
		head = `<link rel="authorization_endpoint" href="/auth"><link rel="token_endpoint" href="/token">`
	case byMetadataHeader:
		w.Header().Add("Link", `</.well-known/oauth-authorization-server>; rel=indieauth-metadata`)
		// A legacy link as well, which the metadata must win over.
		head = `<link rel="token_endpoint" href="/token">`
	case byMetadataHTML:
		head = `<link rel="indieauth-metadata" href="/.well-known/oauth-authorization-server">`
	}
	fmt.Fprintf(w, "<!doctype html><html><head><title>Home</title>%s</head><body><p>Hello</p></body></html>", head)
}

func (s *authSite) answer(w http.ResponseWriter, r *http.Request, raw string, introspection bool) {
	fields := map[string]any{"active": true, "me": s.me(), "client_id": "https://quill.p3k.io/", "scope": "create update"}
	switch raw {
	case "valid":
	case "soon":
		fields["exp"] = s.now().Add(time.Minute).Unix()
	case "wrong-me":
		fields["me"] = "https://someone-else.example/"
	case "expired":
		fields["exp"] = s.now().Add(-time.Hour).Unix()
	case "slow":
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	case "boom":
		http.Error(w, "database on fire", http.StatusInternalServerError)
		return
	default:
		if !introspection {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":"invalid_token"}`)
			return
		}
		fields = map[string]any{"active": false}
	}
	if !introspection {
		delete(fields, "active")
	}
	if s.formReplies {
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		var parts []string
		for k, v := range fields {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
		io.WriteString(w, strings.ReplaceAll(strings.Join(parts, "&"), " ", "+"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(fields)
}

// verifierCalls is how often the site was asked about a token, either way.
func (s *authSite) verifierCalls() int { return int(s.introspect.Load() + s.legacy.Load()) }

// external returns an External verifier for the site's owner; tests run on loopback, so
// private addresses are allowed explicitly.
func (s *authSite) external() *indieauth.External {
	return &indieauth.External{
		Me:      s.me(),
		Client:  indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true}),
		Timeout: 300 * time.Millisecond,
		Now:     s.now,
	}
}

// protected runs a resource server that requires scopes with v.
func protected(t *testing.T, v indieauth.Verifier, scopes ...string) *httptest.Server {
	t.Helper()
	auth := &indieauth.Authenticator{Verifier: v}
	ts := httptest.NewServer(auth.Require(scopes...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := indieauth.FromContext(r.Context())
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"me": tok.Me, "client_id": tok.ClientID, "scope": tok.Scope})
	})))
	t.Cleanup(ts.Close)
	return ts
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t *testing.T, ts *httptest.Server, raw string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/micropub?q=config", nil)
	if err != nil {
		t.Fatal(err)
	}
	if raw != "" {
		req.Header.Set("Authorization", "Bearer "+raw)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("status %d: body is not JSON: %v", resp.StatusCode, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	return a
}

func TestExternalVerifier(t *testing.T) {
	type want struct {
		status int
		error  string
	}
	tokens := []struct {
		raw  string
		want want
	}{
		{"valid", want{200, ""}},
		{"invalid", want{403, "forbidden"}},
		{"wrong-me", want{403, "forbidden"}},
		{"expired", want{403, "forbidden"}},
		{"slow", want{503, "temporarily_unavailable"}},
		{"boom", want{503, "temporarily_unavailable"}},
		{"", want{401, "unauthorized"}},
	}
	for _, advertise := range []string{byLinkHeader, byHTMLLink, byMetadataHeader, byMetadataHTML, byNothing} {
		for _, form := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, form replies %v", advertise, form), func(t *testing.T) {
				site := newAuthSite(t, advertise)
				site.formReplies = form
				ts := protected(t, site.external(), "create")
				for _, tt := range tokens {
					want := tt.want
					if advertise == byNothing && tt.raw != "" {
						want = tokens[4].want // 503: nothing to ask
					}
					start := time.Now()
					a := call(t, ts, tt.raw)
					if a.status != want.status || a.body["error"] != nilIfEmpty(want.error) {
						t.Errorf("token %q: %d %v, want %d %q", tt.raw, a.status, a.body, want.status, want.error)
					}
					if want.error != "" && a.body["error_description"] == "" {
						t.Errorf("token %q: no error_description in %v", tt.raw, a.body)
					}
					if d := time.Since(start); d > 2*time.Second {
						t.Errorf("token %q: took %v; the verifier's timeout is 300ms", tt.raw, d)
					}
					if tt.want.status == 200 && a.status == 200 && (a.body["me"] != site.me() || a.body["client_id"] != "https://quill.p3k.io/") {
						t.Errorf("token %q: handler saw %v", tt.raw, a.body)
					}
				}
				a := call(t, ts, "valid")
				if advertise == byNothing {
					return
				}
				if a.status != 200 {
					t.Errorf("valid token after failures: status %d %v", a.status, a.body)
				}
				usedIntrospection := site.introspect.Load() > 0
				if wantIntrospection := advertise == byMetadataHeader || advertise == byMetadataHTML; usedIntrospection != wantIntrospection {
					t.Errorf("introspection used: %v, want %v (legacy GETs %d)", usedIntrospection, wantIntrospection, site.legacy.Load())
				}
			})
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestExternalErrorBodies(t *testing.T) {
	site := newAuthSite(t, byMetadataHTML)
	ts := protected(t, site.external(), "create", "delete")
	a := call(t, ts, "valid")
	if a.status != 403 || a.body["error"] != "insufficient_scope" || a.body["scope"] != "delete" {
		t.Errorf("missing scope: %d %v, want 403 insufficient_scope with scope delete", a.status, a.body)
	}
	a = call(t, ts, "")
	if a.status != 401 || a.header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("no token: %d, WWW-Authenticate %q", a.status, a.header.Get("WWW-Authenticate"))
	}
	a = call(t, ts, "wrong-me")
	if desc, _ := a.body["error_description"].(string); !strings.Contains(desc, "someone-else.example") {
		t.Errorf("wrong me: error_description %q does not say whose token it is", desc)
	}
	a = call(t, ts, "boom")
	if desc, _ := a.body["error_description"].(string); strings.Contains(desc, "fire") || strings.Contains(desc, "127.0.0.1") {
		t.Errorf("503 error_description %q leaks the endpoint's details", desc)
	}
}

func TestExternalLegacyFallback(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed} {
		site := newAuthSite(t, byMetadataHTML)
		site.introspectionStatus = status
		ts := protected(t, site.external(), "create")
		if a := call(t, ts, "valid"); a.status != 200 {
			t.Errorf("introspection %d: status %d %v, want 200 from the legacy GET", status, a.status, a.body)
		}
		if a := call(t, ts, "invalid"); a.status != 403 {
			t.Errorf("introspection %d, invalid token: status %d, want 403", status, a.status)
		}
		if site.introspect.Load() != 2 || site.legacy.Load() != 2 {
			t.Errorf("introspection %d: %d introspections, %d legacy GETs; want 2 and 2", status, site.introspect.Load(), site.legacy.Load())
		}
	}
	site := newAuthSite(t, byMetadataHTML)
	site.introspectionStatus = http.StatusInternalServerError
	ts := protected(t, site.external(), "create")
	if a := call(t, ts, "valid"); a.status != 503 || site.legacy.Load() != 0 {
		t.Errorf("introspection 500: status %d after %d legacy GETs, want 503 and no fallback", a.status, site.legacy.Load())
	}
}

// TestExternalIntrospectionAuth checks credentials for an introspection endpoint that
// requires them, and what happens without: a 401 there says nothing about the token, so
// the legacy GET is asked instead, or, without one, the server is unavailable.
func TestExternalIntrospectionAuth(t *testing.T) {
	ctx := context.Background()
	site := newAuthSite(t, byMetadataHTML)
	site.requireAuth = "Bearer resource-server-secret"
	v := site.external()
	v.IntrospectionAuth = "Bearer resource-server-secret"
	if _, err := v.Verify(ctx, "valid"); err != nil {
		t.Errorf("with credentials: %v", err)
	}
	if _, err := v.Verify(ctx, "invalid"); !errors.Is(err, indieauth.ErrInvalidToken) {
		t.Errorf("with credentials, invalid token: error %v, want ErrInvalidToken", err)
	}
	if n := site.legacy.Load(); n != 0 {
		t.Errorf("with credentials: %d legacy GETs, want 0", n)
	}

	if _, err := site.external().Verify(ctx, "valid"); err != nil {
		t.Errorf("without credentials, legacy endpoint known: %v", err)
	}
	if n := site.legacy.Load(); n != 1 {
		t.Errorf("without credentials: %d legacy GETs, want 1", n)
	}

	site = newAuthSite(t, byMetadataHTML)
	site.requireAuth = "Bearer resource-server-secret"
	site.noLegacy = true
	_, err := site.external().Verify(ctx, "valid")
	if !errors.Is(err, indieauth.ErrUnavailable) || !strings.Contains(err.Error(), "IntrospectionAuth") {
		t.Errorf("without credentials or legacy endpoint: error %v, want ErrUnavailable naming IntrospectionAuth", err)
	}
}

func TestExternalConfiguredEndpoint(t *testing.T) {
	site := newAuthSite(t, byNothing)
	v := site.external()
	v.TokenEndpoint = site.URL + "/token"
	tok, err := v.Verify(context.Background(), "valid")
	if err != nil {
		t.Fatal(err)
	}
	if !tok.HasScope("update") || tok.ClientID != "https://quill.p3k.io/" {
		t.Errorf("token %+v", tok)
	}
	if site.home.Load() != 0 {
		t.Errorf("homepage fetched %d times with a configured endpoint", site.home.Load())
	}
}

// TestExternalRediscovers checks that discovery is cached while the endpoint works and
// repeated after it fails.
func TestExternalRediscovers(t *testing.T) {
	site := newAuthSite(t, byMetadataHTML)
	v := site.external()
	ctx := context.Background()
	for range 3 {
		if _, err := v.Verify(ctx, "valid"); err != nil {
			t.Fatal(err)
		}
	}
	if site.home.Load() != 1 || site.metadata.Load() != 1 {
		t.Errorf("3 verifications: homepage fetched %d times, metadata %d; want 1 and 1", site.home.Load(), site.metadata.Load())
	}
	if _, err := v.Verify(ctx, "boom"); !errors.Is(err, indieauth.ErrUnavailable) {
		t.Fatalf("boom: error %v, want ErrUnavailable", err)
	}
	if _, err := v.Verify(ctx, "valid"); err != nil {
		t.Fatal(err)
	}
	if site.home.Load() != 2 {
		t.Errorf("after a failure: homepage fetched %d times, want 2", site.home.Load())
	}
}

func TestExternalRefusesPrivateAddresses(t *testing.T) {
	site := newAuthSite(t, byLinkHeader)
	v := &indieauth.External{Me: site.me()} // the default client
	_, err := v.Verify(context.Background(), "valid")
	if !errors.Is(err, indieauth.ErrUnavailable) || !errors.Is(err, indieauth.ErrPrivateAddress) {
		t.Errorf("error %v, want ErrUnavailable and ErrPrivateAddress", err)
	}
	v = &indieauth.External{Me: site.me(), TokenEndpoint: site.URL + "/token"}
	_, err = v.Verify(context.Background(), "valid")
	if !errors.Is(err, indieauth.ErrPrivateAddress) {
		t.Errorf("configured endpoint: error %v, want ErrPrivateAddress", err)
	}
	if n := site.home.Load() + int32(site.verifierCalls()); n != 0 {
		t.Errorf("the loopback server was reached %d times", n)
	}
}

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestCache(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	site := newAuthSite(t, byMetadataHTML)
	site.now = clock.Now
	x := site.external()
	cache := indieauth.NewCache(x, indieauth.CacheOptions{Now: clock.Now})
	ts := protected(t, cache, "create")
	expect := func(raw string, status, calls int) {
		t.Helper()
		if a := call(t, ts, raw); a.status != status {
			t.Errorf("token %q: status %d %v, want %d", raw, a.status, a.body, status)
		}
		if got := site.verifierCalls(); got != calls {
			t.Errorf("token %q: the token endpoint was asked %d times in all, want %d", raw, got, calls)
		}
	}
	for range 20 {
		expect("valid", 200, 1)
	}
	clock.Advance(299 * time.Second)
	expect("valid", 200, 1)
	clock.Advance(2 * time.Second) // past the 300 s TTL
	expect("valid", 200, 2)

	// A token that expires in a minute is remembered only that long.
	expect("soon", 200, 3)
	clock.Advance(59 * time.Second)
	expect("soon", 200, 3)
	clock.Advance(2 * time.Second)
	expect("soon", 200, 4) // asked again; the fake server renews it

	// Rejections are remembered a few seconds only.
	expect("invalid", 403, 5)
	expect("invalid", 403, 5)
	clock.Advance(4 * time.Second)
	expect("invalid", 403, 6)

	// Failures to reach the endpoint are not remembered.
	expect("boom", 503, 7)
	expect("boom", 503, 8)

	// Every answer the endpoint was not asked for came from memory.
	if got := cache.Hits(); got != 22 {
		t.Errorf("Hits() = %d, want 22 (30 verifications, 8 of them asked)", got)
	}
}

func TestCacheOff(t *testing.T) {
	site := newAuthSite(t, byLinkHeader)
	ts := protected(t, indieauth.NewCache(site.external(), indieauth.CacheOptions{TTL: -1}), "create")
	for i := range 5 {
		if a := call(t, ts, "valid"); a.status != 200 {
			t.Fatalf("status %d", a.status)
		}
		if got := site.verifierCalls(); got != i+1 {
			t.Errorf("request %d: endpoint asked %d times, want %d", i+1, got, i+1)
		}
	}
}

func TestCacheConcurrentFirstUse(t *testing.T) {
	site := newAuthSite(t, byLinkHeader)
	cache := indieauth.NewCache(site.external(), indieauth.CacheOptions{})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := cache.Verify(context.Background(), "valid"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := site.verifierCalls(); got != 1 {
		t.Errorf("50 concurrent first uses asked the endpoint %d times, want 1", got)
	}
}

func TestCacheBounded(t *testing.T) {
	v := indieauth.VerifierFunc(func(ctx context.Context, raw string) (*indieauth.Token, error) {
		return nil, indieauth.ErrInvalidToken
	})
	cache := indieauth.NewCache(v, indieauth.CacheOptions{MaxEntries: 100})
	for i := range 1000 {
		cache.Verify(context.Background(), fmt.Sprint("made-up-", i))
	}
	if n := cache.Len(); n > 100 {
		t.Errorf("cache holds %d entries, want at most 100", n)
	}
}

// TestCacheGeneration: a change of CacheOptions.Generation (a store's count of
// revocations) makes the next verification ask again, whatever the TTL, and a request
// made after the change does not take the answer of a verification begun before it.
func TestCacheGeneration(t *testing.T) {
	var gen atomic.Uint64
	var calls atomic.Int32
	var revoked atomic.Bool
	started, release := make(chan struct{}, 1), make(chan struct{})
	var block atomic.Bool
	v := indieauth.VerifierFunc(func(ctx context.Context, raw string) (*indieauth.Token, error) {
		calls.Add(1)
		wasRevoked := revoked.Load() // read as a store would, before it waits
		if block.CompareAndSwap(true, false) {
			started <- struct{}{}
			<-release
		}
		if wasRevoked {
			return nil, indieauth.ErrInvalidToken
		}
		return &indieauth.Token{Me: "https://me.example/", Scope: []string{"create"}}, nil
	})
	cache := indieauth.NewCache(v, indieauth.CacheOptions{TTL: time.Hour, NegativeTTL: -1, Generation: gen.Load})
	ctx := context.Background()
	for range 5 {
		if _, err := cache.Verify(ctx, "tok"); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("5 verifications in one generation asked %d times, want 1", n)
	}
	// Revoked: the store's answer changes, and so does the generation.
	revoked.Store(true)
	gen.Add(1)
	if _, err := cache.Verify(ctx, "tok"); !errors.Is(err, indieauth.ErrInvalidToken) {
		t.Fatalf("after the generation changed: %v, want ErrInvalidToken", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("asked %d times in all, want 2", n)
	}

	// A verification begun before a revocation (it read the token live) is not shared
	// with a request that comes after.
	revoked.Store(false)
	gen.Add(1)
	block.Store(true)
	first := make(chan error, 1)
	go func() {
		_, err := cache.Verify(ctx, "tok2")
		first <- err
	}()
	<-started
	revoked.Store(true)
	gen.Add(1)
	second := make(chan error, 1)
	go func() {
		_, err := cache.Verify(ctx, "tok2")
		second <- err
	}()
	select {
	case err := <-second:
		if !errors.Is(err, indieauth.ErrInvalidToken) {
			t.Errorf("request after the revocation, while an earlier verification runs: %v, want ErrInvalidToken", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the request after the revocation waited for the verification begun before it")
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("the earlier verification: %v, want its own answer (live)", err)
	}
	// The earlier answer, remembered under the old generation, is not used now.
	if _, err := cache.Verify(ctx, "tok2"); !errors.Is(err, indieauth.ErrInvalidToken) {
		t.Errorf("after both: %v, want ErrInvalidToken", err)
	}
}

func TestExternalConnectionRefused(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens on its port any more
	x := &indieauth.External{Me: "https://example.com/", TokenEndpoint: gone.URL + "/token",
		Client: indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})}
	ts := protected(t, x, "create")
	a := call(t, ts, "valid")
	if a.status != http.StatusServiceUnavailable || a.body["error"] != "temporarily_unavailable" || a.header.Get("Retry-After") == "" {
		t.Errorf("refused connection: %d %v, Retry-After %q; want 503 temporarily_unavailable", a.status, a.body, a.header.Get("Retry-After"))
	}
}

func TestHasScope(t *testing.T) {
	tests := []struct {
		granted string
		need    []string
		want    bool
	}{
		{"create", []string{"create"}, true},
		{"create update", []string{"create", "update"}, true},
		{"create", []string{"create", "update"}, false},
		{"post", []string{"create", "update"}, true}, // legacy scope
		{"post", []string{"delete"}, false},
		{"post", []string{"media"}, false},
		{"", []string{}, true},
		{"", []string{"create"}, false},
	}
	for _, tt := range tests {
		tok := &indieauth.Token{Scope: strings.Fields(tt.granted)}
		err := indieauth.CheckScope(tok, tt.need...)
		if (err == nil) != tt.want {
			t.Errorf("scope %q, need %v: error %v, want ok %v", tt.granted, tt.need, err, tt.want)
		}
		var se *indieauth.ScopeError
		if err != nil && !errors.As(err, &se) {
			t.Errorf("error %v is not a *ScopeError", err)
		}
	}
}
