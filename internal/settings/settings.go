// Package settings holds the site's settings that the owner changes in the studio
// (/admin/settings): the owner's name, photo and note for the h-card and the feeds, the
// URL patterns of new posts, and the visibility a new post gets when its client names
// none. They are kept in the database, so that every instance on it and every request
// after a change use the new values at once; a flag or environment variable given at
// start (--name, --photo, --note, --url-pattern) fixes its setting, whatever is stored.
package settings

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Visibilities a new post may get by default (Micropub's visibility property).
const (
	VisibilityPublic   = "public"
	VisibilityUnlisted = "unlisted"
	VisibilityPrivate  = "private"
)

// Settings are the site's settings.
type Settings struct {
	// Name, Photo and Note describe the owner in the home page's h-card and the feeds.
	// Photo is an absolute http(s) URL or a path on the site.
	Name  string `json:"name,omitempty"`
	Photo string `json:"photo,omitempty"`
	Note  string `json:"note,omitempty"`
	// URLPatterns maps post types to URL patterns for new posts (post.Post.Path).
	URLPatterns map[string]string `json:"url_patterns,omitempty"`
	// DefaultVisibility is given to a new post whose client sends no visibility; ""
	// means public.
	DefaultVisibility string `json:"default_visibility,omitempty"`
}

// Store keeps the settings. Saving counts as a change of the site (SiteChanges rises),
// so that the pages kept for visitors, on every instance, are rendered again.
type Store interface {
	// Settings returns what was saved; the zero Settings when nothing was.
	Settings(ctx context.Context) (Settings, error)
	SaveSettings(ctx context.Context, s Settings) error
	SiteChanges(ctx context.Context) (version int64, changed time.Time, err error)
}

// Limits of the fields, so that a page showing them stays a page.
const (
	maxName  = 200
	maxNote  = 1000
	maxPhoto = 2000
)

// Check returns what is wrong with s, by field ("name", "photo", "note", "url_patterns",
// "default_visibility"); empty when nothing is.
func Check(s Settings) map[string]string {
	errs := map[string]string{}
	if utf8.RuneCountInString(s.Name) > maxName || strings.ContainsAny(s.Name, "\r\n") {
		errs["name"] = fmt.Sprintf("a name is one line of at most %d characters", maxName)
	}
	if utf8.RuneCountInString(s.Note) > maxNote {
		errs["note"] = fmt.Sprintf("the note is at most %d characters", maxNote)
	}
	if s.Photo != "" && !photoURL(s.Photo) {
		errs["photo"] = "give the photo's address: https://… or a path on this site such as /media/me.jpg"
	}
	for typ, pattern := range s.URLPatterns {
		if err := CheckPattern(typ, pattern); err != nil {
			errs["url_patterns"] = err.Error()
			break
		}
	}
	switch s.DefaultVisibility {
	case "", VisibilityPublic, VisibilityUnlisted, VisibilityPrivate:
	default:
		errs["default_visibility"] = "choose public, unlisted or private"
	}
	return errs
}

func photoURL(s string) bool {
	if len(s) > maxPhoto || strings.ContainsAny(s, " \t\r\n\"<>") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if u.IsAbs() {
		return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	}
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
}

// CheckPattern checks one URL pattern for posts of type typ: a plain path that starts
// with / and contains {slug}.
func CheckPattern(typ, pattern string) error {
	pair := typ + "=" + pattern
	switch {
	case typ == "" || strings.ContainsFunc(typ, func(r rune) bool { return (r < 'a' || r > 'z') && r != '-' }):
		return fmt.Errorf("%q: the type is a post type such as note or article", pair)
	case !strings.HasPrefix(pattern, "/") || !strings.Contains(pattern, "{slug}"):
		return fmt.Errorf("%q: a pattern starts with / and contains {slug}", pair)
	case strings.Contains(pattern, "..") || strings.ContainsAny(pattern, "?#\\ \t\r\n"):
		return fmt.Errorf("%q: a pattern is a plain path", pair)
	}
	return nil
}

// ParsePatterns reads URL patterns written one "type=pattern" a line (or separated by
// commas), as the settings page and --url-pattern take them.
func ParsePatterns(text string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' }) {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		typ, pattern, ok := strings.Cut(pair, "=")
		typ, pattern = strings.TrimSpace(typ), strings.TrimSpace(pattern)
		if !ok {
			return nil, fmt.Errorf("%q: want type=pattern, e.g. note=/{yyyy}/{slug}", pair)
		}
		if err := CheckPattern(typ, pattern); err != nil {
			return nil, err
		}
		out[typ] = pattern
	}
	return out, nil
}

