package mediaendpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/post"
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
	limit := h.store.MaxSize() + formOverhead
	if r.ContentLength > limit {
		return &http.MaxBytesError{Limit: h.store.MaxSize()}
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
			if err := h.store.Check(head, p.Header.Get("Content-Type")); err != nil {
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
		u, err := h.save(r.Context(), content, p.Header.Get("Content-Type"))
		if err != nil {
			return err
		}
		w.Header().Set("Location", u.URL)
		writeJSON(w, http.StatusCreated, map[string]string{"url": u.URL})
		return nil
	}
}

// Save stores a file sent to the Micropub endpoint itself (Sunlit and Micropublish do so
// when they know no media endpoint; Quill and IndiePass send photo parts) and returns
// the same URL an upload of the same bytes to the media endpoint gets. The file's name
// plays no part: the type and extension come from the bytes. It implements
// micropub.MediaSaver.
func (h *Handler) Save(ctx context.Context, r io.Reader, filename, contentType string) (string, error) {
	u, err := h.save(ctx, r, contentType)
	switch {
	case errors.Is(err, media.ErrTooLarge):
		return "", fmt.Errorf("%s: %w", filename, &http.MaxBytesError{Limit: h.store.MaxSize()})
	case errors.Is(err, media.ErrType), errors.Is(err, media.ErrEmpty), errors.Is(err, errMalformed):
		return "", fmt.Errorf("%w: %s: %w", post.ErrInvalid, filename, err)
	case errors.Is(err, media.ErrNoSpace):
		return "", fmt.Errorf("%w: %s: %w", post.ErrNoSpace, filename, err)
	case err != nil:
		return "", err
	}
	return u.URL, nil
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
		if err := h.delete(r.Context(), url); err != nil {
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

// delete removes an upload unless a live post still references it.
func (h *Handler) delete(ctx context.Context, url string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	u, err := h.records.Upload(ctx, url)
	if err != nil {
		return err
	}
	posts, err := h.records.PostsReferencing(ctx, url, 20)
	if err != nil {
		return err
	}
	if len(posts) > 0 {
		return &InUseError{URL: url, Posts: posts}
	}
	if err := h.records.DeleteUpload(ctx, url); err != nil {
		return err
	}
	if err := h.store.Remove(u.Path); err != nil && !errors.Is(err, media.ErrNotFound) {
		// The record is gone; a file left behind is harmless and served as before.
		slog.WarnContext(ctx, "remove media file", "path", u.Path, "err", err)
	}
	slog.InfoContext(ctx, "media deleted", "url", url)
	return nil
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
		list, err := h.records.Uploads(r.Context(), 1, 0)
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
		u, err := h.records.Upload(r.Context(), url)
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
	list, err := h.records.Uploads(r.Context(), min(limit, maxLimit), offset)
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
