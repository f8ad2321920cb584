package owner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/indiepub/indiepub/internal/token"
)

func (s *Service) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"))
	if s.IsOwner(r) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	_, err := s.store.OwnerPassword(r.Context())
	noPassword := errors.Is(err, ErrNoPassword)
	if err != nil && !noPassword {
		return err
	}
	s.pages.Render(w, r, http.StatusOK, "login", loginPage{
		CSRF: s.preSessionCSRF(w, r), Next: next, NoPassword: noPassword,
	})
	return nil
}

func (s *Service) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := checkPreSessionCSRF(r); err != nil {
		return err
	}
	next := localPath(r.PostFormValue("next"))
	hash, err := s.store.OwnerPassword(r.Context())
	if errors.Is(err, ErrNoPassword) {
		return InvalidRequest("no password is set yet: use the setup link from the log, or run `indiepub passwd`")
	}
	if err != nil {
		return err
	}
	ip := clientAddr(r, s.cfg.TrustedProxies)
	now := s.cfg.Now()
	attempt, retry, err := s.store.SignInAttempt(r.Context(), ip, now,
		SignInLimit{Window: loginWindow, PerAddr: maxFailuresPerIP, Overall: maxFailuresGlobal})
	if err != nil {
		return err
	}
	if attempt == 0 {
		wait := retry.Sub(now)
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		return Errorf(http.StatusTooManyRequests, "temporarily_unavailable",
			"too many failed sign-in attempts; try again in %d minutes", int(wait.Minutes())+1)
	}
	var ok bool
	ran := s.checks.check(r.Context(), func() { ok, err = CheckPassword(hash, r.PostFormValue("password")) })
	if !ran || err != nil {
		// The password was not checked: the attempt does not count.
		if ferr := s.store.ForgetSignInAttempt(context.WithoutCancel(r.Context()), attempt); ferr != nil {
			return ferr
		}
	}
	if !ran {
		w.Header().Set("Retry-After", "5")
		return Errorf(http.StatusTooManyRequests, "temporarily_unavailable",
			"too many sign-in attempts at once; try again in a few seconds")
	}
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	if !ok {
		s.pages.Render(w, r, http.StatusUnauthorized, "login", loginPage{
			CSRF: s.preSessionCSRF(w, r), Next: next, Failed: true,
		})
		return nil
	}
	if err := s.store.SignInSucceeded(r.Context(), ip, attempt); err != nil {
		return err
	}
	if err := s.startSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Service) logout(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.CheckForm(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSession(r.Context(), sess.Hash); err != nil {
		return err
	}
	s.setCookie(w, sessionCookie, "", -time.Second)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Service) setupPage(w http.ResponseWriter, r *http.Request) error {
	raw := r.URL.Query().Get("token")
	ok, err := s.store.SetupTokenValid(r.Context(), token.Hash(raw), s.cfg.Now())
	if err != nil {
		return err
	}
	if raw == "" || !ok {
		return Errorf(http.StatusNotFound, "invalid_request",
			"this setup link is unknown, used or expired; restart indiepub for a new one, or run `indiepub passwd`")
	}
	s.pages.Render(w, r, http.StatusOK, "setup", setupPage{CSRF: s.preSessionCSRF(w, r), Token: raw})
	return nil
}

func (s *Service) setup(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := checkPreSessionCSRF(r); err != nil {
		return err
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("confirm") {
		return InvalidRequest("the two passwords differ")
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return InvalidRequest("%v", err)
	}
	err = s.store.UseSetupToken(r.Context(), token.Hash(r.PostFormValue("token")), hash, s.cfg.Now())
	if errors.Is(err, token.ErrNotFound) {
		return Errorf(http.StatusNotFound, "invalid_request", "this setup link is unknown, used or expired")
	}
	if err != nil {
		return err
	}
	if s.cfg.SetupLinkFile != "" {
		// The link is used: its file goes (another instance's, on a shared store, stays).
		if err := os.Remove(s.cfg.SetupLinkFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.cfg.Logger.WarnContext(r.Context(), "remove the used setup link", "err", err)
		}
	}
	if err := s.startSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}
