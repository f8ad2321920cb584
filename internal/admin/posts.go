package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/post"
)

// Posts changes posts the way Micropub does; micropub.Handler is one, so a post deleted
// here and one deleted by an app are the same change.
type Posts interface {
	// SetDeleted soft-deletes (deleted true) or restores the post at url.
	SetDeleted(ctx context.Context, url string, deleted bool) error
	// CreateForm creates a post from the fields of a form-encoded Micropub create, for
	// the app clientID, and returns its URL.
	CreateForm(ctx context.Context, form url.Values, clientID string) (string, error)
	// Update applies a Micropub update to the post at url and adds syndicateTo to its
	// pending targets.
	Update(ctx context.Context, url string, u post.Update, syndicateTo []string) error
}

// DeletePage serves the page that confirms deleting, or undeleting, the post ?url=.
func (s *Server) DeletePage() http.Handler { return s.pages.Handle(s.deletePage) }

// Delete deletes the post of the form's url, then shows the page again, confirming it.
func (s *Server) Delete() http.Handler { return s.pages.Handle(s.setDeleted(true)) }

// Undelete restores the post of the form's url, then shows the page again, confirming it.
func (s *Server) Undelete() http.Handler { return s.pages.Handle(s.setDeleted(false)) }

type deletePage struct {
	CSRF, URL, Title, Done string
	Deleted                bool
}

func (s *Server) deletePage(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	u := r.URL.Query().Get("url")
	p, err := s.store.PostByURL(r.Context(), u)
	if errors.Is(err, post.ErrNotFound) {
		return owner.Errorf(http.StatusNotFound, "invalid_request", "no post at %q", u)
	}
	if err != nil {
		return err
	}
	page := deletePage{CSRF: sess.CSRF, URL: p.URL, Title: p.URL, Deleted: p.Deleted}
	switch r.URL.Query().Get("done") {
	case "deleted":
		page.Done = "The post is deleted: its address answers 410 Gone."
	case "undeleted":
		page.Done = "The post is back at its address."
	}
	s.pages.Render(w, r, http.StatusOK, "delete", page)
	return nil
}

func (s *Server) setDeleted(deleted bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.owner.CheckForm(r); err != nil {
			return err
		}
		u := r.PostFormValue("url")
		err := s.posts.SetDeleted(r.Context(), u, deleted)
		if errors.Is(err, post.ErrNotFound) {
			return owner.Errorf(http.StatusNotFound, "invalid_request", "no post at %q", u)
		}
		if err != nil {
			return err
		}
		done := "undeleted"
		if deleted {
			done = "deleted"
		}
		http.Redirect(w, r, "/admin/posts/delete?url="+url.QueryEscape(u)+"&done="+done, http.StatusSeeOther)
		return nil
	}
}
