package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// Syndication is what the syndication page needs: the targets, given by flag or stored,
// and the copies posts are waiting for (syndicate.Syndicator, with the store).
type Syndication interface {
	TargetList(ctx context.Context) ([]syndicate.TargetInfo, error)
	AddTarget(ctx context.Context, in syndicate.TargetInput) error
	UpdateTarget(ctx context.Context, in syndicate.TargetInput) error
	RemoveTarget(ctx context.Context, uid string) error
	// TestTarget checks the target's credentials against its service and returns the
	// account they sign in as.
	TestTarget(ctx context.Context, uid string) (account string, err error)
	// Waiting lists the copies posts are waiting for, at most limit posts.
	Waiting(ctx context.Context, limit int) ([]syndicate.Waiting, error)
	// Retry enqueues the job of one post's copy on one target again.
	Retry(ctx context.Context, url, uid string) error
}

// maxWaiting bounds the posts the page lists.
const maxWaiting = 200

// SyndicationPage serves the page of syndication targets and of the copies waiting.
func (s *Server) SyndicationPage() http.Handler { return s.pages.Handle(s.syndicationPage) }

// AddTarget stores a new syndication target from the page's form.
func (s *Server) AddTarget() http.Handler {
	return s.pages.Handle(s.targetForm(func(ctx context.Context, in syndicate.TargetInput) error {
		return s.cfg.Syndication.AddTarget(ctx, in)
	}))
}

// EditTarget changes a stored syndication target.
func (s *Server) EditTarget() http.Handler {
	return s.pages.Handle(s.targetForm(func(ctx context.Context, in syndicate.TargetInput) error {
		return s.cfg.Syndication.UpdateTarget(ctx, in)
	}))
}

// RemoveTarget deletes a stored syndication target.
func (s *Server) RemoveTarget() http.Handler {
	return s.pages.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.owner.CheckForm(r); err != nil {
			return err
		}
		if err := syndicationError(s.cfg.Syndication.RemoveTarget(r.Context(), r.PostFormValue("uid"))); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/syndication", http.StatusSeeOther)
		return nil
	})
}

// TestTarget checks a target's credentials against its service and shows the page
// again, saying what the service answered.
func (s *Server) TestTarget() http.Handler {
	return s.pages.Handle(func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.owner.CheckForm(r)
		if err != nil {
			return err
		}
		uid := r.PostFormValue("uid")
		account, err := s.cfg.Syndication.TestTarget(r.Context(), uid)
		res := &testResult{UID: uid, OK: err == nil}
		switch {
		case errors.Is(err, post.ErrNotFound), errors.Is(err, post.ErrInvalid):
			return syndicationError(err)
		case err != nil:
			// The service's answer, in the publisher's words (it never holds the
			// credential itself).
			res.Text = "The service refused: " + err.Error()
		default:
			res.Text = "It works: signed in as " + account + "."
		}
		return s.renderSyndication(w, r, sess.CSRF, res, "")
	})
}

// RetryCopy enqueues again the job of a post's copy on one target.
func (s *Server) RetryCopy() http.Handler {
	return s.pages.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.owner.CheckForm(r); err != nil {
			return err
		}
		if err := syndicationError(s.cfg.Syndication.Retry(r.Context(), r.PostFormValue("url"), r.PostFormValue("uid"))); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/syndication?retried="+url.QueryEscape(r.PostFormValue("uid")), http.StatusSeeOther)
		return nil
	})
}

type syndicationPage struct {
	CSRF    string
	Targets []targetRow
	Waiting []waitingRow
	Test    *testResult
	Edit    *syndicate.StoredTarget
	Notice  string
}

type targetRow struct {
	syndicate.TargetInfo
	Service, Where string
}

type waitingRow struct {
	syndicate.Waiting
	Title, When string
	// Retry offers the Retry button: a copy failed for good, or never tried.
	Retry bool
}

type testResult struct {
	UID, Text string
	OK        bool
}

func (s *Server) syndicationPage(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	var notice string
	if uid := r.URL.Query().Get("retried"); uid != "" {
		notice = "Sent to " + uid + " again."
	}
	return s.renderSyndication(w, r, sess.CSRF, nil, notice)
}

func (s *Server) renderSyndication(w http.ResponseWriter, r *http.Request, csrf string, res *testResult, notice string) error {
	infos, err := s.cfg.Syndication.TargetList(r.Context())
	if err != nil {
		return err
	}
	waiting, err := s.cfg.Syndication.Waiting(r.Context(), maxWaiting)
	if err != nil {
		return err
	}
	page := syndicationPage{CSRF: csrf, Test: res, Notice: notice}
	edit := r.URL.Query().Get("edit")
	for _, t := range infos {
		row := targetRow{TargetInfo: t, Where: "flag"}
		if t.Publisher != nil {
			row.Service = t.Publisher.Service().Name
		}
		if st := t.Stored; st != nil {
			row.Where, row.Service = "stored", st.Service
			if st.UID == edit && !t.Shadowed {
				page.Edit = st
			}
		}
		page.Targets = append(page.Targets, row)
	}
	for _, wt := range waiting {
		title := wt.Post.Item.First("name")
		if title == "" {
			title = wt.Post.URL
		}
		page.Waiting = append(page.Waiting, waitingRow{Waiting: wt, Title: title, When: when(wt.Copy.Updated, "-"),
			Retry: wt.Copy.Status == post.CopyFailed || wt.Copy.Status == post.CopyPending})
	}
	s.pages.Render(w, r, http.StatusOK, "syndication", page)
	return nil
}

// targetForm reads the add and edit forms into a TargetInput and runs fn with it.
func (s *Server) targetForm(fn func(context.Context, syndicate.TargetInput) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.owner.CheckForm(r); err != nil {
			return err
		}
		in := syndicate.TargetInput{
			UID: r.PostFormValue("uid"), Name: r.PostFormValue("name"), Service: r.PostFormValue("service"),
			Server: r.PostFormValue("server"), Handle: r.PostFormValue("handle"),
			Always: r.PostFormValue("always") != "", Credential: r.PostFormValue("credential"),
		}
		if err := syndicationError(fn(r.Context(), in)); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/syndication", http.StatusSeeOther)
		return nil
	}
}

// syndicationError turns what the owner can fix into 4xx pages.
func syndicationError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, post.ErrInvalid):
		return owner.InvalidRequest("%v", err)
	case errors.Is(err, post.ErrExists):
		return owner.Errorf(http.StatusConflict, "invalid_request", "%v", err)
	case errors.Is(err, post.ErrNotFound):
		return owner.Errorf(http.StatusNotFound, "invalid_request", "%v", err)
	case errors.Is(err, syndicate.ErrNoSecretKey):
		return owner.Errorf(http.StatusServiceUnavailable, "temporarily_unavailable", "%v", err)
	}
	return err
}
