package admin

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/post"
)

// Studio is what the Write and Edit pages need besides the store: the targets to offer,
// how the site renders content, how a replied-to page is read, and where uploads go.
type Studio struct {
	// Targets lists the syndication targets offered as checkboxes (those given by flags
	// and those added in the owner's pages); nil offers none.
	Targets func(ctx context.Context) []Target
	// Preview renders a post's content as its page will show it (site.Handler's
	// ContentHTML).
	Preview func(p *post.Post) string
	// FetchContext reads the page a reply, like, repost or bookmark is about through the
	// guarded client, as an h-cite (webmention.Sender's FetchContext).
	FetchContext func(ctx context.Context, url string) (map[string]any, error)
	// Files stores the photos the form uploads; media.Service is one.
	Files Files
	// MaxBody caps the form's text; MaxUpload each photo.
	MaxBody, MaxUpload int64
}

// Target is a syndication target: what Micropub's mp-syndicate-to names, and its name.
type Target struct{ UID, Name string }

// Files stores uploaded files, as the media service does.
type Files interface {
	// Save stores a file whose type comes from its bytes; the Saved's URL is its
	// absolute URL.
	Save(ctx context.Context, r io.Reader, contentType string) (media.Saved, error)
}

// photoSlots is how many photos one submission of the form uploads; a preview keeps
// them and offers as many again.
const photoSlots = 4

// kinds are the post kinds the form writes, with the property a response's URL goes in.
var kinds = []struct{ Value, Label, Prop string }{
	{"note", "Note", ""},
	{"article", "Article", ""},
	{"photo", "Photo", ""},
	{"reply", "Reply", "in-reply-to"},
	{"like", "Like", "like-of"},
	{"repost", "Repost", "repost-of"},
	{"bookmark", "Bookmark", "bookmark-of"},
}

// kindProp is the property that holds the URL a kind responds to, "" for none.
func kindProp(kind string) string {
	for _, k := range kinds {
		if k.Value == kind {
			return k.Prop
		}
	}
	return ""
}

// WritePage serves the form that writes a new post.
func (s *Server) WritePage() http.Handler { return s.pages.Handle(s.writePage) }

// Write previews or publishes the form's post.
func (s *Server) Write() http.Handler { return s.pages.Handle(s.write) }

// entryForm is what the Write and Edit forms hold, as the owner typed it.
type entryForm struct {
	Kind, Name, Content, Target, Tags, Slug, Published, Visibility string
	// Audience is the people the post is for, their URLs apart by spaces, commas or
	// lines: a limited post, shown only to them once they sign in.
	Audience  string
	Draft     bool
	Syndicate map[string]bool
	// Photos are the photos already stored (by a preview, or on the post edited).
	Photos []photo
}

// photo is a stored photo of the form; N numbers it from 1 for its labels.
type photo struct {
	URL, Alt string
	N        int
}

// writePage is the data of the write.html template, for Write and Edit.
type writePage struct {
	CSRF, Title, Action, Done string
	// URL is the post edited, "" when writing a new one.
	URL     string
	Form    entryForm
	Errors  map[string]string
	Kinds   any
	Targets []Target
	Tags    []string
	// Slots are the empty photo inputs, numbered from 1.
	Slots []int
	// Preview is the content as the site will show it; Context the page responded to.
	Preview   template.HTML
	Context   *cite
	Previewed bool
}

// cite is the page a response is about, as fetched for the preview.
type cite struct{ Name, Author, Summary, Error string }

func (s *Server) writePage(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	f := entryForm{Kind: "note", Visibility: post.VisibilityPublic}
	if s.cfg.Settings != nil {
		cur, err := s.cfg.Settings.Current(r.Context())
		if err != nil {
			return err
		}
		if cur.DefaultVisibility != "" {
			f.Visibility = cur.DefaultVisibility
		}
	}
	if k := r.URL.Query().Get("kind"); kindKnown(k) {
		f.Kind = k
	}
	page, err := s.newWritePage(r.Context(), sess.CSRF, f)
	if err != nil {
		return err
	}
	s.pages.Render(w, r, http.StatusOK, "write", page)
	return nil
}

func (s *Server) newWritePage(ctx context.Context, csrf string, f entryForm) (*writePage, error) {
	tags, err := s.store.Categories(ctx, "")
	if err != nil {
		return nil, err
	}
	p := &writePage{CSRF: csrf, Title: "Write", Action: "/admin/write", Form: f, Errors: map[string]string{},
		Kinds: kinds, Tags: tags}
	if s.cfg.Studio.Targets != nil {
		p.Targets = s.cfg.Studio.Targets(ctx)
	}
	for i := len(f.Photos); i < len(f.Photos)+photoSlots; i++ {
		p.Slots = append(p.Slots, i+1)
	}
	return p, nil
}

func kindKnown(k string) bool {
	for _, kd := range kinds {
		if kd.Value == k {
			return true
		}
	}
	return false
}

