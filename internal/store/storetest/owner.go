package storetest

import (
	"errors"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
	"github.com/indiepub/indiepub/internal/token"
)

// Password hashes as the store sees them: opaque strings.
const (
	password1 = "$argon2id$v=19$m=19456,t=2,p=1$one"
	password2 = "$argon2id$v=19$m=19456,t=2,p=1$two"
)

func ownerPassword(t TB, s Store) string {
	t.Helper()
	h, err := s.OwnerPassword(t.Context())
	if err != nil {
		t.Fatalf("OwnerPassword: %v", err)
	}
	return h
}

// testOwnerPassword: before a password is chosen OwnerPassword is owner.ErrNoPassword
// (the server then offers a setup link); a new password replaces the old one.
func testOwnerPassword(t TB, s Store) {
	if _, err := s.OwnerPassword(t.Context()); !errors.Is(err, owner.ErrNoPassword) {
		t.Errorf("OwnerPassword before one is set: %v, want owner.ErrNoPassword", err)
	}
	for _, h := range []string{password1, password2} {
		if err := s.SetOwnerPassword(t.Context(), h, epoch); err != nil {
			t.Fatalf("SetOwnerPassword: %v", err)
		}
		if got := ownerPassword(t, s); got != h {
			t.Errorf("OwnerPassword %q, want %q", got, h)
		}
	}
}

// testSetupLink: a setup link is valid until it expires, only the newest one is valid,
// and it sets the password once; a password set any way voids it.
func testSetupLink(t TB, s Store) {
	ctx := t.Context()
	_, h1 := token.Generate()
	_, h2 := token.Generate()
	expires := epoch.Add(time.Hour)
	valid := func(hash string, at time.Time) bool {
		t.Helper()
		ok, err := s.SetupTokenValid(ctx, hash, at)
		if err != nil {
			t.Fatalf("SetupTokenValid: %v", err)
		}
		return ok
	}
	if err := s.ReplaceSetupToken(ctx, h1, expires); err != nil {
		t.Fatal(err)
	}
	if !valid(h1, epoch) || valid(h1, expires) || valid(token.Hash("unknown"), epoch) {
		t.Errorf("setup link valid now %v, at expiry %v, unknown %v; want true, false, false",
			valid(h1, epoch), valid(h1, expires), valid(token.Hash("unknown"), epoch))
	}
	if err := s.ReplaceSetupToken(ctx, h2, expires); err != nil {
		t.Fatal(err)
	}
	if valid(h1, epoch) || !valid(h2, epoch) {
		t.Errorf("after a new setup link: old valid %v, new valid %v; want false, true", valid(h1, epoch), valid(h2, epoch))
	}
	for _, tt := range []struct {
		what, hash string
		at         time.Time
	}{{"a replaced link", h1, epoch}, {"an expired link", h2, expires}} {
		if err := s.UseSetupToken(ctx, tt.hash, password1, tt.at); !errors.Is(err, token.ErrNotFound) {
			t.Errorf("UseSetupToken of %s: %v, want token.ErrNotFound", tt.what, err)
		}
	}
	if _, err := s.OwnerPassword(ctx); !errors.Is(err, owner.ErrNoPassword) {
		t.Errorf("a refused setup link set a password (%v)", err)
	}
	if err := s.UseSetupToken(ctx, h2, password1, epoch); err != nil {
		t.Fatalf("UseSetupToken: %v", err)
	}
	if got := ownerPassword(t, s); got != password1 {
		t.Errorf("password after setup %q, want %q", got, password1)
	}
	if valid(h2, epoch) {
		t.Errorf("a used setup link is still valid")
	}
	if err := s.UseSetupToken(ctx, h2, password2, epoch); !errors.Is(err, token.ErrNotFound) {
		t.Errorf("UseSetupToken twice: %v, want token.ErrNotFound", err)
	}
	if got := ownerPassword(t, s); got != password1 {
		t.Errorf("a used setup link changed the password to %q", got)
	}

	_, h3 := token.Generate()
	if err := s.ReplaceSetupToken(ctx, h3, expires); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOwnerPassword(ctx, password2, epoch); err != nil {
		t.Fatal(err)
	}
	if valid(h3, epoch) {
		t.Errorf("a setup link is still valid after the password was set")
	}
}

// newSession is a session created at epoch that lasts an hour.
func newSession() *owner.Session {
	_, hash := token.Generate()
	_, csrf := token.Generate()
	return &owner.Session{Hash: hash, CSRF: csrf, Created: epoch, Expires: epoch.Add(time.Hour)}
}

func createSession(t TB, s Store) *owner.Session {
	t.Helper()
	sess := newSession()
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return sess
}

// live reports whether the session with hash is signed in at at.
func live(t TB, s Store, hash string, at time.Time) bool {
	t.Helper()
	_, err := s.SessionByHash(t.Context(), hash, at)
	if err != nil && !errors.Is(err, owner.ErrSessionNotFound) {
		t.Fatalf("SessionByHash: %v", err)
	}
	return err == nil
}

