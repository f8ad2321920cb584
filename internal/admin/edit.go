package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/post"
)

// EditPage serves the form that edits the post ?url=, holding its current values.
func (s *Server) EditPage() http.Handler { return s.pages.Handle(s.editPage) }

// Edit previews or saves the edit form: saving is a Micropub update of what changed.
func (s *Server) Edit() http.Handler { return s.pages.Handle(s.edit) }

func (s *Server) editPage(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	p, err := s.editedPost(r.Context(), r.URL.Query().Get("url"))
	if err != nil {
		return err
	}
	page, err := s.newEditPage(r.Context(), sess.CSRF, p, formOf(p))
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "saved":
		page.Done = "Saved: the post is updated."
	case "unchanged":
		page.Done = "Nothing changed."
	}
	s.pages.Render(w, r, http.StatusOK, "write", page)
	return nil
}

func (s *Server) newEditPage(ctx context.Context, csrf string, p *post.Post, f entryForm) (*writePage, error) {
	page, err := s.newWritePage(ctx, csrf, f)
	if err != nil {
		return nil, err
	}
	page.Title, page.Action, page.URL = "Edit", "/admin/posts/edit", p.URL
	for i := range page.Form.Photos {
		page.Form.Photos[i].N = i + 1
	}
	return page, nil
}

// editedPost is the post at u, which must exist and not be deleted.
func (s *Server) editedPost(ctx context.Context, u string) (*post.Post, error) {
	p, err := s.store.PostByURL(ctx, u)
	if errors.Is(err, post.ErrNotFound) {
		return nil, owner.Errorf(http.StatusNotFound, "invalid_request", "no post at %q", u)
	}
	if err != nil {
		return nil, err
	}
	if p.Deleted {
		return nil, owner.Errorf(http.StatusGone, "invalid_request", "the post at %q is deleted; undelete it first", u)
	}
	return p, nil
}

// formOf is the edit form of p: its current values as the write form holds them.
func formOf(p *post.Post) entryForm {
	it := p.Item
	f := entryForm{Kind: "note", Name: it.First("name"), Content: it.First("content"), Slug: p.Slug,
		Published: p.Published.UTC().Format("2006-01-02T15:04:05"), Visibility: p.Visibility,
		Draft: p.Status == post.StatusDraft, Tags: strings.Join(it.Tags(), ", "), Syndicate: map[string]bool{},
		Audience: strings.Join(it.Audience(), "\n")}
	if kindKnown(p.Type) {
		f.Kind = p.Type
	}
	if prop := kindProp(f.Kind); prop != "" && len(it.Properties[prop]) > 0 {
		f.Target = citeURL(it.Properties[prop][0])
	}
	for _, v := range it.Properties["photo"] {
		ph := photo{URL: post.StringValue(v)}
		if m, ok := v.(map[string]any); ok {
			ph.Alt, _ = m["alt"].(string)
		}
		f.Photos = append(f.Photos, ph)
	}
	for _, uid := range p.SyndicateTo {
		f.Syndicate[uid] = true
	}
	for _, c := range p.Copies {
		f.Syndicate[c.Target] = true
	}
	return f
}

// citeURL is the URL a response property names: a string, or a nested h-cite's url.
func citeURL(v any) string {
	if s := post.StringValue(v); s != "" {
		return s
	}
	m, _ := v.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	urls, _ := props["url"].([]any)
	if len(urls) > 0 {
		s, _ := urls[0].(string)
		return s
	}
	return ""
}

// edit saves the form as a Micropub update of the properties whose value changed: a
// field emptied deletes its property, a changed one replaces it.
func (s *Server) edit(w http.ResponseWriter, r *http.Request) error {
	sess, f, cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	u := r.PostFormValue("url")
	p, err := s.editedPost(r.Context(), u)
	if err != nil {
		return err
	}
	page, err := s.newEditPage(r.Context(), sess.CSRF, p, f)
	if err != nil {
		return err
	}
	page.Form.Slug = p.Slug // the address does not change
	s.storePhotos(r, page)
	values := s.micropubFields(r.Context(), page)
	if r.PostFormValue("do") == "preview" || len(page.Errors) > 0 {
		return s.showPreview(w, r, page, values)
	}
	before := &writePage{Form: formOf(p), Errors: map[string]string{}, Targets: page.Targets}
	old := s.micropubFields(r.Context(), before)
	upd, synd := diffFields(old, values, before.Form.Photos, page.Form.Photos)
	done := "saved"
	if upd.Replace == nil && upd.DeleteProps == nil && synd == nil {
		done = "unchanged"
	} else {
		err = s.posts.Update(r.Context(), p.URL, upd, synd)
		if errors.Is(err, post.ErrInvalid) {
			page.Errors["form"] = err.Error()
			return s.showPreview(w, r, page, values)
		}
		if err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/admin/posts/edit?url="+url.QueryEscape(p.URL)+"&done="+done, http.StatusSeeOther)
	return nil
}

// diffFields is the Micropub update from the fields old to new (both as micropubFields
// makes them), and the syndication targets new adds. Photos are compared with their alt
// text, which the fields carry apart.
func diffFields(old, new url.Values, oldPhotos, newPhotos []photo) (post.Update, []string) {
	var u post.Update
	props := map[string]bool{}
	for k := range old {
		props[k] = true
	}
	for k := range new {
		props[k] = true
	}
	for k := range props {
		name := strings.TrimSuffix(k, "[]")
		if k == "h" || strings.HasPrefix(name, "mp-") || name == "photo" || slices.Equal(old[k], new[k]) {
			continue
		}
		if len(new[k]) == 0 {
			u.DeleteProps = append(u.DeleteProps, name)
			continue
		}
		if u.Replace == nil {
			u.Replace = map[string][]any{}
		}
		for _, v := range new[k] {
			u.Replace[name] = append(u.Replace[name], v)
		}
	}
	if !samePhotos(oldPhotos, newPhotos) {
		if len(newPhotos) == 0 {
			u.DeleteProps = append(u.DeleteProps, "photo")
		} else {
			if u.Replace == nil {
				u.Replace = map[string][]any{}
			}
			for _, ph := range newPhotos {
				var v any = ph.URL
				if ph.Alt != "" {
					v = map[string]any{"value": ph.URL, "alt": ph.Alt}
				}
				u.Replace["photo"] = append(u.Replace["photo"], v)
			}
		}
	}
	slices.Sort(u.DeleteProps)
	var synd []string
	for _, uid := range new["mp-syndicate-to[]"] {
		if !slices.Contains(old["mp-syndicate-to[]"], uid) {
			synd = append(synd, uid)
		}
	}
	return u, synd
}

// samePhotos compares photos by URL and alt text.
func samePhotos(a, b []photo) bool {
	return slices.EqualFunc(a, b, func(x, y photo) bool { return x.URL == y.URL && x.Alt == y.Alt })
}