// write reads the form (multipart, so that photos come without a script), stores its
// photos through the media service, and then either shows the preview or creates the
// post through the Micropub endpoint's own create.
func (s *Server) write(w http.ResponseWriter, r *http.Request) error {
	sess, f, cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	page, err := s.newWritePage(r.Context(), sess.CSRF, f)
	if err != nil {
		return err
	}
	s.storePhotos(r, page)
	values := s.micropubFields(r.Context(), page)
	if r.PostFormValue("do") == "preview" || len(page.Errors) > 0 {
		return s.showPreview(w, r, page, values)
	}
	u, err := s.posts.CreateForm(r.Context(), values, s.cfg.URL)
	if errors.Is(err, post.ErrInvalid) {
		page.Errors["form"] = err.Error()
		return s.showPreview(w, r, page, values)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

// readForm checks the owner's form and reads it into an entryForm. cleanup removes the
// parts a large form left on disk.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) (*owner.Session, entryForm, func(), error) {
	cleanup := func() {}
	st := s.cfg.Studio
	r.Body = http.MaxBytesReader(w, r.Body, st.MaxBody+photoSlots*st.MaxUpload)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// Parts past 1 MiB wait in temporary files, removed when the request is done.
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, entryForm{}, cleanup, owner.FormError(err)
		}
		cleanup = func() { r.MultipartForm.RemoveAll() }
	}
	sess, err := s.owner.CheckForm(r)
	if err != nil {
		return nil, entryForm{}, cleanup, err
	}
	v := r.PostForm
	f := entryForm{
		Kind: v.Get("kind"), Name: strings.TrimSpace(v.Get("name")), Content: v.Get("content"),
		Target: strings.TrimSpace(v.Get("target")), Tags: v.Get("tags"), Slug: strings.TrimSpace(v.Get("slug")),
		Published: strings.TrimSpace(v.Get("published")), Visibility: v.Get("visibility"), Audience: v.Get("audience"),
		Draft: v.Get("draft") != "", Syndicate: map[string]bool{},
	}
	for _, uid := range v["syndicate-to"] {
		f.Syndicate[uid] = true
	}
	alts := v["kept-alt"]
	for i, u := range v["kept-photo"] {
		if v.Get(fmt.Sprintf("remove-%d", i+1)) != "" || u == "" {
			continue
		}
		p := photo{URL: u}
		if i < len(alts) {
			p.Alt = strings.TrimSpace(alts[i])
		}
		f.Photos = append(f.Photos, p)
	}
	return sess, f, cleanup, nil
}

// storePhotos saves the photos of the form's file inputs through the media service and
// adds them to the form's photos, each with the alt text beside its input.
func (s *Server) storePhotos(r *http.Request, page *writePage) {
	if r.MultipartForm == nil {
		return
	}
	slots := page.Slots
	for _, n := range slots {
		files := r.MultipartForm.File[fmt.Sprintf("photo-%d", n)]
		if len(files) == 0 || files[0].Size == 0 {
			continue
		}
		u, err := s.savePhoto(r.Context(), files[0])
		if err != nil {
			page.Errors["photos"] = fmt.Sprintf("%s: %v", files[0].Filename, err)
			continue
		}
		page.Form.Photos = append(page.Form.Photos, photo{URL: u, Alt: strings.TrimSpace(r.PostFormValue(fmt.Sprintf("alt-%d", n)))})
	}
	page.Slots = nil
	for i := len(page.Form.Photos); i < len(page.Form.Photos)+photoSlots; i++ {
		page.Slots = append(page.Slots, i+1)
	}
}

func (s *Server) savePhoto(ctx context.Context, fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	saved, err := s.cfg.Studio.Files.Save(ctx, f, fh.Header.Get("Content-Type"))
	if err != nil {
		if errors.Is(err, post.ErrInvalid) {
			return "", err
		}
		return "", errors.New("could not be stored")
	}
	return saved.URL, nil
}

// showPreview answers the form again, with the content as the site will render it and
// the page a response is about; 400 when a field is wrong.
func (s *Server) showPreview(w http.ResponseWriter, r *http.Request, page *writePage, values url.Values) error {
	page.Previewed = true
	if p, err := previewPost(values, s.cfg.Now()); err == nil && s.cfg.Studio.Preview != nil {
		page.Preview = template.HTML(s.cfg.Studio.Preview(p))
	}
	if page.Form.Target != "" && page.Errors["target"] == "" && s.cfg.Studio.FetchContext != nil {
		page.Context = s.fetchCite(r.Context(), page.Form.Target)
	}
	for i := range page.Form.Photos {
		page.Form.Photos[i].N = i + 1
	}
	status := http.StatusOK
	if len(page.Errors) > 0 {
		status = http.StatusBadRequest
	}
	s.pages.Render(w, r, status, "write", page)
	return nil
}

// fetchCite reads the page at u for the preview; a failure is shown, not fatal.
func (s *Server) fetchCite(ctx context.Context, u string) *cite {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := s.cfg.Studio.FetchContext(ctx, u)
	if err != nil {
		return &cite{Error: "could not read the page: " + err.Error()}
	}
	props, _ := c["properties"].(map[string]any)
	first := func(k string) string {
		vs, _ := props[k].([]any)
		if len(vs) == 0 {
			return ""
		}
		str, _ := vs[0].(string)
		return str
	}
	author := first("author")
	if vs, _ := props["author"].([]any); author == "" && len(vs) > 0 {
		// An h-card: its name (webmention.FetchContext gives the author as one when the
		// page names its url or photo).
		card, _ := vs[0].(map[string]any)
		cp, _ := card["properties"].(map[string]any)
		if names, _ := cp["name"].([]any); len(names) > 0 {
			author, _ = names[0].(string)
		}
	}
	return &cite{Name: first("name"), Author: author, Summary: first("content")}
}

// previewPost is the post values would make, for rendering its content.
func previewPost(values url.Values, now time.Time) (*post.Post, error) {
	it := post.Item{Type: []string{"h-entry"}, Properties: map[string][]any{}}
	for k, vs := range values {
		if k == "h" || strings.HasPrefix(k, "mp-") {
			continue
		}
		for _, v := range vs {
			it.Properties[k] = append(it.Properties[k], v)
		}
	}
	return post.New(it, now)
}
