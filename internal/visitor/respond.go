package visitor

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// responses maps the response forms' kinds to the Micropub property that names the post
// (Post Type Discovery reads them back as reply, like, repost and bookmark).
var responses = map[string]string{
	"reply":    "in-reply-to",
	"like":     "like-of",
	"repost":   "repost-of",
	"bookmark": "bookmark-of",
}

// maxReplyText bounds a reply's text.
const maxReplyText = 10000

// Respond publishes a response to one of the site's posts on the visitor's own site: a
// form-encoded Micropub create (W3C Micropub §3.3) at their endpoint with their token,
// whose property ("in-reply-to", "like-of", "repost-of" or "bookmark-of") is the post's
// URL. The form carries the visitor cookie's CSRF token. Their site then sends the
// webmention that brings the response back under the post.
func (v *Service) Respond() http.Handler { return v.handle(v.respond) }

func (v *Service) respond(w http.ResponseWriter, r *http.Request) error {
	target := r.PostFormValue("url")
	back := v.back(target)
	if back != target || target == v.cfg.URL {
		return withBack(fmt.Errorf("%w: %q is not a post of this site", errInvalid, target), back)
	}
	s := FromContext(r.Context())
	if s == nil {
		return withBack(errSignInAgain, back)
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) != 1 {
		return withBack(errCSRF, back)
	}
	kind := r.PostFormValue("kind")
	prop, ok := responses[kind]
	if !ok {
		return withBack(fmt.Errorf("%w: unknown response %q", errInvalid, kind), back)
	}
	form := url.Values{"h": {"entry"}, prop: {target}}
	if kind == "reply" {
		text := strings.TrimSpace(r.PostFormValue("content"))
		if text == "" || len(text) > maxReplyText {
			return withBack(fmt.Errorf("%w: a reply needs text, at most %d bytes", errInvalid, maxReplyText), back)
		}
		form.Set("content", text)
	}
	if s.Token == "" || s.Micropub == "" {
		return withBack(errCannotPost, back)
	}
	location, err := v.create(r, s, form)
	if errors.Is(err, errTokenRefused) {
		v.clearCookie(w, sessionCookie) // the token is dead: the sign-in is over
	}
	if err != nil {
		return withBack(err, back)
	}
	v.cfg.Show(w, r, Notice{Status: http.StatusOK, Title: "Posted on your site",
		Message: "Your " + kind + " is on your site. When your site sends its webmention, it appears under the post.",
		Links:   []Link{{Label: location, URL: location}, {Label: "Back to the post", URL: target}}})
	return nil
}

// create sends the Micropub create and returns the Location of the new post.
func (v *Service) create(r *http.Request, s *Session, form url.Values) (string, error) {
	var reply struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	status, location, err := v.postMicropub(r, s, form, &reply)
	switch {
	case err != nil:
		return "", err
	case (status == http.StatusUnauthorized || status == http.StatusForbidden) && reply.Error != "insufficient_scope":
		// Micropub §3.8: no valid token (401 unauthorized, 403 forbidden for one that is
		// unknown, revoked or expired): the sign-in is over.
		return "", fmt.Errorf("%w: %w: %s", errSignInAgain, errTokenRefused, firstOf(reply.Description, reply.Error, http.StatusText(status)))
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "", fmt.Errorf("%w: %s", errSignInAgain, firstOf(reply.Description, reply.Error, http.StatusText(status)))
	case status >= 300:
		return "", &remoteError{status: status, msg: firstOf(reply.Description, reply.Error, http.StatusText(status))}
	case !httpURL(location):
		return "", &remoteError{status: status, msg: "it answered without the new post's address (Location)"}
	}
	return location, nil
}

func (v *Service) postMicropub(r *http.Request, s *Session, form url.Values, reply any) (int, string, error) {
	var location string
	status, err := v.postFormHeader(r.Context(), s.Micropub, s.Token, form, reply, &location)
	return status, location, err
}
