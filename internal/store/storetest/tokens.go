package storetest

import (
	"errors"
	"reflect"
	"slices"
	"time"

	"github.com/indiepub/indiepub/internal/token"
)

// Clients of the suite's tokens.
const (
	appX = "https://x.example/"
	appY = "https://y.example/"
)

// now is the wall clock to the second: ListTokens and TouchToken go by the store's own
// clock, so tokens are issued around the real time.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }

// newToken is an access token of client issued at issued, expiring an hour later.
func newToken(client string, issued time.Time) *token.Token {
	_, hash := token.Generate()
	return &token.Token{Hash: hash, Me: site, ClientID: client, ClientName: "App " + client,
		Scope: []string{"create", "media"}, Issued: issued, Expires: issued.Add(time.Hour)}
}

// createToken stores a token as `indiepub token issue` does.
func createToken(t TB, s Store, tok *token.Token) *token.Token {
	t.Helper()
	if err := s.CreateToken(t.Context(), tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if tok.ID == 0 {
		t.Fatalf("CreateToken: no ID set")
	}
	return tok
}

// newGrant is an access token with a refresh token that expires after two hours.
func newGrant(client string, issued time.Time) *token.Grant {
	_, refresh := token.Generate()
	return &token.Grant{Token: newToken(client, issued), RefreshHash: refresh, RefreshExpires: issued.Add(2 * time.Hour)}
}

// signIn stores a grant the way the token endpoint does: a code, redeemed for it.
func signIn(t TB, s Store, client string, at time.Time) *token.Grant {
	t.Helper()
	c := newCode(client, at)
	if err := s.CreateCode(t.Context(), c); err != nil {
		t.Fatalf("CreateCode: %v", err)
	}
	g := newGrant(client, at)
	if _, err := s.RedeemCode(t.Context(), c.Hash, func(*token.Code) (*token.Grant, error) { return g, nil }); err != nil {
		t.Fatalf("RedeemCode: %v", err)
	}
	if g.Token.ID == 0 {
		t.Fatalf("RedeemCode: the grant's token got no ID")
	}
	return g
}

// mustToken reads the token with hash, revoked or not.
func mustToken(t TB, s Store, hash string) *token.Token {
	t.Helper()
	tok, err := s.TokenByHash(t.Context(), hash)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	return tok
}

// revoked reports whether the token with hash is revoked.
func revoked(t TB, s Store, hash string) bool {
	t.Helper()
	return mustToken(t, s, hash).Revoked
}

// testTokenByHash: a token is found by the hash of its raw value, with what it was issued
// with; it is found revoked too (the verifier tells the client why); an unknown hash is
// token.ErrNotFound; TouchToken records a use.
func testTokenByHash(t TB, s Store) {
	issued := now()
	tok := createToken(t, s, newToken(appX, issued))
	other := createToken(t, s, newToken(appY, issued))
	if other.ID == tok.ID {
		t.Errorf("two tokens share ID %d", tok.ID)
	}
	got := mustToken(t, s, tok.Hash)
	if got.ID != tok.ID || got.Hash != tok.Hash || got.Me != tok.Me || got.ClientID != tok.ClientID ||
		got.ClientName != tok.ClientName || !reflect.DeepEqual(got.Scope, tok.Scope) ||
		!got.Issued.Equal(tok.Issued) || !got.Expires.Equal(tok.Expires) || !got.LastUsed.IsZero() || got.Revoked {
		t.Errorf("token read back as %+v\nwant %+v", got, tok)
	}
	forever := newToken(appX, issued)
	forever.Expires = time.Time{}
	createToken(t, s, forever)
	if got := mustToken(t, s, forever.Hash); !got.Expires.IsZero() {
		t.Errorf("a token without expiry reads back expiring at %v", got.Expires)
	}
	if _, err := s.TokenByHash(t.Context(), token.Hash("unknown")); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("TokenByHash of an unknown hash: %v, want token.ErrNotFound", err)
	}

	if err := s.TouchToken(t.Context(), tok.ID); err != nil {
		t.Fatalf("TouchToken: %v", err)
	}
	if got := mustToken(t, s, tok.Hash); got.LastUsed.Before(issued) {
		t.Errorf("last used %v after TouchToken, want %v or later", got.LastUsed, issued)
	}
	if got := mustToken(t, s, other.Hash); !got.LastUsed.IsZero() {
		t.Errorf("TouchToken of one token marked another used")
	}

	if err := s.RevokeToken(t.Context(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TokenByHash(t.Context(), tok.Hash); err != nil || !got.Revoked {
		t.Errorf("TokenByHash of a revoked token: %+v, %v; want it, revoked", got, err)
	}
}

// testListTokens: the owner's list holds the live tokens (neither revoked nor expired),
// newest first.
func testListTokens(t TB, s Store) {
	at := now()
	older := createToken(t, s, newToken(appX, at.Add(-30*time.Minute)))
	newer := createToken(t, s, newToken(appY, at.Add(-10*time.Minute)))
	forever := newToken(appX, at.Add(-20*time.Minute))
	forever.Expires = time.Time{}
	createToken(t, s, forever)
	expired := newToken(appX, at.Add(-3*time.Hour))
	createToken(t, s, expired)
	gone := createToken(t, s, newToken(appY, at.Add(-5*time.Minute)))
	if err := s.RevokeToken(t.Context(), gone.ID); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, tok := range list {
		got = append(got, tok.ID)
	}
	if want := []int64{newer.ID, forever.ID, older.ID}; !slices.Equal(got, want) {
		t.Errorf("ListTokens: IDs %v, want %v (newer, without expiry, older)", got, want)
	}
}

// testRevocation: a token is revoked by ID (once: again is token.ErrNotFound), by the
// hash of its access or refresh token (reporting whether a live one was found), or with
// every live token of its client (counting them); revoking one touches no other.
func testRevocation(t TB, s Store) {
	at := now()
	a := createToken(t, s, newToken(appX, at))
	b := createToken(t, s, newToken(appX, at))
	c := createToken(t, s, newToken(appY, at))
	g := signIn(t, s, appY, at)
	d := createToken(t, s, newToken(appY, at))
	ctx := t.Context()

	if err := s.RevokeToken(ctx, a.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if !revoked(t, s, a.Hash) || revoked(t, s, b.Hash) {
		t.Errorf("after RevokeToken(a): a revoked %v, b revoked %v; want true, false", revoked(t, s, a.Hash), revoked(t, s, b.Hash))
	}
	if err := s.RevokeToken(ctx, a.ID); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("RevokeToken of a revoked token: %v, want token.ErrNotFound", err)
	}
	if err := s.RevokeToken(ctx, d.ID+1000); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("RevokeToken of an unknown ID: %v, want token.ErrNotFound", err)
	}

	for _, step := range []struct {
		what, hash string
		want       bool
	}{
		{"access token", c.Hash, true},
		{"access token again", c.Hash, false},
		{"refresh token", g.RefreshHash, true},
		{"refresh token again", g.RefreshHash, false},
		{"unknown hash", token.Hash("unknown"), false},
	} {
		if found, err := s.RevokeTokenHash(ctx, step.hash); err != nil || found != step.want {
			t.Errorf("RevokeTokenHash, %s: %v, %v; want %v", step.what, found, err, step.want)
		}
	}
	if !revoked(t, s, c.Hash) || !revoked(t, s, g.Token.Hash) || revoked(t, s, d.Hash) {
		t.Errorf("after RevokeTokenHash: c %v, refreshed pair %v, d %v; want true, true, false",
			revoked(t, s, c.Hash), revoked(t, s, g.Token.Hash), revoked(t, s, d.Hash))
	}

	if n, err := s.RevokeClientTokens(ctx, appX); err != nil || n != 1 {
		t.Errorf("RevokeClientTokens(x): %d, %v; want 1 (b; a was revoked already)", n, err)
	}
	if !revoked(t, s, b.Hash) || revoked(t, s, d.Hash) {
		t.Errorf("after RevokeClientTokens(x): b revoked %v, y's d revoked %v", revoked(t, s, b.Hash), revoked(t, s, d.Hash))
	}
	if n, err := s.RevokeClientTokens(ctx, appX); err != nil || n != 0 {
		t.Errorf("RevokeClientTokens(x) again: %d, %v; want 0", n, err)
	}
}

// testRefreshRotation: a live, unexpired refresh token is exchanged once: check sees the
// token it belongs to, the old pair is revoked and check's grant stored, all at once; a
// failing check changes nothing; a spent, expired or unknown refresh token, or an access
// token, is token.ErrNotFound and check is not called.
func testRefreshRotation(t TB, s Store) {
	at := now()
	ctx := t.Context()
	g1 := signIn(t, s, appX, at)
	g2 := newGrant(appX, at.Add(time.Minute))
	err := s.RotateRefresh(ctx, g1.RefreshHash, at.Add(time.Minute), func(old *token.Token) (*token.Grant, error) {
		if old.ID != g1.Token.ID || old.Hash != g1.Token.Hash || old.ClientID != appX || old.Me != site ||
			!reflect.DeepEqual(old.Scope, g1.Token.Scope) {
			t.Errorf("check got %+v, want the token of the refresh token %+v", old, g1.Token)
		}
		return g2, nil
	})
	if err != nil {
		t.Fatalf("RotateRefresh: %v", err)
	}
	if g2.Token.ID == 0 {
		t.Errorf("the new grant's token got no ID")
	}
	if !revoked(t, s, g1.Token.Hash) || revoked(t, s, g2.Token.Hash) {
		t.Errorf("after rotation: old revoked %v, new revoked %v; want true, false",
			revoked(t, s, g1.Token.Hash), revoked(t, s, g2.Token.Hash))
	}

	refused := errors.New("refused")
	g3 := newGrant(appX, at.Add(2*time.Minute))
	err = s.RotateRefresh(ctx, g2.RefreshHash, at.Add(2*time.Minute), func(*token.Token) (*token.Grant, error) {
		return g3, refused
	})
	if !errors.Is(err, refused) {
		t.Errorf("RotateRefresh with a failing check: %v, want check's error", err)
	}
	if revoked(t, s, g2.Token.Hash) {
		t.Errorf("a failed rotation revoked the pair")
	}
	if _, err := s.TokenByHash(ctx, g3.Token.Hash); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("a failed rotation stored its grant: %v", err)
	}

	// A pair revoked otherwise than by rotation (the client, the owner).
	g4 := signIn(t, s, appY, at)
	if ok, err := s.RevokeTokenHash(ctx, g4.Token.Hash); err != nil || !ok {
		t.Fatalf("RevokeTokenHash: %v, %v", ok, err)
	}
	for _, tt := range []struct {
		what, hash string
		at         time.Time
		want       error
	}{
		{"spent", g1.RefreshHash, at.Add(2 * time.Minute), token.ErrRefreshUsed},
		{"revoked", g4.RefreshHash, at.Add(2 * time.Minute), token.ErrRefreshRevoked},
		{"expired", g2.RefreshHash, g2.RefreshExpires, token.ErrNotFound},
		{"unknown", token.Hash("unknown"), at, token.ErrNotFound},
		{"access token", g2.Token.Hash, at, token.ErrNotFound},
	} {
		called := false
		err := s.RotateRefresh(ctx, tt.hash, tt.at, func(*token.Token) (*token.Grant, error) {
			called = true
			return newGrant(appX, tt.at), nil
		})
		if !errors.Is(err, tt.want) || called {
			t.Errorf("RotateRefresh of a %s refresh token: %v (check called: %v), want %v", tt.what, err, called, tt.want)
		}
	}
	// Just before it expires it is still good.
	err = s.RotateRefresh(ctx, g2.RefreshHash, g2.RefreshExpires.Add(-time.Second), func(*token.Token) (*token.Grant, error) {
		return newGrant(appX, at), nil
	})
	if err != nil {
		t.Errorf("RotateRefresh a second before expiry: %v", err)
	}
}