// testSessionLifetime: a session is found by its hash, with its CSRF token, until it
// expires; signing out ends it and no other; an unknown one is owner.ErrSessionNotFound.
func testSessionLifetime(t TB, s Store) {
	a, b := createSession(t, s), createSession(t, s)
	got, err := s.SessionByHash(t.Context(), a.Hash, epoch.Add(time.Minute))
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	if got.Hash != a.Hash || got.CSRF != a.CSRF || !got.Created.Equal(a.Created) || !got.Expires.Equal(a.Expires) {
		t.Errorf("session read back as %+v, want %+v", got, a)
	}
	if !live(t, s, a.Hash, a.Expires.Add(-time.Second)) || live(t, s, a.Hash, a.Expires) {
		t.Errorf("session live a second before expiry %v, at expiry %v; want true, false",
			live(t, s, a.Hash, a.Expires.Add(-time.Second)), live(t, s, a.Hash, a.Expires))
	}
	if _, err := s.SessionByHash(t.Context(), token.Hash("unknown"), epoch); !errors.Is(err, owner.ErrSessionNotFound) {
		t.Errorf("SessionByHash of an unknown session: %v, want owner.ErrSessionNotFound", err)
	}
	if err := s.DeleteSession(t.Context(), a.Hash); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if live(t, s, a.Hash, epoch) || !live(t, s, b.Hash, epoch) {
		t.Errorf("after signing a out: a live %v, b live %v; want false, true", live(t, s, a.Hash, epoch), live(t, s, b.Hash, epoch))
	}
	if err := s.DeleteSession(t.Context(), a.Hash); err != nil {
		t.Errorf("DeleteSession of a session gone: %v", err)
	}
}

// testPasswordEndsSessions: setting a password, directly or through a setup link, signs
// every browser out.
func testPasswordEndsSessions(t TB, s Store) {
	a, b := createSession(t, s), createSession(t, s)
	if err := s.SetOwnerPassword(t.Context(), password1, epoch); err != nil {
		t.Fatal(err)
	}
	if live(t, s, a.Hash, epoch) || live(t, s, b.Hash, epoch) {
		t.Errorf("sessions live after SetOwnerPassword: %v, %v", live(t, s, a.Hash, epoch), live(t, s, b.Hash, epoch))
	}
	c := createSession(t, s)
	_, link := token.Generate()
	if err := s.ReplaceSetupToken(t.Context(), link, epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UseSetupToken(t.Context(), link, password2, epoch); err != nil {
		t.Fatal(err)
	}
	if live(t, s, c.Hash, epoch) {
		t.Errorf("a session is live after a setup link set the password")
	}
}

// testPKCEExemptions: the apps the owner allowed to sign in without PKCE are listed
// oldest first; allowing one again renames it and keeps one entry, dated when first
// allowed; a withdrawn one is no longer exempt.
func testPKCEExemptions(t TB, s Store) {
	ctx := t.Context()
	exempt := func(client string) bool {
		t.Helper()
		ok, err := s.PKCEExempt(ctx, client)
		if err != nil {
			t.Fatalf("PKCEExempt: %v", err)
		}
		return ok
	}
	add := func(client, name string, at time.Time) {
		t.Helper()
		if err := s.AddPKCEExemption(ctx, &pkce.Exemption{ClientID: client, ClientName: name, Created: at}); err != nil {
			t.Fatalf("AddPKCEExemption: %v", err)
		}
	}
	listed := func() string {
		t.Helper()
		list, err := s.ListPKCEExemptions(ctx)
		if err != nil {
			t.Fatalf("ListPKCEExemptions: %v", err)
		}
		out := ""
		for _, e := range list {
			out += e.ClientID + " " + e.ClientName + "; "
		}
		return out
	}
	if exempt(appX) {
		t.Errorf("an app is exempt before the owner allowed it")
	}
	add(appY, "Y", epoch.Add(time.Minute))
	add(appX, "X", epoch)
	if !exempt(appX) || !exempt(appY) {
		t.Errorf("allowed apps exempt: %v, %v; want true, true", exempt(appX), exempt(appY))
	}
	if got, want := listed(), appX+" X; "+appY+" Y; "; got != want {
		t.Errorf("ListPKCEExemptions: %q, want %q", got, want)
	}
	add(appX, "X renamed", epoch.Add(2*time.Minute))
	if got, want := listed(), appX+" X renamed; "+appY+" Y; "; got != want {
		t.Errorf("ListPKCEExemptions after allowing x again: %q, want %q", got, want)
	}
	if err := s.RemovePKCEExemption(ctx, appX); err != nil {
		t.Fatalf("RemovePKCEExemption: %v", err)
	}
	if exempt(appX) || !exempt(appY) {
		t.Errorf("after withdrawing x: x exempt %v, y exempt %v; want false, true", exempt(appX), exempt(appY))
	}
	if err := s.RemovePKCEExemption(ctx, appX); err != nil {
		t.Errorf("RemovePKCEExemption of an app not exempt: %v", err)
	}
}
