// Package bluesky copies posts to a Bluesky account on any PDS, over XRPC: notes,
// photos and articles become app.bsky.feed.post records (text cut at 300 graphemes with
// a link back, link and hashtag facets, images with alt text and aspect ratio, an
// external card for articles), replies to Bluesky posts are threaded, likes and reposts
// become app.bsky.feed.like and app.bsky.feed.repost records
// (https://github.com/bluesky-social/atproto/tree/main/lexicons).
package bluesky

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/compose"
)

// Config is what a Bluesky target needs.
type Config struct {
	// PDS is the account's PDS; default https://bsky.social.
	PDS string
	// Identifier (the handle, or the DID) and AppPassword sign in
	// (com.atproto.server.createSession). The password is sent only to PDS and never
	// logged.
	Identifier, AppPassword string
	// Client makes every request: the guarded outbound client
	// (indieauth.NewClient). Required.
	Client *http.Client
	// Service and User describe the target for q=syndicate-to; Service defaults to
	// {Name: "Bluesky", URL: "https://bsky.app/"}.
	Service, User syndicate.Service
	// MaxImageBytes is the largest image uploaded; larger ones are scaled down. Default
	// 1,000,000 bytes (app.bsky.embed.images' former maxSize, still many PDSs' limit).
	MaxImageBytes int
	// Web is where the copies' URLs point: default https://bsky.app.
	Web string
	// Now is the clock of createdAt fallbacks and Retry-After dates; time.Now when nil.
	Now func() time.Time
}

// Publisher publishes to one Bluesky account. It is safe for concurrent use.
type Publisher struct {
	cfg Config
	pds *url.URL

	mu      sync.Mutex
	session *session
}

var _ syndicate.Publisher = (*Publisher)(nil)

