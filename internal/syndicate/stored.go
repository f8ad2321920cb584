package syndicate

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/post"
)

// Services a stored target can post to.
const (
	ServiceMastodon = "mastodon"
	ServiceBluesky  = "bluesky"
)

// StoredTarget is a target the owner added in the owner's pages, as the store keeps it:
// its credential sealed under the secret key (internal/secret), never in clear.
type StoredTarget struct {
	UID  string
	Name string
	// Service is ServiceMastodon or ServiceBluesky.
	Service string
	// Server is the Mastodon server's URL, or the Bluesky PDS's ("" for bsky.social).
	Server string
	// Handle is the Bluesky handle (or DID) the app password signs in as.
	Handle string
	Always bool
	// Secret is the Mastodon access token or the Bluesky app password, sealed by
	// secret.Box.Seal with SecretContext(UID).
	Secret           string
	Created, Updated time.Time
}

// SecretContext is what a stored target's credential is sealed with besides the key: its
// uid, so that a sealed value copied to another target's row does not open there.
func SecretContext(uid string) string { return "syndication target " + uid }

// TargetStore keeps the targets added in the owner's pages; the contract is stated in
// internal/store/storetest.
type TargetStore interface {
	// SyndicationTargets lists the stored targets, oldest first.
	SyndicationTargets(ctx context.Context) ([]*StoredTarget, error)
	// AddSyndicationTarget stores t, setting Created and Updated; post.ErrExists when its
	// uid is taken.
	AddSyndicationTarget(ctx context.Context, t *StoredTarget) error
	// UpdateSyndicationTarget replaces the target of t's uid (all fields but Created),
	// setting Updated; post.ErrNotFound when there is none.
	UpdateSyndicationTarget(ctx context.Context, t *StoredTarget) error
	// DeleteSyndicationTarget removes the target of uid; post.ErrNotFound when there is
	// none.
	DeleteSyndicationTarget(ctx context.Context, uid string) error
}

// Builder makes the publisher of a stored target from its fields and its credential,
// opened. The server builds them (package syndicate cannot import its publishers).
type Builder func(t *StoredTarget, credential string) (Publisher, error)

// Checker is a publisher that can check its credentials against its service without
// posting: it returns the account they sign in as.
type Checker interface {
	Check(ctx context.Context) (account string, err error)
}

// ErrNoSecretKey is a stored target without the key that seals its credential.
var ErrNoSecretKey = errors.New("no secret key to seal or open credentials with")

// TargetInfo is one target as the owner's pages list it.
type TargetInfo struct {
	Target
	// Stored is the target's stored form (its secret left out), nil for a target given
	// by flag.
	Stored *StoredTarget
	// Shadowed is a stored target whose uid a flag's target also has: the flag's wins.
	Shadowed bool
	// Err is why a stored target is not in use (its credential does not open, its
	// server is not a URL).
	Err string
}

// storedEntry is a stored target as last loaded, with the publisher built for it.
type storedEntry struct {
	stored *StoredTarget
	target Target
	err    error
}

