package storetest

import (
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/token"
)

// newCode is an authorization code of client created at created.
func newCode(client string, created time.Time) *token.Code {
	_, hash := token.Generate()
	return &token.Code{Hash: hash, ClientID: client, ClientName: "App " + client, RedirectURI: client + "callback",
		Me: site, Scope: []string{"create", "media"}, Challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		Lifetime: time.Hour, Created: created, Expires: created.Add(token.CodeLifetime)}
}

// testCodeSingleUse: an authorization code is redeemed once (RFC 6749 section 4.1.2):
// check sees it as it was stored and its grant is stored with it; redeeming it again,
// even concurrently, is token.ErrCodeUsed without calling check, and revokes the token it
// bought; an unknown code is token.ErrNotFound.
func testCodeSingleUse(t TB, s Store) {
	ctx := t.Context()
	at := now()
	c := newCode(appX, at)
	if err := s.CreateCode(ctx, c); err != nil {
		t.Fatalf("CreateCode: %v", err)
	}
	g := newGrant(appX, at)
	got, err := s.RedeemCode(ctx, c.Hash, func(got *token.Code) (*token.Grant, error) {
		if got.Hash != c.Hash || got.ClientID != c.ClientID || got.ClientName != c.ClientName ||
			got.RedirectURI != c.RedirectURI || got.Me != c.Me || !reflect.DeepEqual(got.Scope, c.Scope) ||
			got.Challenge != c.Challenge || got.Lifetime != c.Lifetime || !got.Created.Equal(c.Created) ||
			!got.Expires.Equal(c.Expires) {
			t.Errorf("check got the code as %+v\nwant %+v", got, c)
		}
		return g, nil
	})
	if err != nil {
		t.Fatalf("RedeemCode: %v", err)
	}
	if g.Token.ID == 0 || got.TokenID != g.Token.ID {
		t.Errorf("redeemed code bought token %d, grant's token has ID %d", got.TokenID, g.Token.ID)
	}
	if revoked(t, s, g.Token.Hash) {
		t.Errorf("the grant's token is revoked")
	}
	called := false
	_, err = s.RedeemCode(ctx, c.Hash, func(*token.Code) (*token.Grant, error) {
		called = true
		return newGrant(appX, at), nil
	})
	if !errors.Is(err, token.ErrCodeUsed) || called {
		t.Errorf("RedeemCode again: %v (check called: %v), want token.ErrCodeUsed", err, called)
	}
	if !revoked(t, s, g.Token.Hash) {
		t.Errorf("a replayed code left the token it bought live")
	}
	unknown := func(*token.Code) (*token.Grant, error) { return newGrant(appX, at), nil }
	if _, err := s.RedeemCode(ctx, token.Hash("unknown"), unknown); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("RedeemCode of an unknown code: %v, want token.ErrNotFound", err)
	}

	// A sign-in without a token (check returns no grant) spends the code as well.
	signOnly := newCode(appY, at)
	if err := s.CreateCode(ctx, signOnly); err != nil {
		t.Fatal(err)
	}
	noGrant := func(*token.Code) (*token.Grant, error) { return nil, nil }
	if _, err := s.RedeemCode(ctx, signOnly.Hash, noGrant); err != nil {
		t.Errorf("RedeemCode without a grant: %v", err)
	}
	if _, err := s.RedeemCode(ctx, signOnly.Hash, noGrant); !errors.Is(err, token.ErrCodeUsed) {
		t.Errorf("RedeemCode of a code spent without a grant: %v, want token.ErrCodeUsed", err)
	}

	// Concurrent redemptions: exactly one wins.
	raced := newCode(appX, at)
	if err := s.CreateCode(ctx, raced); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, used := 0, 0
	for range 8 {
		wg.Go(func() {
			_, err := s.RedeemCode(ctx, raced.Hash, func(*token.Code) (*token.Grant, error) { return newGrant(appX, at), nil })
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, token.ErrCodeUsed):
				used++
			default:
				t.Errorf("concurrent RedeemCode: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 || used != 7 {
		t.Errorf("8 concurrent redemptions: %d won, %d found the code used; want 1 and 7", wins, used)
	}
}

// testCodeFailedCheck: when check refuses a code (a wrong PKCE verifier, say), RedeemCode
// returns check's error, stores no grant and still spends the code, so that a wrong
// verifier cannot be retried.
func testCodeFailedCheck(t TB, s Store) {
	ctx := t.Context()
	at := now()
	c := newCode(appX, at)
	if err := s.CreateCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("wrong verifier")
	g := newGrant(appX, at)
	if _, err := s.RedeemCode(ctx, c.Hash, func(*token.Code) (*token.Grant, error) { return g, refused }); !errors.Is(err, refused) {
		t.Errorf("RedeemCode with a failing check: %v, want check's error", err)
	}
	if _, err := s.TokenByHash(ctx, g.Token.Hash); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("a refused code's grant was stored (%v)", err)
	}
	retry := newGrant(appX, at)
	_, err := s.RedeemCode(ctx, c.Hash, func(*token.Code) (*token.Grant, error) { return retry, nil })
	if !errors.Is(err, token.ErrCodeUsed) {
		t.Errorf("RedeemCode after a failed check: %v, want token.ErrCodeUsed", err)
	}
	if _, err := s.TokenByHash(ctx, retry.Token.Hash); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("a retry of a refused code got a token (%v)", err)
	}
}
