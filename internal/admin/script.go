package admin

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ScriptPath is where the studio's script is served, the only script the owner's pages
// may run (owner.PageConfig.Script).
const ScriptPath = "/admin/studio.js"

//go:embed static/studio.js
var studioJS []byte

// scriptETag names the script's content, so that a browser revalidates it cheaply.
var scriptETag = func() string {
	sum := sha256.Sum256(studioJS)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}()

// Script serves the studio's script to the owner: the live preview, drag-and-drop and
// the upload progress of the write form (static/studio.js).
func (s *Server) Script() http.Handler {
	return s.pages.Handle(func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.owner.SignedIn(w, r)
		if err != nil || sess == nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "private, no-cache")
		h.Set("ETag", scriptETag)
		http.ServeContent(w, r, "studio.js", time.Time{}, bytes.NewReader(studioJS))
		return nil
	})
}

// Preview renders the write form's text as the post's page will show it, for the
// script's live preview: JSON {"html": …}.
func (s *Server) Preview() http.Handler { return s.pages.Handle(s.preview) }

func (s *Server) preview(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Studio.MaxBody)
	if _, err := s.owner.CheckForm(r); err != nil {
		return err
	}
	values := url.Values{"h": {"entry"}}
	if c := r.PostFormValue("content"); strings.TrimSpace(c) != "" {
		values.Set("content", c)
	}
	// As micropubFields does: a title makes an article of what is not a note, like or
	// repost.
	if n := strings.TrimSpace(r.PostFormValue("name")); n != "" {
		switch r.PostFormValue("kind") {
		case "note", "like", "repost":
		default:
			values.Set("name", n)
		}
	}
	var html template.HTML
	if p, err := previewPost(values, s.cfg.Now()); err == nil && s.cfg.Studio.Preview != nil {
		html = template.HTML(s.cfg.Studio.Preview(p))
	}
	return writeJSON(w, http.StatusOK, map[string]string{"html": string(html)})
}

// uploaded answers a stored upload: the script (Accept: application/json) gets 201
// with the file's URL, as the media endpoint answers; a browser's form goes back to the
// library, which says so.
func uploaded(w http.ResponseWriter, r *http.Request, fileURL string) error {
	if strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Location", fileURL)
		return writeJSON(w, http.StatusCreated, map[string]string{"url": fileURL})
	}
	http.Redirect(w, r, "/admin/media?done=uploaded&url="+url.QueryEscape(fileURL), http.StatusSeeOther)
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}