// FormatPatterns writes patterns one "type=pattern" a line, sorted by type.
func FormatPatterns(patterns map[string]string) string {
	types := make([]string, 0, len(patterns))
	for t := range patterns {
		types = append(types, t)
	}
	sort.Strings(types)
	var b strings.Builder
	for _, t := range types {
		fmt.Fprintf(&b, "%s=%s\n", t, patterns[t])
	}
	return b.String()
}

// Service gives the settings in force: those stored, with the ones fixed at start in
// their place. It keeps them for as long as the store's count of changes stays the same,
// so that asking costs one read of that count.
type Service struct {
	store Store
	fixed Settings
	// Saves, if set, counts the saves of the settings in memory that every process on
	// the store shares (the SQLite store's SettingsGeneration): Current then reads the
	// store only when it moved, instead of reading the change count, which every post
	// moves, for every request.
	Saves func() uint64

	mu sync.Mutex
	// byVersion is what At read last, at a change count; bySaves what Current read
	// last, at a count of saves.
	byVersion, bySaves remembered
}

// remembered is the settings in force as read when a count was at key.
type remembered struct {
	key   uint64
	read  bool
	value Settings
}

// NewService returns the settings of store, where the non-empty fields of fixed (and
// each of its URL patterns) override what is stored.
func NewService(store Store, fixed Settings) *Service {
	return &Service{store: store, fixed: fixed}
}

// Fixed returns the settings fixed at start, which the stored ones do not change.
func (s *Service) Fixed() Settings { return s.fixed }

// Stored returns the settings as saved, without the fixed ones.
func (s *Service) Stored(ctx context.Context) (Settings, error) {
	st, err := s.store.Settings(ctx)
	if err != nil {
		return Settings{}, fmt.Errorf("read settings: %w", err)
	}
	return st, nil
}

// Current returns the settings in force now.
func (s *Service) Current(ctx context.Context) (Settings, error) {
	if s.Saves != nil {
		return s.at(ctx, &s.bySaves, s.Saves())
	}
	version, _, err := s.store.SiteChanges(ctx)
	if err != nil {
		return Settings{}, err
	}
	return s.At(ctx, version)
}

// At returns the settings in force at the store's change count version (SiteChanges),
// which the caller has just read: they are read again only when it moved.
func (s *Service) At(ctx context.Context, version int64) (Settings, error) {
	return s.at(ctx, &s.byVersion, uint64(version))
}

// at returns the settings remembered in r if they were read at the count key, and reads
// them otherwise. The caller reads the count before: a change committed meanwhile moves
// it past what is remembered.
func (s *Service) at(ctx context.Context, r *remembered, key uint64) (Settings, error) {
	s.mu.Lock()
	if r.read && r.key == key {
		cur := r.value
		s.mu.Unlock()
		return cur, nil
	}
	s.mu.Unlock()
	st, err := s.Stored(ctx)
	if err != nil {
		return Settings{}, err
	}
	cur := s.merge(st)
	s.mu.Lock()
	*r = remembered{key: key, read: true, value: cur}
	s.mu.Unlock()
	return cur, nil
}

// merge lays the fixed settings over st.
func (s *Service) merge(st Settings) Settings {
	f := s.fixed
	if f.Name != "" {
		st.Name = f.Name
	}
	if f.Photo != "" {
		st.Photo = f.Photo
	}
	if f.Note != "" {
		st.Note = f.Note
	}
	if f.DefaultVisibility != "" {
		st.DefaultVisibility = f.DefaultVisibility
	}
	if len(f.URLPatterns) > 0 {
		patterns := maps.Clone(st.URLPatterns)
		if patterns == nil {
			patterns = map[string]string{}
		}
		maps.Copy(patterns, f.URLPatterns)
		st.URLPatterns = patterns
	}
	return st
}

// Save checks st and stores it; a wrong field is an *Invalid naming it.
func (s *Service) Save(ctx context.Context, st Settings) error {
	if errs := Check(st); len(errs) > 0 {
		return &Invalid{Fields: errs}
	}
	if err := s.store.SaveSettings(ctx, st); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

// Invalid is settings refused, with what is wrong by field.
type Invalid struct{ Fields map[string]string }

func (e *Invalid) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msgs := make([]string, len(keys))
	for i, k := range keys {
		msgs[i] = k + ": " + e.Fields[k]
	}
	return "invalid settings: " + strings.Join(msgs, "; ")
}
