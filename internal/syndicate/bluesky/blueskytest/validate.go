package blueskytest

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// validate checks a record against its lexicon; only the collections the publisher
// writes are known.
func (s *Server) validate(collection string, rec map[string]any) error {
	switch collection {
	case "app.bsky.feed.post":
		return s.validatePost(rec)
	case "app.bsky.feed.like", "app.bsky.feed.repost":
		// lexicons/app/bsky/feed/like.json, repost.json: subject (strongRef), createdAt.
		if err := s.strongRef(rec["subject"], "subject"); err != nil {
			return err
		}
		return datetime(rec["createdAt"], "createdAt")
	}
	return fmt.Errorf("unknown collection %s", collection)
}

// validatePost follows lexicons/app/bsky/feed/post.json.
func (s *Server) validatePost(rec map[string]any) error {
	text, ok := rec["text"].(string)
	if !ok {
		return errors.New(`record must have the property "text"`)
	}
	if !utf8.ValidString(text) {
		return errors.New("text is not valid UTF-8")
	}
	if n := uniseg.GraphemeClusterCount(text); n > 300 {
		return fmt.Errorf("record/text must not be longer than 300 graphemes (it has %d)", n)
	}
	if len(text) > 3000 {
		return fmt.Errorf("record/text must not be longer than 3000 characters (it has %d bytes)", len(text))
	}
	// "May be an empty string, if there are embeds."
	if text == "" && rec["embed"] == nil {
		return errors.New("record/text is empty and there is no embed")
	}
	if err := datetime(rec["createdAt"], "createdAt"); err != nil {
		return err
	}
	if err := facets(text, rec["facets"]); err != nil {
		return err
	}
	if r, ok := rec["reply"]; ok {
		m, ok := r.(map[string]any)
		if !ok {
			return errors.New("record/reply must be an object")
		}
		if err := s.strongRef(m["root"], "reply/root"); err != nil {
			return err
		}
		if err := s.strongRef(m["parent"], "reply/parent"); err != nil {
			return err
		}
	}
	if e, ok := rec["embed"]; ok {
		if err := s.embed(e); err != nil {
			return err
		}
	}
	if l, ok := rec["langs"]; ok {
		langs, ok := l.([]any)
		if !ok || len(langs) > 3 {
			return errors.New("record/langs must be a list of at most 3 languages")
		}
	}
	return nil
}

// facets follows lexicons/app/bsky/richtext/facet.json: byteStart and byteEnd count
// bytes of the UTF-8 text, start inclusive, end exclusive; this server also wants them
// between grapheme clusters.
func facets(text string, v any) error {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return errors.New("record/facets must be a list")
	}
	bounds := graphemeBounds(text)
	for i, f := range list {
		m, _ := f.(map[string]any)
		idx, _ := m["index"].(map[string]any)
		start, ok1 := integer(idx["byteStart"])
		end, ok2 := integer(idx["byteEnd"])
		if !ok1 || !ok2 {
			return fmt.Errorf("record/facets/%d/index must have integer byteStart and byteEnd", i)
		}
		if start < 0 || end <= start || end > len(text) {
			return fmt.Errorf("record/facets/%d/index [%d, %d) is not within the text's %d bytes", i, start, end, len(text))
		}
		if !bounds[start] || !bounds[end] {
			return fmt.Errorf("record/facets/%d/index [%d, %d) cuts a grapheme cluster of %q", i, start, end, text)
		}
		features, _ := m["features"].([]any)
		if len(features) == 0 {
			return fmt.Errorf("record/facets/%d must have features", i)
		}
		for _, ft := range features {
			if err := feature(ft); err != nil {
				return fmt.Errorf("record/facets/%d: %w", i, err)
			}
		}
	}
	return nil
}

func feature(v any) error {
	m, _ := v.(map[string]any)
	switch m["$type"] {
	case "app.bsky.richtext.facet#link":
		u, _ := m["uri"].(string)
		if p, err := url.Parse(u); err != nil || p.Scheme == "" || p.Host == "" {
			return fmt.Errorf("link uri %q is not a URI", u)
		}
	case "app.bsky.richtext.facet#tag":
		t, _ := m["tag"].(string)
		if t == "" || len(t) > 640 || uniseg.GraphemeClusterCount(t) > 64 {
			return fmt.Errorf("tag %q must be 1 to 64 graphemes and at most 640 bytes", t)
		}
	case "app.bsky.richtext.facet#mention":
		if d, _ := m["did"].(string); !strings.HasPrefix(d, "did:") {
			return fmt.Errorf("mention did %q is not a DID", d)
		}
	default:
		return fmt.Errorf("unknown feature $type %v", m["$type"])
	}
	return nil
}