// current returns the targets in use: those given by flag, then the stored ones whose
// uid no flag has. The stored ones are read again when they are older than
// Config.Refresh, so that a target added through another instance is used here too.
func (s *Syndicator) current(ctx context.Context) []Target {
	s.mu.Lock()
	stale := s.cfg.Stored != nil && s.cfg.Now().Sub(s.loaded) >= s.cfg.Refresh
	s.mu.Unlock()
	if stale {
		if err := s.Reload(ctx); err != nil {
			s.cfg.Logger.Warn("read the syndication targets", "err", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.list
}

// Targets returns the targets in use, those given by flag first.
func (s *Syndicator) Targets(ctx context.Context) []Target { return s.current(ctx) }

// target returns the target in use of uid.
func (s *Syndicator) target(ctx context.Context, uid string) (Target, bool) {
	for _, t := range s.current(ctx) {
		if t.UID == uid {
			return t, true
		}
	}
	return Target{}, false
}

// Reload reads the stored targets again and builds a publisher for each one added or
// changed since the last load (keeping the others', and their sessions). A stored
// target whose credential does not open is left out, and TargetList says why.
func (s *Syndicator) Reload(ctx context.Context) error {
	if s.cfg.Stored == nil {
		return nil
	}
	stored, err := s.cfg.Stored.SyndicationTargets(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	entries := map[string]*storedEntry{}
	list := slices.Clone(s.cfg.Targets)
	for _, st := range stored {
		e := s.stored[st.UID]
		if e == nil || !e.stored.Updated.Equal(st.Updated) || e.stored.Secret != st.Secret {
			e = &storedEntry{stored: st}
			e.target, e.err = s.build(st)
		}
		entries[st.UID] = e
		if e.err == nil && !s.flagged(st.UID) {
			list = append(list, e.target)
		}
	}
	s.stored, s.list, s.loaded = entries, list, s.cfg.Now()
	return nil
}

// flagged reports whether a target given by flag has uid.
func (s *Syndicator) flagged(uid string) bool {
	return slices.ContainsFunc(s.cfg.Targets, func(t Target) bool { return t.UID == uid })
}

// build opens a stored target's credential and makes its publisher.
func (s *Syndicator) build(st *StoredTarget) (Target, error) {
	t := Target{UID: st.UID, Name: st.Name, Always: st.Always}
	if s.cfg.Secrets == nil {
		return t, ErrNoSecretKey
	}
	cred, err := s.cfg.Secrets.Open(st.Secret, SecretContext(st.UID))
	if err != nil {
		return t, fmt.Errorf("its credential does not open: %w (is INDIEPUB_SECRET_KEY or secret.key the key it was stored with?)", err)
	}
	if s.cfg.Build == nil {
		return t, errors.New("no publisher builder")
	}
	t.Publisher, err = s.cfg.Build(st, string(cred))
	return t, err
}

// CheckStored reports the first stored target whose credential does not open or whose
// publisher cannot be made: the server refuses to start with it, rather than failing
// every job later.
func (s *Syndicator) CheckStored(ctx context.Context) error {
	infos, err := s.TargetList(ctx)
	if err != nil {
		return fmt.Errorf("read the syndication targets: %w", err)
	}
	for _, t := range infos {
		if t.Err != "" {
			return fmt.Errorf("syndication target %s: %s", t.UID, t.Err)
		}
	}
	return nil
}

// TargetList lists every target for the owner's pages: those given by flag, then the
// stored ones, shadowed or not in use included.
func (s *Syndicator) TargetList(ctx context.Context) ([]TargetInfo, error) {
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TargetInfo
	for _, t := range s.cfg.Targets {
		out = append(out, TargetInfo{Target: t})
	}
	var stored []*storedEntry
	for _, e := range s.stored {
		stored = append(stored, e)
	}
	slices.SortFunc(stored, func(a, b *storedEntry) int {
		if c := a.stored.Created.Compare(b.stored.Created); c != 0 {
			return c
		}
		return strings.Compare(a.stored.UID, b.stored.UID)
	})
	for _, e := range stored {
		st := *e.stored
		st.Secret = ""
		info := TargetInfo{Target: e.target, Stored: &st, Shadowed: s.flagged(st.UID)}
		if e.err != nil {
			info.Err = e.err.Error()
		}
		out = append(out, info)
	}
	return out, nil
}

// TargetInput is a stored target as the owner's form gives it, its credential in clear.
type TargetInput struct {
	UID, Name, Service, Server, Handle string
	Always                             bool
	// Credential is the access token or app password; on an edit, "" keeps the one
	// stored.
	Credential string
}

// validate checks the fields a form sent; the errors wrap post.ErrInvalid.
func (in *TargetInput) validate(creating bool) error {
	in.UID, in.Name = strings.TrimSpace(in.UID), strings.TrimSpace(in.Name)
	in.Server, in.Handle = strings.TrimSpace(in.Server), strings.TrimSpace(in.Handle)
	in.Credential = strings.TrimSpace(in.Credential)
	if u, err := url.Parse(in.UID); in.UID == "" || err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("%w: the uid must be a URL (the account's, best)", post.ErrInvalid)
	}
	if in.Name == "" {
		in.Name = in.UID
	}
	switch in.Service {
	case ServiceMastodon:
		if u, err := url.Parse(in.Server); in.Server == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%w: the Mastodon server must be an http(s) URL", post.ErrInvalid)
		}
	case ServiceBluesky:
		if in.Handle == "" {
			return fmt.Errorf("%w: a Bluesky target needs its handle", post.ErrInvalid)
		}
		if u, err := url.Parse(in.Server); in.Server != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
			return fmt.Errorf("%w: the PDS must be an http(s) URL", post.ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: service must be %s or %s", post.ErrInvalid, ServiceMastodon, ServiceBluesky)
	}
	if creating && in.Credential == "" {
		return fmt.Errorf("%w: the access token or app password is required", post.ErrInvalid)
	}
	return nil
}

// AddTarget stores a new target, its credential sealed; it is used at once. A uid given
// by flag is refused (the flag's target would win); a uid stored already is post.ErrExists.
func (s *Syndicator) AddTarget(ctx context.Context, in TargetInput) error {
	if err := in.validate(true); err != nil {
		return err
	}
	if s.flagged(in.UID) {
		return fmt.Errorf("%w: %s is a target given by flag", post.ErrExists, in.UID)
	}
	st, err := s.seal(in, "")
	if err != nil {
		return err
	}
	if err := s.cfg.Stored.AddSyndicationTarget(ctx, st); err != nil {
		return err
	}
	return s.Reload(ctx)
}

// UpdateTarget changes a stored target; an empty credential keeps the stored one.
func (s *Syndicator) UpdateTarget(ctx context.Context, in TargetInput) error {
	if err := in.validate(false); err != nil {
		return err
	}
	old, err := s.storedTarget(ctx, in.UID)
	if err != nil {
		return err
	}
	st, err := s.seal(in, old.Secret)
	if err != nil {
		return err
	}
	if err := s.cfg.Stored.UpdateSyndicationTarget(ctx, st); err != nil {
		return err
	}
	return s.Reload(ctx)
}

// RemoveTarget deletes a stored target. Its copies stay where they are; the posts still
// waiting for it wait until a target of that uid is back.
func (s *Syndicator) RemoveTarget(ctx context.Context, uid string) error {
	if s.cfg.Stored == nil {
		return fmt.Errorf("syndication target %s: %w", uid, post.ErrNotFound)
	}
	if err := s.cfg.Stored.DeleteSyndicationTarget(ctx, uid); err != nil {
		return err
	}
	return s.Reload(ctx)
}

// TestTarget checks a target's credentials against its service (Checker) and returns
// the account they sign in as.
func (s *Syndicator) TestTarget(ctx context.Context, uid string) (string, error) {
	t, ok := s.target(ctx, uid)
	if !ok {
		return "", fmt.Errorf("syndication target %s: %w", uid, post.ErrNotFound)
	}
	c, ok := t.Publisher.(Checker)
	if !ok {
		return "", fmt.Errorf("%w: %s cannot be tested", post.ErrInvalid, uid)
	}
	return c.Check(ctx)
}

// storedTarget returns the stored target of uid.
func (s *Syndicator) storedTarget(ctx context.Context, uid string) (*StoredTarget, error) {
	if s.cfg.Stored != nil {
		all, err := s.cfg.Stored.SyndicationTargets(ctx)
		if err != nil {
			return nil, err
		}
		for _, st := range all {
			if st.UID == uid {
				return st, nil
			}
		}
	}
	return nil, fmt.Errorf("syndication target %s: %w", uid, post.ErrNotFound)
}

// seal makes the stored form of in, its credential sealed; sealed is the credential
// stored before, kept when in has none. The publisher is built once, so that a bad
// server URL is refused here rather than at the first job.
func (s *Syndicator) seal(in TargetInput, sealed string) (*StoredTarget, error) {
	if s.cfg.Stored == nil || s.cfg.Secrets == nil {
		return nil, ErrNoSecretKey
	}
	st := &StoredTarget{UID: in.UID, Name: in.Name, Service: in.Service, Server: in.Server, Handle: in.Handle,
		Always: in.Always, Secret: sealed}
	cred := in.Credential
	if cred == "" {
		plain, err := s.cfg.Secrets.Open(sealed, SecretContext(in.UID))
		if err != nil {
			return nil, fmt.Errorf("syndication target %s: %w", in.UID, err)
		}
		cred = string(plain)
	} else {
		st.Secret = s.cfg.Secrets.Seal([]byte(cred), SecretContext(in.UID))
	}
	if s.cfg.Build != nil {
		if _, err := s.cfg.Build(st, cred); err != nil {
			return nil, fmt.Errorf("%w: %v", post.ErrInvalid, err)
		}
	}
	return st, nil
}