// New checks cfg and returns its publisher; it signs in on its first call.
func New(cfg Config) (*Publisher, error) {
	if cfg.PDS == "" {
		cfg.PDS = "https://bsky.social"
	}
	u, err := url.Parse(strings.TrimRight(cfg.PDS, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("bluesky: PDS %q is not an http(s) URL", cfg.PDS)
	}
	if cfg.Identifier == "" || cfg.AppPassword == "" {
		return nil, errors.New("bluesky: identifier and app password are required")
	}
	if cfg.Client == nil {
		return nil, errors.New("bluesky: no HTTP client")
	}
	if cfg.Service.Name == "" {
		cfg.Service = syndicate.Service{Name: "Bluesky", URL: "https://bsky.app/"}
	}
	if cfg.MaxImageBytes <= 0 {
		cfg.MaxImageBytes = 1_000_000
	}
	if cfg.Web == "" {
		cfg.Web = "https://bsky.app"
	}
	cfg.Web = strings.TrimRight(cfg.Web, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Publisher{cfg: cfg, pds: u}, nil
}

// Service describes the service for q=syndicate-to.
func (c *Publisher) Service() syndicate.Service { return c.cfg.Service }

// User describes the account for q=syndicate-to.
func (c *Publisher) User() syndicate.Service { return c.cfg.User }

const (
	postCollection   = "app.bsky.feed.post"
	likeCollection   = "app.bsky.feed.like"
	repostCollection = "app.bsky.feed.repost"
)

// strongRef is com.atproto.repo.strongRef.
type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// Publish makes p a post, a like or a repost record, or replaces the post at prev
// (putRecord). The copy's URL is the post's https://bsky.app/profile/HANDLE/post/RKEY;
// for a like or a repost, the liked post's URL with the record's at:// URI as fragment,
// which Delete reads back. XRPC has no idempotency key: the record's key is derived
// from key instead (recordKey), so that a repeated job writes the same record.
func (c *Publisher) Publish(ctx context.Context, p *post.Post, prev, key string, media syndicate.MediaOpener) (string, error) {
	if p.Visibility != "" && p.Visibility != post.VisibilityPublic {
		// Bluesky has no unlisted or followers-only posts: a copy would be public.
		return "", jobs.Permanent(fmt.Errorf("bluesky: %w: the post is %s and Bluesky posts are public", syndicate.ErrUnsupported, p.Visibility))
	}
	switch p.Type {
	case "like", "repost":
		if prev != "" {
			return prev, nil // nothing of a like or a repost can be edited
		}
		return c.interact(ctx, p, key)
	}
	rec, err := c.postRecord(ctx, p, media)
	if err != nil {
		return "", err
	}
	s, err := c.currentSession(ctx)
	if err != nil {
		return "", err
	}
	rkey := ""
	if prev != "" {
		if rkey, err = ownPostKey(prev); err != nil {
			return "", err
		}
	}
	out, err := c.write(ctx, s, postCollection, rkey, p.Published, key, rec)
	if err != nil {
		return "", err
	}
	_, _, rkey, err = parseATURI(out.URI)
	if err != nil {
		return "", err
	}
	s, _ = c.currentSession(ctx)
	return c.cfg.Web + "/profile/" + s.Handle + "/post/" + rkey, nil
}

// postRecord builds the app.bsky.feed.post record of p
// (lexicons/app/bsky/feed/post.json).
func (c *Publisher) postRecord(ctx context.Context, p *post.Post, media syndicate.MediaOpener) (map[string]any, error) {
	text := compose.Text(p)
	article := p.Type == "article"
	body, facets := richText(compose.PostParts(p))
	created := p.Published
	if created.IsZero() {
		created = c.cfg.Now()
	}
	rec := map[string]any{
		"$type":     postCollection,
		"text":      body,
		"createdAt": created.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if len(facets) > 0 {
		rec["facets"] = facets
	}
	images, err := c.uploadImages(ctx, p, media)
	if err != nil {
		return nil, err
	}
	switch {
	case images != nil:
		rec["embed"] = images
	case article:
		desc, _ := compose.Cut(text, 300, 3000, 0)
		rec["embed"] = map[string]any{
			"$type":    "app.bsky.embed.external",
			"external": map[string]any{"uri": p.URL, "title": compose.Name(p), "description": desc},
		}
	}
	if body == "" && rec["embed"] == nil {
		return nil, jobs.Permanent(fmt.Errorf("bluesky: %w: the post has no text and no photo", syndicate.ErrUnsupported))
	}
	if reply := compose.First(p, "in-reply-to"); reply != "" {
		ref, err := c.replyRef(ctx, reply)
		if err != nil {
			return nil, err
		}
		rec["reply"] = ref
	}
	return rec, nil
}

// replyRef is the reply's {root, parent}: the parent is the post replied to, the root
// its own root when it is itself a reply (lexicons/app/bsky/feed/post.json#replyRef).
func (c *Publisher) replyRef(ctx context.Context, parentURL string) (map[string]any, error) {
	parent, err := c.resolvePost(ctx, parentURL)
	if err != nil {
		return nil, err
	}
	root := parent.ref
	if parent.Value.Reply != nil && parent.Value.Reply.Root.URI != "" {
		root = parent.Value.Reply.Root
	}
	return map[string]any{"root": root, "parent": parent.ref}, nil
}

// interact likes or reposts the Bluesky post the post is about.
func (c *Publisher) interact(ctx context.Context, p *post.Post, key string) (string, error) {
	prop, collection := "like-of", likeCollection
	if p.Type == "repost" {
		prop, collection = "repost-of", repostCollection
	}
	target := compose.First(p, prop)
	subject, err := c.resolvePost(ctx, target)
	if err != nil {
		return "", err
	}
	s, err := c.currentSession(ctx)
	if err != nil {
		return "", err
	}
	created := p.Published
	if created.IsZero() {
		created = c.cfg.Now()
	}
	rec := map[string]any{"$type": collection, "subject": subject.ref, "createdAt": created.UTC().Format("2006-01-02T15:04:05.000Z")}
	out, err := c.write(ctx, s, collection, "", p.Published, key, rec)
	if err != nil {
		return "", err
	}
	return subject.web + "#" + out.URI, nil
}

// write stores rec in the account's collection: at rkey (an update), or at the key
// recordKey derives from the job's key, with putRecord, which creates or replaces; with
// createRecord only when there is no job key.
func (c *Publisher) write(ctx context.Context, s session, collection, rkey string, published time.Time, key string, rec map[string]any) (strongRef, error) {
	var out strongRef
	if rkey == "" && key == "" {
		in := map[string]any{"repo": s.DID, "collection": collection, "record": rec}
		err := c.authed(ctx, "com.atproto.repo.createRecord", nil, in, "", &out)
		return out, err
	}
	if rkey == "" {
		rkey = recordKey(published, key)
	}
	in := map[string]any{"repo": s.DID, "collection": collection, "rkey": rkey, "record": rec}
	err := c.authed(ctx, "com.atproto.repo.putRecord", nil, in, "", &out)
	return out, err
}

// Delete removes the copy at copyURL: the post, or the like or repost record named in
// its fragment. deleteRecord succeeds for a record already gone.
func (c *Publisher) Delete(ctx context.Context, copyURL string) error {
	s, err := c.currentSession(ctx)
	if err != nil {
		return err
	}
	collection, rkey := postCollection, ""
	if _, frag, ok := strings.Cut(copyURL, "#"); ok && strings.HasPrefix(frag, "at://") {
		did, coll, key, err := parseATURI(frag)
		if err != nil {
			return err
		}
		if did != s.DID {
			return jobs.Permanent(fmt.Errorf("bluesky: %s is not a record of %s", frag, s.Handle))
		}
		collection, rkey = coll, key
	} else if rkey, err = ownPostKey(copyURL); err != nil {
		return err
	}
	in := map[string]any{"repo": s.DID, "collection": collection, "rkey": rkey}
	return c.authed(ctx, "com.atproto.repo.deleteRecord", nil, in, "", nil)
}

// ownPostKey is the record key of one of the account's posts from its copy URL
// (…/profile/HANDLE/post/RKEY). The handle is not used: it may have changed since.
func ownPostKey(copyURL string) (string, error) {
	_, rkey, ok := parseWebURL(copyURL)
	if !ok {
		return "", jobs.Permanent(fmt.Errorf("bluesky: %q is not a Bluesky post URL", copyURL))
	}
	return rkey, nil
}

// parseWebURL reads https://bsky.app/profile/ACTOR/post/RKEY (any host: other web
// clients use the same paths) and at://ACTOR/app.bsky.feed.post/RKEY.
func parseWebURL(s string) (actor, rkey string, ok bool) {
	if strings.HasPrefix(s, "at://") {
		actor, coll, rkey, err := parseATURI(s)
		return actor, rkey, err == nil && coll == postCollection
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", false
	}
	seg := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(seg) != 4 || seg[0] != "profile" || seg[2] != "post" || seg[1] == "" || seg[3] == "" {
		return "", "", false
	}
	return seg[1], seg[3], true
}

// parseATURI splits at://AUTHORITY/COLLECTION/RKEY (https://atproto.com/specs/at-uri-scheme).
func parseATURI(s string) (authority, collection, rkey string, err error) {
	rest, ok := strings.CutPrefix(s, "at://")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", jobs.Permanent(fmt.Errorf("bluesky: %q is not an at:// record URI", s))
	}
	return parts[0], parts[1], parts[2], nil
}

// remotePost is a post found by its URL.
type remotePost struct {
	ref strongRef
	web string // its bsky.app URL
	// Value is the part of the record read: its own reply, for the thread's root.
	Value struct {
		Reply *struct {
			Root strongRef `json:"root"`
		} `json:"reply"`
	}
}

// resolvePost finds a post by its bsky.app URL or at:// URI with
// com.atproto.repo.getRecord, whose repo may be a handle or a DID and whose answer names
// the record by DID with its CID (lexicons/com/atproto/repo/getRecord.json).
func (c *Publisher) resolvePost(ctx context.Context, postURL string) (*remotePost, error) {
	actor, rkey, ok := parseWebURL(postURL)
	if !ok {
		return nil, jobs.Permanent(fmt.Errorf("bluesky: %w: %q is not a Bluesky post", syndicate.ErrUnsupported, postURL))
	}
	var out struct {
		URI   string `json:"uri"`
		CID   string `json:"cid"`
		Value struct {
			Reply *struct {
				Root strongRef `json:"root"`
			} `json:"reply"`
		} `json:"value"`
	}
	q := url.Values{"repo": {actor}, "collection": {postCollection}, "rkey": {rkey}}
	err := c.authed(ctx, "com.atproto.repo.getRecord", q, nil, "", &out)
	var xe *xrpcError
	if errors.As(err, &xe) && xe.Name == "RecordNotFound" {
		return nil, jobs.Permanent(fmt.Errorf("bluesky: %w: no post at %s", syndicate.ErrUnsupported, postURL))
	}
	if err != nil {
		return nil, err
	}
	rp := &remotePost{ref: strongRef{URI: out.URI, CID: out.CID}, web: c.cfg.Web + "/profile/" + actor + "/post/" + rkey}
	rp.Value.Reply = out.Value.Reply
	return rp, nil
}
