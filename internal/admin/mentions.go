package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/webmention"
)

// Mentions serves the page of webmentions received (those waiting for the owner, and the
// latest of every status) and sent (per post, each target's latest outcome).
func (s *Server) Mentions() http.Handler { return s.pages.Handle(s.mentions) }

// ApproveMention shows one held webmention and makes its source's host known.
func (s *Server) ApproveMention() http.Handler {
	return s.pages.Handle(s.mentionAction(func(r *http.Request, id int64) error {
		_, err := webmention.Approve(r.Context(), s.store, id, s.cfg.Now())
		return err
	}))
}

// DeleteMention removes one webmention from the site.
func (s *Server) DeleteMention() http.Handler {
	return s.pages.Handle(s.mentionAction(func(r *http.Request, id int64) error {
		_, err := webmention.Delete(r.Context(), s.store, id, s.cfg.Now())
		return err
	}))
}

// BlockDomain rejects every webmention from one host, now and to come.
func (s *Server) BlockDomain() http.Handler {
	return s.pages.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.owner.CheckForm(r); err != nil {
			return err
		}
		if _, err := webmention.Block(r.Context(), s.store, r.PostFormValue("domain"), s.cfg.Now()); err != nil {
			return owner.InvalidRequest("block %q: %v", r.PostFormValue("domain"), err)
		}
		http.Redirect(w, r, "/admin/mentions", http.StatusSeeOther)
		return nil
	})
}

// SentStore is what the page needs of the webmentions sent from the owner's posts.
type SentStore interface {
	// RecentlySent returns the latest outcome per post and target, newest first.
	RecentlySent(ctx context.Context, limit int) ([]webmention.Sent, error)
}

type mentionsPage struct {
	CSRF         string
	Held, Recent []mentionRow
	Sent         []sentPost
}

// sentPost is one post's webmentions sent, as the page lists them: newest first, the
// post that sent the latest at the top.
type sentPost struct {
	Source string
	Sends  []sentRow
	Failed int
}

type sentRow struct {
	webmention.Sent
	When string
}

// maxSentShown bounds the outcomes the page lists.
const maxSentShown = 200

// sentByPost groups outcomes (newest first) by post, keeping that order.
func sentByPost(sent []webmention.Sent) []sentPost {
	var out []sentPost
	at := map[string]int{}
	for _, s := range sent {
		i, ok := at[s.Source]
		if !ok {
			i = len(out)
			at[s.Source] = i
			out = append(out, sentPost{Source: s.Source})
		}
		out[i].Sends = append(out[i].Sends, sentRow{Sent: s, When: when(s.At, "-")})
		if s.Status == webmention.StatusFailed {
			out[i].Failed++
		}
	}
	return out
}

type mentionRow struct {
	*webmention.Mention
	Host, When string
}

func (s *Server) mentions(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	held, err := s.store.Mentions(r.Context(), webmention.MentionQuery{Held: true, Limit: 200})
	if err != nil {
		return err
	}
	recent, err := s.store.Mentions(r.Context(), webmention.MentionQuery{Limit: 100})
	if err != nil {
		return err
	}
	sent, err := s.store.RecentlySent(r.Context(), maxSentShown)
	if err != nil {
		return err
	}
	s.pages.Render(w, r, http.StatusOK, "mentions", mentionsPage{CSRF: sess.CSRF, Held: rows(held), Recent: rows(recent),
		Sent: sentByPost(sent)})
	return nil
}

func rows(ms []*webmention.Mention) []mentionRow {
	out := make([]mentionRow, len(ms))
	for i, m := range ms {
		out[i] = mentionRow{Mention: m, Host: webmention.SourceHost(m.Source), When: when(m.Created, "-")}
	}
	return out
}

// mentionAction checks the form's CSRF token, reads the mention's id and runs fn.
func (s *Server) mentionAction(fn func(r *http.Request, id int64) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.owner.CheckForm(r); err != nil {
			return err
		}
		id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		if err != nil {
			return owner.InvalidRequest("bad webmention id %q", r.PostFormValue("id"))
		}
		if err := fn(r, id); errors.Is(err, webmention.ErrNoMention) {
			return owner.InvalidRequest("no webmention %d", id)
		} else if err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/mentions", http.StatusSeeOther)
		return nil
	}
}
