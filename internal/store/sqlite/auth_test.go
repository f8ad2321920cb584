package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/token"
)

func openAuthDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newGrant(clientID string, now time.Time) *token.Grant {
	_, hash := token.Generate()
	_, refresh := token.Generate()
	return &token.Grant{
		Token:       &token.Token{Hash: hash, Me: "https://me.example/", ClientID: clientID, Scope: []string{"create"}, Issued: now, Expires: now.Add(time.Hour)},
		RefreshHash: refresh, RefreshExpires: now.Add(2 * time.Hour),
	}
}

func TestRedeemCodeOnce(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	now := time.Now()
	_, hash := token.Generate()
	c := &token.Code{Hash: hash, ClientID: "https://app.example/", RedirectURI: "https://app.example/cb",
		Me: "https://me.example/", Scope: []string{"create", "media"}, Challenge: "ch", Lifetime: time.Hour,
		Created: now, Expires: now.Add(token.CodeLifetime)}
	if err := db.CreateCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Concurrent redemptions: exactly one wins.
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := db.RedeemCode(ctx, hash, func(got *token.Code) (*token.Grant, error) {
				if got.Lifetime != time.Hour || got.Challenge != "ch" || len(got.Scope) != 2 {
					t.Errorf("code read back as %+v", got)
				}
				return newGrant(got.ClientID, now), nil
			})
			results <- err
		})
	}
	wg.Wait()
	close(results)
	ok := 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, token.ErrCodeUsed):
			t.Errorf("redeem: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d redemptions succeeded, want 1", ok)
	}
	live, _ := db.ListTokens(ctx)
	if len(live) != 0 {
		t.Errorf("replays should have revoked the token; %d live", len(live))
	}
	if _, err := db.RedeemCode(ctx, "unknown", nil); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
}

func TestRedeemCodeCheckFails(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	now := time.Now()
	_, hash := token.Generate()
	db.CreateCode(ctx, &token.Code{Hash: hash, ClientID: "c", RedirectURI: "r", Me: "m", Created: now, Expires: now.Add(time.Minute)})
	bad := errors.New("wrong verifier")
	if _, err := db.RedeemCode(ctx, hash, func(*token.Code) (*token.Grant, error) { return nil, bad }); !errors.Is(err, bad) {
		t.Fatalf("got %v, want the check's error", err)
	}
	if _, err := db.RedeemCode(ctx, hash, func(*token.Code) (*token.Grant, error) { return nil, nil }); !errors.Is(err, token.ErrCodeUsed) {
		t.Errorf("code after a failed check: %v, want ErrCodeUsed", err)
	}
}

func TestRotateRefresh(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	now := time.Now()
	g := newGrant("https://app.example/", now)
	storeGrant(t, db, g)
	next := newGrant("https://app.example/", now)
	refused := errors.New("refused")
	if err := db.RotateRefresh(ctx, g.RefreshHash, now, func(*token.Token) (*token.Grant, error) { return nil, refused }); !errors.Is(err, refused) {
		t.Fatalf("failing check: %v", err)
	}
	if old, _ := db.TokenByHash(ctx, g.Token.Hash); old.Revoked {
		t.Fatal("a failed rotation revoked the old token")
	}
	if err := db.RotateRefresh(ctx, g.RefreshHash, now, func(old *token.Token) (*token.Grant, error) { return next, nil }); err != nil {
		t.Fatal(err)
	}
	if old, _ := db.TokenByHash(ctx, g.Token.Hash); !old.Revoked {
		t.Error("rotation left the old access token live")
	}
	if err := db.RotateRefresh(ctx, g.RefreshHash, now, func(*token.Token) (*token.Grant, error) { return newGrant("x", now), nil }); !errors.Is(err, token.ErrRefreshUsed) {
		t.Errorf("old refresh token after rotation: %v, want ErrRefreshUsed", err)
	}
	if err := db.RotateRefresh(ctx, next.RefreshHash, now.Add(3*time.Hour), func(*token.Token) (*token.Grant, error) { return newGrant("x", now), nil }); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("expired refresh token: %v, want ErrNotFound", err)
	}
	if err := db.RotateRefresh(ctx, "unknown", now, func(*token.Token) (*token.Grant, error) { return newGrant("x", now), nil }); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("unknown refresh token: %v, want ErrNotFound", err)
	}
	if ok, _ := db.RevokeTokenHash(ctx, next.RefreshHash); !ok {
		t.Error("revoking by refresh token found nothing")
	}
	if nt, _ := db.TokenByHash(ctx, next.Token.Hash); !nt.Revoked {
		t.Error("revoking the refresh token left its access token live")
	}
	if err := db.RotateRefresh(ctx, next.RefreshHash, now, func(*token.Token) (*token.Grant, error) { return newGrant("x", now), nil }); !errors.Is(err, token.ErrRefreshRevoked) {
		t.Errorf("refresh token of a revoked pair: %v, want ErrRefreshRevoked", err)
	}
}

