package authserver

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/token"
)

// appTokens are the live tokens of one client, for the owner's token page.
type appTokens struct {
	ClientID string
	Name     string
	Tokens   []tokenRow
}

type tokenRow struct {
	ID                        int64
	Scope                     string
	Issued, LastUsed, Expires string
}

// adminTokens is the owner's page of live tokens, grouped by app, and of the apps allowed
// to sign in without PKCE.
func (s *Server) adminTokens(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.session(r)
	if err != nil {
		return err
	}
	if sess == nil {
		redirectToLogin(w, r)
		return nil
	}
	tokens, err := s.store.ListTokens(r.Context())
	if err != nil {
		return err
	}
	exemptions, err := s.store.ListPKCEExemptions(r.Context())
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	var apps []*appTokens
	byClient := map[string]*appTokens{}
	for _, t := range tokens {
		if t.Expired(now) {
			continue
		}
		a := byClient[t.ClientID]
		if a == nil {
			a = &appTokens{ClientID: t.ClientID, Name: t.ClientName}
			if a.Name == "" {
				a.Name = orDash(hostOf(t.ClientID))
			}
			byClient[t.ClientID] = a
			apps = append(apps, a)
		}
		a.Tokens = append(a.Tokens, tokenRow{
			ID: t.ID, Scope: strings.Join(t.Scope, " "),
			Issued: when(t.Issued, "-"), LastUsed: when(t.LastUsed, "never"), Expires: when(t.Expires, "never"),
		})
	}
	sort.SliceStable(apps, func(i, j int) bool { return strings.ToLower(apps[i].Name) < strings.ToLower(apps[j].Name) })
	renderPage(w, r, http.StatusOK, "tokens", tokensPage{CSRF: sess.CSRF, Apps: apps, Exemptions: exemptions, Me: s.cfg.URL})
	return nil
}

func (s *Server) adminRevoke(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ownerForm(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		return invalidRequest("bad token id %q", r.PostFormValue("id"))
	}
	// A token revoked a moment ago (in another tab) is what the owner wanted anyway.
	if err := s.store.RevokeToken(r.Context(), id); err != nil && !errors.Is(err, token.ErrNotFound) {
		return err
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}

func (s *Server) adminRevokeClient(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ownerForm(r); err != nil {
		return err
	}
	if _, err := s.store.RevokeClientTokens(r.Context(), r.PostFormValue("client_id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}

func (s *Server) adminWithdrawPKCE(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.ownerForm(r); err != nil {
		return err
	}
	if err := s.store.RemovePKCEExemption(r.Context(), r.PostFormValue("client_id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}

func when(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
