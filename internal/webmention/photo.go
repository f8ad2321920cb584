package webmention

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// Photos keeps the images of other sites that the owner's pages show (the photos of
// webmentions' authors and of reply contexts' authors), so that the pages serve them from
// the site's own media store and never load a third-party image: media.Service.Keep.
type Photos interface {
	// Keep stores an image of at most max bytes read from r and returns its URL on this
	// site; an error (not an image, too large) leaves nothing stored.
	Keep(ctx context.Context, r io.Reader, max int64) (string, error)
}

// DefaultMaxPhoto is the largest author photo kept: 1 MiB.
const DefaultMaxPhoto = 1 << 20

// photoKeeper fetches photos through the guarded client and keeps them in the media store.
type photoKeeper struct {
	client *http.Client
	photos Photos
	max    int64
	logger *slog.Logger
}

// keep fetches the image at u (once: the caller stores the URL it returns) and keeps it,
// returning its URL on this site. Anything that goes wrong (no store, not an http(s) URL,
// the fetch failing, not an image, over max bytes) leaves no photo: "", and a line in the
// log, since the response it belongs to shows all the same.
func (k photoKeeper) keep(ctx context.Context, u string) string {
	if k.photos == nil || absoluteHTTP(u) == "" {
		return ""
	}
	local, err := k.fetch(ctx, u)
	if err != nil {
		k.logger.InfoContext(ctx, "author photo not kept", "url", u, "err", err)
		return ""
	}
	return local
}

func (k photoKeeper) fetch(ctx context.Context, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "image/avif, image/webp, image/png, image/jpeg, image/gif;q=0.9")
	resp, err := k.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("answered %s", resp.Status)
	}
	if resp.ContentLength > k.max {
		return "", fmt.Errorf("%d bytes, over %d", resp.ContentLength, k.max)
	}
	return k.photos.Keep(ctx, resp.Body, k.max)
}
