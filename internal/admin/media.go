package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/owner"
)

// Media is the media service as the library uses it; media.Service is one, so a file
// uploaded or deleted here and one sent to the media endpoint are the same change.
type Media interface {
	Upload(ctx context.Context, r io.Reader, declared string) (*media.Upload, error)
	// Delete removes a file unless a live post uses it (*media.InUseError).
	Delete(ctx context.Context, url string) error
	Uploads(ctx context.Context, limit, offset int) ([]*media.Upload, error)
}

// mediaPageSize is how many files a page of the library shows.
const mediaPageSize = 24

// usesShown is how many of the posts using a file the library names.
const usesShown = 5

// MediaLibrary serves /admin/media: the uploads, newest first, a page at a time.
func (s *Server) MediaLibrary() http.Handler { return s.pages.Handle(s.mediaLibrary) }

// UploadMedia stores the file of a multipart form, then shows the library.
func (s *Server) UploadMedia() http.Handler { return s.pages.Handle(s.uploadMedia) }

// DeleteMedia deletes the form's file, unless a post uses it, then shows the library.
func (s *Server) DeleteMedia() http.Handler { return s.pages.Handle(s.deleteMedia) }

type mediaPage struct {
	CSRF  string
	Files []mediaFile
	// Page is the page's number, from 1; Prev and Next the neighbours' links, "" for none.
	Page       int
	Prev, Next string
	Done       string
	// Refused is a delete refused because posts use the file.
	Refused *media.InUseError
	// MaxUpload is the largest file accepted, for the form's hint.
	MaxUpload string
}

type mediaFile struct {
	URL, Type, Size, Date string
	Image                 bool
	ID                    int
	// Posts are the URLs of (at most usesShown of) the posts that use the file.
	Posts []string
}

func (s *Server) mediaLibrary(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.SignedIn(w, r)
	if err != nil || sess == nil {
		return err
	}
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		if page, err = strconv.Atoi(p); err != nil || page < 1 || page > 1<<20 {
			return owner.InvalidRequest("no page %q", p)
		}
	}
	data, err := s.mediaData(r.Context(), sess.CSRF, page)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("done") {
	case "uploaded":
		data.Done = "Uploaded: " + r.URL.Query().Get("url")
	case "deleted":
		data.Done = "Deleted: " + r.URL.Query().Get("url")
	}
	s.pages.Render(w, r, http.StatusOK, "media", data)
	return nil
}

// mediaData reads one page of the library.
func (s *Server) mediaData(ctx context.Context, csrf string, page int) (*mediaPage, error) {
	ups, err := s.cfg.Media.Uploads(ctx, mediaPageSize+1, (page-1)*mediaPageSize)
	if err != nil {
		return nil, err
	}
	data := &mediaPage{CSRF: csrf, Page: page, MaxUpload: humanSize(s.cfg.MaxUpload)}
	if len(ups) > mediaPageSize {
		ups = ups[:mediaPageSize]
		data.Next = "/admin/media?page=" + strconv.Itoa(page+1)
	}
	if page > 1 {
		data.Prev = "/admin/media?page=" + strconv.Itoa(page-1)
	}
	for i, u := range ups {
		posts, err := s.store.PostsReferencing(ctx, u.URL, usesShown)
		if err != nil {
			return nil, err
		}
		data.Files = append(data.Files, mediaFile{URL: u.URL, Type: u.Type, Size: humanSize(u.Size),
			Date: when(u.Published, "-"), Image: isImage(u.Type), ID: i, Posts: posts})
	}
	return data, nil
}

func isImage(typ string) bool {
	return len(typ) > 6 && typ[:6] == "image/"
}

// humanSize is n bytes for people: 512 B, 1.5 KiB, 12.0 MiB.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// uploadMedia reads the form as it arrives: the CSRF token must come before the file (the
// page's form puts it first), so that nothing is stored for a form without it, and the
// file streams into the media store with no copy on the way.
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.Session(r)
	if err != nil {
		return err
	}
	if sess == nil {
		return owner.ErrForbidden
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		// Not a multipart form: it may still be a form with a token (or without).
		if err := r.ParseForm(); err != nil {
			return owner.FormError(err)
		}
		if !sameToken(r.PostFormValue("csrf"), sess.CSRF) {
			return owner.ErrCSRF
		}
		return owner.InvalidRequest("send the file as multipart/form-data")
	}
	checked := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return owner.FormError(err)
		}
		switch part.FormName() {
		case "csrf":
			tok, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return owner.FormError(err)
			}
			if !sameToken(string(tok), sess.CSRF) {
				return owner.ErrCSRF
			}
			checked = true
		case "file":
			if !checked {
				return owner.ErrCSRF
			}
			if part.FileName() == "" {
				return owner.InvalidRequest("choose a file to upload")
			}
			u, err := s.cfg.Media.Upload(r.Context(), part, part.Header.Get("Content-Type"))
			if err != nil {
				return mediaError(err)
			}
			return uploaded(w, r, u.URL)
		}
		part.Close()
	}
	if !checked {
		return owner.ErrCSRF
	}
	return owner.InvalidRequest("choose a file to upload")
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// mediaError gives the media service's refusals their statuses, as the media endpoint
// does.
func mediaError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, media.ErrTooLarge), errors.As(err, &tooBig):
		return owner.Errorf(http.StatusRequestEntityTooLarge, "invalid_request", "%v", err)
	case errors.Is(err, media.ErrType):
		return owner.Errorf(http.StatusUnsupportedMediaType, "invalid_request", "%v", err)
	case errors.Is(err, media.ErrEmpty):
		return owner.InvalidRequest("%v", err)
	case errors.Is(err, media.ErrNoSpace):
		return owner.Errorf(http.StatusInsufficientStorage, "insufficient_storage", "%v", err)
	case errors.Is(err, media.ErrNotFound):
		return owner.Errorf(http.StatusNotFound, "invalid_request", "%v", err)
	}
	return err
}

// deleteMedia deletes a file. A file that posts use is kept, and the library says which
// posts (409 Conflict), for the owner to edit them first.
func (s *Server) deleteMedia(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.owner.CheckForm(r)
	if err != nil {
		return err
	}
	u := r.PostFormValue("url")
	err = s.cfg.Media.Delete(r.Context(), u)
	var inUse *media.InUseError
	if errors.As(err, &inUse) {
		if !wantsHTML(r) {
			return owner.Errorf(http.StatusConflict, "invalid_request", "%v", inUse)
		}
		data, err := s.mediaData(r.Context(), sess.CSRF, 1)
		if err != nil {
			return err
		}
		data.Refused = inUse
		s.pages.Render(w, r, http.StatusConflict, "media", data)
		return nil
	}
	if err != nil {
		return mediaError(err)
	}
	http.Redirect(w, r, "/admin/media?done=deleted&url="+url.QueryEscape(u), http.StatusSeeOther)
	return nil
}

// wantsHTML reports whether a browser sent the request (as owner's error pages decide).
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
