//go:build unix

package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/settings"
	"github.com/indiepub/indiepub/internal/token"
)

// TestTokenGenerationSeesEveryRevocation: each way a token gets revoked, made through a
// second store on the same database (as `indiepub token revoke` is, in its own process),
// changes the generation the first store reads, which is what lets the server remember
// tokens and still refuse a revoked one at the next request.
func TestTokenGenerationSeesEveryRevocation(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "indiepub.db")
	open := func() *DB {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	server, other := open(), open()
	now := time.Now()
	const app = "https://app.example/"

	steps := []struct {
		name   string
		revoke func(t *testing.T)
	}{
		{"RevokeToken", func(t *testing.T) {
			g := newGrant(app, now)
			storeGrant(t, server, g)
			if err := other.RevokeToken(ctx, g.Token.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"RevokeTokenHash", func(t *testing.T) {
			g := newGrant(app, now)
			storeGrant(t, server, g)
			if ok, err := other.RevokeTokenHash(ctx, g.Token.Hash); !ok || err != nil {
				t.Fatalf("RevokeTokenHash = %v, %v", ok, err)
			}
		}},
		{"RevokeClientTokens", func(t *testing.T) {
			storeGrant(t, server, newGrant("https://other-app.example/", now))
			if n, err := other.RevokeClientTokens(ctx, "https://other-app.example/"); n != 1 || err != nil {
				t.Fatalf("RevokeClientTokens = %d, %v", n, err)
			}
		}},
		{"RotateRefresh", func(t *testing.T) {
			g := newGrant(app, now)
			storeGrant(t, server, g)
			if err := other.RotateRefresh(ctx, g.RefreshHash, now, func(*token.Token) (*token.Grant, error) {
				return newGrant(app, now), nil
			}); err != nil {
				t.Fatal(err)
			}
		}},
		{"RevokeAfterRefreshReuse", func(t *testing.T) {
			g := newGrant(app, now)
			storeGrant(t, server, g)
			if err := server.RotateRefresh(ctx, g.RefreshHash, now, func(*token.Token) (*token.Grant, error) {
				return newGrant(app, now), nil
			}); err != nil {
				t.Fatal(err)
			}
			before := server.TokenGeneration()
			if reused, err := other.RevokeAfterRefreshReuse(ctx, g.RefreshHash); !reused || err != nil {
				t.Fatalf("RevokeAfterRefreshReuse = %v, %v", reused, err)
			}
			if server.TokenGeneration() == before {
				t.Error("the generation did not change with the reuse's revocation")
			}
		}},
		{"RedeemCode replayed", func(t *testing.T) {
			_, hash := token.Generate()
			if err := server.CreateCode(ctx, &token.Code{Hash: hash, ClientID: app, RedirectURI: app + "cb",
				Me: "https://me.example/", Created: now, Expires: now.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if _, err := server.RedeemCode(ctx, hash, func(*token.Code) (*token.Grant, error) {
				return newGrant(app, now), nil
			}); err != nil {
				t.Fatal(err)
			}
			before := server.TokenGeneration()
			if _, err := other.RedeemCode(ctx, hash, nil); err == nil {
				t.Fatal("a code redeemed twice")
			}
			if server.TokenGeneration() == before {
				t.Error("the generation did not change when the replay revoked the code's token")
			}
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := server.TokenGeneration()
			s.revoke(t)
			if server.TokenGeneration() == before {
				t.Errorf("%s through another store left the generation at %d", s.name, before)
			}
		})
	}

	// What revokes nothing leaves it alone: a use, an issue, a failed revocation.
	before := server.TokenGeneration()
	g := newGrant(app, now)
	storeGrant(t, other, g)
	if err := other.TouchToken(ctx, g.Token.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := other.RevokeTokenHash(ctx, "no-such-hash"); ok {
		t.Fatal("revoked an unknown token")
	}
	if got := server.TokenGeneration(); got != before {
		t.Errorf("generation moved from %d to %d without a revocation", before, got)
	}
}

// TestSettingsGenerationSeesSaves: a save of the settings through a second store on the
// same database moves the count the first reads; a post does not.
func TestSettingsGenerationSeesSaves(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "indiepub.db")
	server, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before := server.SettingsGeneration()
	if err := other.CreatePost(ctx, newPost(t, `{"type":["h-entry"],"properties":{"content":["Hi"]}}`, "https://me.example/a-post")); err != nil {
		t.Fatal(err)
	}
	if got := server.SettingsGeneration(); got != before {
		t.Errorf("a post moved the count of saves from %d to %d", before, got)
	}
	if err := other.SaveSettings(ctx, settings.Settings{Name: "Jane"}); err != nil {
		t.Fatal(err)
	}
	if server.SettingsGeneration() == before {
		t.Error("a save through another store left the count of saves where it was")
	}
	if server.TokenGeneration() != 0 {
		t.Errorf("a save moved the count of revocations to %d", server.TokenGeneration())
	}
}