// TestRefreshReuseOnlyAfterRotation: only a rotated refresh token presented again
// revokes the client's later tokens; the refresh token of a revoked pair revokes nothing.
func TestRefreshReuseOnlyAfterRotation(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	now := time.Now()
	revoked, rotated := newGrant("https://app.example/", now), newGrant("https://app.example/", now)
	storeGrant(t, db, revoked)
	storeGrant(t, db, rotated)
	if _, err := db.RevokeTokenHash(ctx, revoked.Token.Hash); err != nil {
		t.Fatal(err)
	}
	next := newGrant("https://app.example/", now)
	if err := db.RotateRefresh(ctx, rotated.RefreshHash, now, func(*token.Token) (*token.Grant, error) { return next, nil }); err != nil {
		t.Fatal(err)
	}
	if reused, err := db.RevokeAfterRefreshReuse(ctx, revoked.RefreshHash); reused || err != nil {
		t.Errorf("refresh token of a revoked pair: reused %v, %v; want false", reused, err)
	}
	if nt, _ := db.TokenByHash(ctx, next.Token.Hash); nt.Revoked {
		t.Fatal("the refresh token of a revoked pair revoked a later token")
	}
	if reused, err := db.RevokeAfterRefreshReuse(ctx, rotated.RefreshHash); !reused || err != nil {
		t.Errorf("rotated refresh token: reused %v, %v; want true", reused, err)
	}
	if nt, _ := db.TokenByHash(ctx, next.Token.Hash); !nt.Revoked {
		t.Error("a replayed refresh token left the pair issued in its place live")
	}
}

// TestRotatedMigration: rows revoked before the rotated column existed keep counting as
// rotated, so a replay of their refresh tokens is still caught; live rows and rows
// without a refresh token are not marked.
func TestRotatedMigration(t *testing.T) {
	ctx := context.Background()
	db := rawDB(t)
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	names, _ := fs.Glob(sub, "*.sql")
	for _, name := range names {
		if name < "0006" {
			body, _ := fs.ReadFile(sub, name)
			before[name] = &fstest.MapFile{Data: body}
		}
	}
	if err := db.migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		hash, refresh string
		revoked       int
	}{{"a", "ra", 1}, {"b", "rb", 0}, {"c", "", 1}} {
		if _, err := db.db.Exec(`INSERT INTO tokens (hash, me, issued, refresh_hash, revoked) VALUES (?, 'm', 'now', ?, ?)`,
			row.hash, row.refresh, row.revoked); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.migrate(ctx, sub); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	rows, err := db.db.Query(`SELECT hash, rotated FROM tokens`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		var r bool
		rows.Scan(&h, &r)
		got[h] = r
	}
	if want := map[string]bool{"a": true, "b": false, "c": false}; !reflect.DeepEqual(got, want) {
		t.Errorf("rotated after migrating: %v, want %v", got, want)
	}
}

func TestSessionsAndSetup(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	now := time.Now()
	if _, err := db.OwnerPassword(ctx); !errors.Is(err, owner.ErrNoPassword) {
		t.Fatalf("fresh database: %v, want ErrNoPassword", err)
	}
	db.ReplaceSetupToken(ctx, "h1", now.Add(time.Hour))
	db.ReplaceSetupToken(ctx, "h2", now.Add(time.Hour))
	if err := db.UseSetupToken(ctx, "h1", "pw", now); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("replaced setup token: %v, want ErrNotFound", err)
	}
	if err := db.UseSetupToken(ctx, "h2", "pw", now.Add(2*time.Hour)); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("expired setup token: %v, want ErrNotFound", err)
	}
	if err := db.UseSetupToken(ctx, "h2", "pw", now); err != nil {
		t.Fatal(err)
	}
	if h, _ := db.OwnerPassword(ctx); h != "pw" {
		t.Errorf("password %q", h)
	}
	s := &owner.Session{Hash: "s1", CSRF: "c", Created: now, Expires: now.Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, err := db.SessionByHash(ctx, "s1", now); err != nil || got.CSRF != "c" {
		t.Errorf("session: %+v %v", got, err)
	}
	if _, err := db.SessionByHash(ctx, "s1", now.Add(2*time.Hour)); !errors.Is(err, owner.ErrSessionNotFound) {
		t.Errorf("expired session: %v", err)
	}
	db.SetOwnerPassword(ctx, "pw2", now)
	if _, err := db.SessionByHash(ctx, "s1", now); !errors.Is(err, owner.ErrSessionNotFound) {
		t.Errorf("session survived a password change: %v", err)
	}
}

// storeGrant stores g the way the token endpoint does: by redeeming a code.
func storeGrant(t *testing.T, db *DB, g *token.Grant) {
	t.Helper()
	ctx := context.Background()
	_, hash := token.Generate()
	now := time.Now()
	if err := db.CreateCode(ctx, &token.Code{Hash: hash, ClientID: g.Token.ClientID, RedirectURI: "r", Me: g.Token.Me,
		Created: now, Expires: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RedeemCode(ctx, hash, func(*token.Code) (*token.Grant, error) { return g, nil }); err != nil {
		t.Fatal(err)
	}
}
