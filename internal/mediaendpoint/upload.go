package mediaendpoint

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// formOverhead is what an upload's body may hold besides the file: boundaries, part
// headers and small fields such as Sunlit's mp-destination.
const formOverhead = 1 << 20

// upload streams the multipart part named "file" into the store, reading the body once:
// no form parser buffers it first.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) error {
	if err := requireScope(r, "media", "create"); err != nil {
		return err
	}
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	boundary := params["boundary"]
	if boundary == "" {
		return fmt.Errorf("%w: multipart body without a boundary", errBadRequest)
	}
	limit := h.media.MaxSize() + formOverhead
	if r.ContentLength > limit {
		return &http.MaxBytesError{Limit: h.media.MaxSize()}
	}
	body := &countingReader{r: r.Body}
	mr := newMultipartReader(http.MaxBytesReader(w, body, limit), boundary)
	defer mr.release()
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return errNoFile
		}
		if err != nil {
			return err
		}
		if p.name != "file" {
			continue // mp-destination and the like: the next NextPart skips them
		}
		head := make([]byte, media.HeadSize)
		n, err := io.ReadFull(p, head)
		switch {
		case err == nil && p.err == nil && h.canReceiveRaw(r):
			// Refused now, the answer goes through net/http, which knows how to close a
			// connection with most of the body unread.
			if err := h.media.Check(head, p.Header.Get("Content-Type")); err != nil {
				return err
			}
			if h.uploadRaw(w, r, mr, p, head, body.n) {
				return nil
			}
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			err = nil // a file shorter than its head
		case err != nil:
			return err
		}
		content := io.MultiReader(bytes.NewReader(head[:n]), p)
		u, err := h.media.Upload(r.Context(), content, p.Header.Get("Content-Type"))
		if err != nil {
			return err
		}
		w.Header().Set("Location", u.URL)
		writeJSON(w, http.StatusCreated, map[string]string{"url": u.URL})
		return nil
	}
}

// action runs a form-encoded action; the one the media endpoint knows is delete.
func (h *Handler) action(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	switch action := r.PostForm.Get("action"); action {
	case "delete":
		if err := requireScope(r, "delete"); err != nil {
			return err
		}
		url := r.PostForm.Get("url")
		if url == "" {
			return fmt.Errorf("%w: delete needs the url of the upload", errBadRequest)
		}
		if err := h.media.Delete(r.Context(), url); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	case "":
		return fmt.Errorf("%w: no action and no file", errBadRequest)
	default:
		return fmt.Errorf("%w: unknown action %q", errBadRequest, action)
	}
}

// item is an upload as q=last and q=source show it.
type item struct {
	URL       string `json:"url"`
	Type      string `json:"type"`
	Size      int64  `json:"size"`
	Published string `json:"published"`
}

func newItem(u *media.Upload) item {
	return item{URL: u.URL, Type: u.Type, Size: u.Size, Published: u.Published.UTC().Format(time.RFC3339)}
}

// Query limits for q=source.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// query answers q=last (the latest upload, {} if none) and q=source (uploads newest
// first, or one by url).
func (h *Handler) query(w http.ResponseWriter, r *http.Request) error {
	if err := requireScope(r, "media", "create"); err != nil {
		return err
	}
	q := r.URL.Query()
	switch q.Get("q") {
	case "last":
		list, err := h.media.Uploads(r.Context(), 1, 0)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			writeJSON(w, http.StatusOK, struct{}{})
			return nil
		}
		writeJSON(w, http.StatusOK, newItem(list[0]))
		return nil
	case "source":
		return h.source(w, r)
	case "":
		return fmt.Errorf("%w: missing q", errBadRequest)
	}
	return fmt.Errorf("%w: unknown query %q", errBadRequest, q.Get("q"))
}

func (h *Handler) source(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if url := q.Get("url"); url != "" {
		u, err := h.media.Lookup(r.Context(), url)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newItem(u))
		return nil
	}
	limit, err := intParam(q.Get("limit"), defaultLimit)
	if err != nil {
		return err
	}
	offset, err := intParam(q.Get("offset"), 0)
	if err != nil {
		return err
	}
	list, err := h.media.Uploads(r.Context(), min(limit, maxLimit), offset)
	if err != nil {
		return err
	}
	items := make([]item, 0, len(list))
	for _, u := range list {
		items = append(items, newItem(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func intParam(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %q is not a count", errBadRequest, s)
	}
	return n, nil
}
