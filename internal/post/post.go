// Package post holds what a post is: its mf2 item, the fields indexed for queries, how its
// type is discovered, how its slug and URL are chosen and how Micropub updates change it.
// It uses only the standard library: no HTTP, no SQL.
package post

import (
	"errors"
	"time"
)

// Errors callers map to statuses; wrap them with the offending input.
var (
	ErrInvalid  = errors.New("invalid request")
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrGone     = errors.New("gone")
	// ErrNoSpace says that the store could not write for want of disk space.
	ErrNoSpace = errors.New("the server's disk is full")
)

// Status values (the mf2 post-status property).
const (
	StatusPublished = "published"
	StatusDraft     = "draft"
)

// Visibility values (the mf2 visibility property).
const (
	VisibilityPublic   = "public"
	VisibilityUnlisted = "unlisted"
	VisibilityPrivate  = "private"
)

// Item is a microformats2 object as Micropub JSON carries it. Property values are strings,
// numbers, booleans, nested items (map[string]any with "type" and "properties") or
// {"value","html"} / {"value","alt"} maps, kept as they came.
type Item struct {
	Type       []string         `json:"type"`
	Properties map[string][]any `json:"properties"`
	Children   []any            `json:"children,omitempty"`
}

// Post is a stored post: its full mf2 item plus the fields that are indexed.
type Post struct {
	ID         int64
	URL        string // absolute
	Slug       string
	Type       string // discovered post type: note, article, photo, ...
	Item       Item
	Published  time.Time // normalized to UTC for sorting; the item keeps the original text
	Updated    time.Time // zero when never updated
	Deleted    bool
	Status     string // StatusPublished or StatusDraft
	Visibility string // VisibilityPublic, VisibilityUnlisted or VisibilityPrivate
	Categories []string
	// SyndicateTo keeps the mp-syndicate-to targets asked for and not yet published to:
	// the post's pending list, for syndication to act on.
	SyndicateTo []string
	// Copies are what became of the post on each target it was syndicated to; stored
	// with the post, not part of the mf2 item.
	Copies []Copy
	// ClientID is the IndieAuth client_id of the app that created the post, when known:
	// it decides which drafts a draft-only token reads back. Stored with the post, in the
	// same transaction; not part of the mf2 item.
	ClientID string
}

// Query selects posts for listings, newest first.
type Query struct {
	Limit  int
	Offset int
	// After is an opaque cursor from a previous page (Cursor): only older posts are listed.
	After      string
	Type       string
	Status     string
	Visibility []string
	Category   string
	// ClientID, when set, keeps only the posts that the app with this IndieAuth client_id
	// created.
	ClientID string
	// Deleted includes soft-deleted posts.
	Deleted bool
	// PublishedBy, when set, keeps only the posts published at or before it: what
	// visitors see leaves out the scheduled posts (Post.Scheduled).
	PublishedBy time.Time
}