// testRefreshReplay: a spent refresh token presented again (RFC 9700 section 4.14.2)
// revokes the tokens issued in its place, and no token of another client or issued
// before it; a live or unknown refresh token is not a replay.
func testRefreshReplay(t TB, s Store) {
	at := now()
	ctx := t.Context()
	earlier := createToken(t, s, newToken(appX, at))
	g1 := signIn(t, s, appX, at)
	other := signIn(t, s, appY, at)
	for _, hash := range []string{g1.RefreshHash, token.Hash("unknown")} {
		if replayed, err := s.RevokeAfterRefreshReuse(ctx, hash); err != nil || replayed {
			t.Errorf("RevokeAfterRefreshReuse of a live or unknown refresh token: %v, %v; want false", replayed, err)
		}
	}
	if revoked(t, s, g1.Token.Hash) {
		t.Fatalf("RevokeAfterRefreshReuse of a live refresh token revoked it")
	}
	// The refresh token of a pair revoked by the client or the owner is no replay: it
	// revokes nothing issued later.
	dropped := signIn(t, s, appX, at)
	if ok, err := s.RevokeTokenHash(ctx, dropped.Token.Hash); err != nil || !ok {
		t.Fatalf("RevokeTokenHash: %v, %v", ok, err)
	}
	if replayed, err := s.RevokeAfterRefreshReuse(ctx, dropped.RefreshHash); err != nil || replayed {
		t.Errorf("RevokeAfterRefreshReuse of a revoked pair's refresh token: %v, %v; want false", replayed, err)
	}
	g2 := newGrant(appX, at.Add(time.Minute))
	if err := s.RotateRefresh(ctx, g1.RefreshHash, at, func(*token.Token) (*token.Grant, error) { return g2, nil }); err != nil {
		t.Fatal(err)
	}
	if replayed, err := s.RevokeAfterRefreshReuse(ctx, g1.RefreshHash); err != nil || !replayed {
		t.Errorf("RevokeAfterRefreshReuse of a spent refresh token: %v, %v; want true", replayed, err)
	}
	if !revoked(t, s, g2.Token.Hash) {
		t.Errorf("the token issued in place of the replayed one is still live")
	}
	if revoked(t, s, earlier.Hash) || revoked(t, s, other.Token.Hash) {
		t.Errorf("replay revoked an earlier token (%v) or another client's (%v)",
			revoked(t, s, earlier.Hash), revoked(t, s, other.Token.Hash))
	}
}
