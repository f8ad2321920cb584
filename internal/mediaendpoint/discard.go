package mediaendpoint

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/indiepub/indiepub/internal/media"
)

// clockSlack allows for file times coming from the kernel's coarse clock, which may lag
// time.Now by a tick.
const clockSlack = 50 * time.Millisecond

// Discard forgets a file that the Micropub endpoint saved (see Save) for a request that
// then failed, such as a create refused after its photo part was stored: its record goes,
// so q=last and q=source stop offering it, and so does the file. It implements
// micropub.MediaSaver.
//
// since is when that request began. Bytes stored already before it (the file is older)
// were handed out earlier, by an upload of the same bytes, and are kept with their
// record; so is an upload a live post references.
func (h *Handler) Discard(ctx context.Context, url string, since time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	u, err := h.records.Upload(ctx, url)
	if errors.Is(err, media.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if fresh, err := h.storedSince(u.Path, since); err != nil || !fresh {
		return err
	}
	posts, err := h.records.PostsReferencing(ctx, url, 1)
	if err != nil || len(posts) > 0 {
		return err
	}
	if err := h.records.DeleteUpload(ctx, url); err != nil && !errors.Is(err, media.ErrNotFound) {
		return err
	}
	if err := h.store.Remove(u.Path); err != nil && !errors.Is(err, media.ErrNotFound) {
		// The record is gone, so nothing offers the file; left behind it is harmless.
		slog.WarnContext(ctx, "remove media file", "path", u.Path, "err", err)
	}
	slog.InfoContext(ctx, "media discarded", "url", url)
	return nil
}

// storedSince reports whether the file at path was written at or after since. A file
// that is already gone counts as fresh, so that its record goes too.
func (h *Handler) storedSince(path string, since time.Time) (bool, error) {
	f, _, err := h.store.Open(path)
	if errors.Is(err, media.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	return !fi.ModTime().Before(since.Add(-clockSlack)), nil
}
