package site

import (
	"context"
	"net/url"
	"strings"
)

// Profile is the owner as the website shows them: the home page's h-card, each post's
// p-author and the feeds' author.
type Profile struct {
	Name, Photo, Note string
}

// who returns the site's configuration with the owner's profile in force in its Name,
// Photo and Note: what pages give their templates as .Site.
func (h *Handler) who() *Config { return h.profile.Load() }

// withProfile returns a copy of the configuration showing p.
func (c *Config) withProfile(p Profile) *Config {
	v := *c
	v.Name, v.Photo, v.Note = p.Name, p.Photo, p.Note
	return &v
}

// normalize fills in the name (the site's host) and makes a photo given as a path
// absolute, as h-cards and feeds need it.
func (c *Config) normalize(p Profile) Profile {
	if p.Name == "" {
		p.Name = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(c.URL, "https://"), "http://"), "/")
	}
	if base, err := url.Parse(c.URL); err == nil && p.Photo != "" {
		if ref, err := url.Parse(p.Photo); err == nil && !ref.IsAbs() {
			p.Photo = base.ResolveReference(ref).String()
		}
	}
	return p
}

// refreshProfile asks Config.Profile for the profile in force at the store's change count
// version, which every response reads first; when it changed (the owner saved their
// settings, which counts as a change), the entries rendered with the old one are
// forgotten.
func (h *Handler) refreshProfile(ctx context.Context, version int64) error {
	if h.cfg.Profile == nil {
		return nil
	}
	p, err := h.cfg.Profile(ctx, version)
	if err != nil {
		return err
	}
	p = h.cfg.normalize(p)
	if old := h.profile.Load(); old.Name != p.Name || old.Photo != p.Photo || old.Note != p.Note {
		h.profile.Store(h.cfg.withProfile(p))
		h.fragments.clear()
	}
	return nil
}
