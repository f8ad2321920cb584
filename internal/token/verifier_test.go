package token_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/token"
)

// clock is a settable time shared by the verifier and the database.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func openDB(t *testing.T, c *clock) *sqlite.DB {
	t.Helper()
	db, err := sqlite.OpenWith(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"), sqlite.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func issue(t *testing.T, db *sqlite.DB, tok *token.Token) string {
	t.Helper()
	raw, hash := token.Generate()
	tok.Hash = hash
	if err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return raw
}

func lastUsed(t *testing.T, db *sqlite.DB, raw string) time.Time {
	t.Helper()
	tok, err := db.TokenByHash(context.Background(), token.Hash(raw))
	if err != nil {
		t.Fatal(err)
	}
	return tok.LastUsed
}

func TestLocalVerify(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	db := openDB(t, c)
	v := &token.Local{Store: db, Now: c.Now}
	live := issue(t, db, &token.Token{Me: "https://example.com/", ClientID: "https://quill.p3k.io/",
		Scope: []string{"create", "media"}, Issued: c.now, Expires: c.now.Add(time.Hour)})
	expired := issue(t, db, &token.Token{Me: "https://example.com/", Issued: c.now.Add(-2 * time.Hour),
		Expires: c.now.Add(-time.Hour)})

	got, err := v.Verify(ctx, live)
	if err != nil {
		t.Fatalf("Verify(live): %v", err)
	}
	if got.Me != "https://example.com/" || got.ClientID != "https://quill.p3k.io/" ||
		!got.HasScope("media") || !got.ExpiresAt.Equal(c.now.Add(time.Hour)) {
		t.Errorf("Verify(live) = %+v", got)
	}
	for name, raw := range map[string]string{"expired": expired, "unknown": "no-such-token", "empty": ""} {
		if _, err := v.Verify(ctx, raw); !errors.Is(err, indieauth.ErrInvalidToken) {
			t.Errorf("Verify(%s) error %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestLocalRevocationIsImmediate(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: time.Now()}
	db := openDB(t, c)
	v := &token.Local{Store: db, Now: c.Now}
	tok := &token.Token{Me: "https://example.com/", Scope: []string{"create"}, Issued: c.now}
	raw := issue(t, db, tok)
	if _, err := v.Verify(ctx, raw); err != nil {
		t.Fatalf("Verify before revocation: %v", err)
	}
	if err := db.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, raw); !errors.Is(err, indieauth.ErrInvalidToken) {
		t.Errorf("Verify right after revocation: error %v, want ErrInvalidToken", err)
	}
}

// TestLocalLastUsedThrottled checks that last_used is written on first use and then at most
// once per TouchInterval, however many requests come in between.
func TestLocalLastUsedThrottled(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	c := &clock{now: start}
	db := openDB(t, c)
	v := &token.Local{Store: db, Now: c.Now}
	raw := issue(t, db, &token.Token{Me: "https://example.com/", Issued: start})
	if got := lastUsed(t, db, raw); !got.IsZero() {
		t.Fatalf("last_used before use = %v, want zero", got)
	}
	steps := []struct {
		after time.Duration
		want  time.Time
	}{
		{0, start},                // first use is recorded
		{30 * time.Second, start}, // within the interval: no write
		{59 * time.Second, start}, // still within
		{61 * time.Second, start.Add(61 * time.Second)},
		{90 * time.Second, start.Add(61 * time.Second)},
		{3 * time.Minute, start.Add(3 * time.Minute)},
	}
	for _, s := range steps {
		c.now = start.Add(s.after)
		if _, err := v.Verify(ctx, raw); err != nil {
			t.Fatalf("Verify at +%v: %v", s.after, err)
		}
		if got := lastUsed(t, db, raw); !got.Equal(s.want) {
			t.Errorf("at +%v: last_used %v, want %v", s.after, got, s.want)
		}
	}
}

// BenchmarkLocalVerify measures a verification against the SQLite store once last_used is
// fresh, the common case for a client posting repeatedly.
func BenchmarkLocalVerify(b *testing.B) {
	db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "indiepub.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	raw, hash := token.Generate()
	if err := db.CreateToken(context.Background(), &token.Token{Hash: hash, Me: "https://example.com/", Issued: time.Now()}); err != nil {
		b.Fatal(err)
	}
	v := &token.Local{Store: db}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}