// embed follows lexicons/app/bsky/embed/images.json (1 to 4 images, each a blob of
// image/* with alt, and aspectRatio from embed/defs.json) and external.json.
func (s *Server) embed(v any) error {
	m, _ := v.(map[string]any)
	switch m["$type"] {
	case "app.bsky.embed.images":
		images, _ := m["images"].([]any)
		if len(images) == 0 || len(images) > 4 {
			return fmt.Errorf("embed/images must have 1 to 4 images, not %d", len(images))
		}
		for i, im := range images {
			img, _ := im.(map[string]any)
			if _, ok := img["alt"].(string); !ok {
				return fmt.Errorf("embed/images/%d must have alt", i)
			}
			if err := s.blob(img["image"], "image/", fmt.Sprintf("embed/images/%d/image", i)); err != nil {
				return err
			}
			if ar, ok := img["aspectRatio"]; ok {
				a, _ := ar.(map[string]any)
				w, ok1 := integer(a["width"])
				h, ok2 := integer(a["height"])
				if !ok1 || !ok2 || w < 1 || h < 1 {
					return fmt.Errorf("embed/images/%d/aspectRatio must have width and height of at least 1", i)
				}
			}
		}
	case "app.bsky.embed.external":
		ext, _ := m["external"].(map[string]any)
		u, _ := ext["uri"].(string)
		if p, err := url.Parse(u); err != nil || p.Scheme == "" {
			return fmt.Errorf("embed/external/uri %q is not a URI", u)
		}
		for _, k := range []string{"title", "description"} {
			if _, ok := ext[k].(string); !ok {
				return fmt.Errorf("embed/external must have %s", k)
			}
		}
		if t, ok := ext["thumb"]; ok {
			return s.blob(t, "image/", "embed/external/thumb")
		}
	default:
		return fmt.Errorf("embed $type %v is not one this server takes", m["$type"])
	}
	return nil
}

// blob checks a blob ref names an uploaded blob of the type, within the size limit.
func (s *Server) blob(v any, typePrefix, where string) error {
	m, _ := v.(map[string]any)
	ref, _ := m["ref"].(map[string]any)
	link, _ := ref["$link"].(string)
	b, ok := s.blobs[link]
	if m["$type"] != "blob" || !ok {
		return fmt.Errorf("%s is not a blob uploaded here", where)
	}
	if mt, _ := m["mimeType"].(string); mt != b.MimeType || !strings.HasPrefix(mt, typePrefix) {
		return fmt.Errorf("%s has type %q, want %s*", where, mt, typePrefix)
	}
	if len(b.Data) > s.blobLimit {
		return fmt.Errorf("%s is too big", where)
	}
	return nil
}

// strongRef follows lexicons/com/atproto/repo/strongRef.json (uri, cid); the record must
// be here with that CID.
func (s *Server) strongRef(v any, where string) error {
	m, _ := v.(map[string]any)
	uri, _ := m["uri"].(string)
	c, _ := m["cid"].(string)
	if !strings.HasPrefix(uri, "at://did:") || !strings.HasPrefix(c, "b") {
		return fmt.Errorf("%s must be a strongRef with an at:// uri (by DID) and a cid", where)
	}
	rec, ok := s.records[uri]
	if !ok || rec.CID != c {
		return fmt.Errorf("%s names no record %s with cid %s", where, uri, c)
	}
	return nil
}

func datetime(v any, where string) error {
	s, _ := v.(string)
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("record/%s must be a datetime, not %q", where, s)
	}
	return nil
}

func integer(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

func graphemeBounds(s string) map[int]bool {
	b := map[int]bool{0: true}
	state, pos := -1, 0
	for pos < len(s) {
		var c string
		c, _, _, state = uniseg.FirstGraphemeClusterInString(s[pos:], state)
		pos += len(c)
		b[pos] = true
	}
	return b
}
