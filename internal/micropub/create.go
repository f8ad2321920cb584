package micropub

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/settings"
)

// create stores a new post and answers 201 with its URL in Location (Micropub 3.3.2).
func (h *Handler) create(w http.ResponseWriter, r *http.Request, tok *indieauth.Token, req *request) error {
	p, err := h.createPost(r.Context(), tok, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", p.URL)
	w.WriteHeader(http.StatusCreated)
	return nil
}

// createPost stores the new post req describes, for the app holding tok; every create,
// the endpoint's and the owner's pages', comes through here.
func (h *Handler) createPost(ctx context.Context, tok *indieauth.Token, req *request) (*post.Post, error) {
	draftOnly, err := createScope(tok)
	if err != nil {
		return nil, err
	}
	it := req.item
	if it.Type == nil {
		it.Type = []string{"h-entry"}
	}
	if err := checkTypes(it.Type); err != nil {
		return nil, err
	}
	for k, vs := range post.StripCommands(&it) {
		req.cmds[k] = append(req.cmds[k], vs...)
	}
	// The post's URL is the server's to choose (Micropub 3.3.2), and q=source and the site
	// show it: a client-given url, which could name another site, is dropped silently
	// rather than refused, since clients copying a post send its url along.
	delete(it.Properties, "url")
	for _, u := range req.uploads {
		// A "file" part beside other fields is an attachment of the post.
		it.Properties["photo"] = append(it.Properties["photo"], u)
	}
	if len(it.Properties) == 0 {
		return nil, errEmpty
	}
	pairAlt(it, req.stringsCmdAll("mp-photo-alt"))
	if draftOnly {
		it.Properties["post-status"] = []any{post.StatusDraft}
	}
	set, err := h.settings(ctx)
	if err != nil {
		return nil, err
	}
	if v := set.DefaultVisibility; v != "" && v != post.VisibilityPublic && len(it.Properties["visibility"]) == 0 &&
		len(it.Audience()) == 0 {
		// The owner's default, written into the post as if the client had sent it, so that
		// q=source says what the post is.
		it.Properties["visibility"] = []any{v}
	}
	p, err := post.New(it, h.cfg.Now())
	if err != nil {
		return nil, err
	}
	if err := h.inlineDataURIs(ctx, p.Item.Properties["content"], req.saved); err != nil {
		return nil, err
	}
	if err := p.Reindex(h.cfg.Now()); err != nil {
		return nil, err
	}
	p.SyndicateTo = appendNew(req.stringsCmd("mp-syndicate-to"), h.alwaysSyndicateTo(ctx))
	// Which app wrote the post decides which drafts a draft-only token reads back (see
	// readScope); it is stored in the create's own transaction.
	p.ClientID = tok.ClientID
	base := post.ChooseSlug(slugItem(p.Item), req.stringCmd("mp-slug"), p.LocalPublished())
	if err := h.insert(ctx, p, base, set.URLPatterns); err != nil {
		return nil, err
	}
	return p, nil
}

// settings returns the settings in force: Config.Settings's, or the URL patterns given
// at start.
func (h *Handler) settings(ctx context.Context) (settings.Settings, error) {
	if h.cfg.Settings == nil {
		return settings.Settings{URLPatterns: h.cfg.URLPatterns}, nil
	}
	return h.cfg.Settings(ctx)
}

// typeName is what an mf2 root class name looks like (h-entry, h-event, h-review); the
// type is written into pages and feeds, so nothing else is stored.
var typeName = regexp.MustCompile(`^h-[a-z0-9]+(-[a-z0-9]+)*$`)

func checkTypes(types []string) error {
	for _, t := range types {
		if !typeName.MatchString(t) {
			return fmt.Errorf("%w: type %q is not an mf2 type such as h-entry", post.ErrInvalid, t)
		}
	}
	return nil
}

// createScope checks that the token may create posts. A token whose only write scope is
// draft may, but its posts are always drafts.
func createScope(tok *indieauth.Token) (draftOnly bool, err error) {
	if tok.HasScope("create") {
		return false, nil
	}
	if tok.HasScope("draft") {
		return true, nil
	}
	return false, &indieauth.ScopeError{Scope: "create"}
}

// insert stores p under its slug or, when that URL is taken, under the first free
// numbered one (slug-2, slug-3…), which the store picks from a counter in the same
// transaction as the insert: the cost of a create does not grow with the number of posts
// that share its slug.
func (h *Handler) insert(ctx context.Context, p *post.Post, base string, patterns map[string]string) error {
	pattern := patterns[p.Type]
	p.Slug = base
	p.URL = h.abs(p.Path(pattern))
	return h.store.CreateNumbered(ctx, p, func(slug string) string {
		return h.abs(p.PathFor(pattern, slug))
	})
}

// slugItem is the item as the slug sees it: Quill's editor in form mode sends HTML as a
// plain content string, which is stored as sent, but "<p>Hello" should not slug to
// "p-hello".
func slugItem(it post.Item) post.Item {
	c, ok := firstString(it.Properties["content"])
	if !ok || !strings.HasPrefix(strings.TrimSpace(c), "<") {
		return it
	}
	props := make(map[string][]any, len(it.Properties))
	for k, v := range it.Properties {
		props[k] = v
	}
	props["content"] = []any{map[string]any{"html": c}}
	return post.Item{Type: it.Type, Properties: props}
}

func firstString(vs []any) (string, bool) {
	if len(vs) == 0 {
		return "", false
	}
	s, ok := vs[0].(string)
	return s, ok
}

// pairAlt gives form photos their alt text: the nth mp-photo-alt belongs to the nth
// photo, which becomes {"value": url, "alt": text}.
func pairAlt(it post.Item, alts []string) {
	photos := it.Properties["photo"]
	for i, alt := range alts {
		if i >= len(photos) || alt == "" {
			continue
		}
		if u, ok := photos[i].(string); ok {
			photos[i] = map[string]any{"value": u, "alt": alt}
		}
	}
}

// answerUpload answers a multipart body that held only files, the way a media endpoint
// does: 201 with the file's URL in Location and in a JSON body.
func (h *Handler) answerUpload(w http.ResponseWriter, req *request, tok *indieauth.Token) error {
	if !tok.HasScope("media") && !tok.HasScope("create") && !tok.HasScope("draft") {
		return &indieauth.ScopeError{Scope: "media"}
	}
	w.Header().Set("Location", req.uploads[0])
	writeJSON(w, http.StatusCreated, map[string]string{"url": req.uploads[0]})
	return nil
}
