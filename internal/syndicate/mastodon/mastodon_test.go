package mastodon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon/mastodontest"
)

const site = "https://jane.example"

// newPost builds a post as the store holds it, from Micropub JSON properties.
func newPost(t *testing.T, slug string, props map[string][]any) *post.Post {
	t.Helper()
	p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: props}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Slug, p.URL = slug, site+"/notes/"+slug
	return p
}

func start(t *testing.T) (*mastodontest.Server, *mastodon.Publisher) {
	t.Helper()
	srv := mastodontest.New()
	t.Cleanup(srv.Close)
	pub, err := mastodon.New(mastodon.Config{Server: srv.URL, Token: mastodontest.Token, Client: &http.Client{Timeout: 10 * time.Second}, PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, pub
}

// files is a media store of the owner's photos by URL.
func files(t *testing.T, n int) (syndicate.MediaOpener, []string) {
	t.Helper()
	m := map[string][]byte{}
	var urls []string
	for i := range n {
		u := fmt.Sprintf("%s/media/%d.png", site, i)
		m[u] = mediatest.Image(t, "png", i)
		urls = append(urls, u)
	}
	return func(ctx context.Context, u string) (io.ReadCloser, string, error) {
		data, ok := m[u]
		if !ok {
			return nil, "", post.ErrNotFound
		}
		return io.NopCloser(bytes.NewReader(data)), "image/png", nil
	}, urls
}

func only(t *testing.T, srv *mastodontest.Server) mastodontest.Status {
	t.Helper()
	sts := srv.Statuses()
	if len(sts) != 1 {
		t.Fatalf("statuses: %d, want 1: %+v", len(sts), sts)
	}
	return sts[0]
}

func TestNote(t *testing.T) {
	srv, pub := start(t)
	p := newPost(t, "hello", map[string][]any{"content": {"Hello, fediverse"}, "category": {"indieweb", "coffee shops"}})
	got, err := pub.Publish(context.Background(), p, "", "job-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	st := only(t, srv)
	if want := srv.URL + "/@alice/" + st.ID; got != want {
		t.Errorf("URL %q, want %q", got, want)
	}
	if want := "Hello, fediverse\n\n#indieweb #CoffeeShops"; st.Text != want {
		t.Errorf("text %q, want %q", st.Text, want)
	}
	if st.Visibility != "public" {
		t.Errorf("visibility %q", st.Visibility)
	}
	var create mastodontest.Request
	for _, r := range srv.Requests() {
		if r.Path == "/api/v1/statuses" {
			create = r
		}
	}
	if k := create.Header.Get("Idempotency-Key"); k != "job-1" {
		t.Errorf("Idempotency-Key %q, want job-1", k)
	}
}

func TestLongNoteIsCutWithLinkBack(t *testing.T) {
	srv, pub := start(t)
	srv.SetLimits(100, 4, 16<<20)
	text := strings.Repeat("word ", 60) + "https://example.com/a/very/long/path/that/counts/as/twenty/three/characters end"
	p := newPost(t, "long", map[string][]any{"content": {text}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	st := only(t, srv)
	if n := mastodontest.CountCharacters(st.Text); n > 100 {
		t.Errorf("%d characters, want at most 100: %q", n, st.Text)
	}
	if !strings.HasSuffix(st.Text, "…\n\n"+p.URL) {
		t.Errorf("text %q does not end with the ellipsis and the link back", st.Text)
	}
	// The instance is read once, not for every status.
	if _, err := pub.Publish(context.Background(), p, "", "k2", nil); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/api/v2/instance" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("GET /api/v2/instance %d times, want 1", n)
	}
}

func TestGraphemeHeavyTextIsCut(t *testing.T) {
	srv, pub := start(t)
	// Family emoji (ZWJ sequences), flags, CJK and combining marks: each unit is 6
	// clusters, however many code points and bytes.
	unit := "👩‍👩‍👧‍👦🇫🇷漢字e\u0301 "
	p := newPost(t, "emoji", map[string][]any{"content": {strings.Repeat(unit, 100)}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	st := only(t, srv)
	if n := mastodontest.CountCharacters(st.Text); n > 500 || n < 450 {
		t.Errorf("%d characters, want close to 500 and not over: %q", n, st.Text)
	}
	if !strings.HasPrefix(st.Text, strings.Repeat(unit, 70)) || !strings.HasSuffix(st.Text, "…\n\n"+p.URL) {
		t.Errorf("text %q: want the post's units whole, an ellipsis and the link back", st.Text)
	}
}

func TestURLsCountAs23(t *testing.T) {
	srv, pub := start(t)
	srv.SetLimits(60, 4, 16<<20)
	// 30 characters of text and a 70-character URL: 30+1+23 = 54, which fits.
	text := strings.Repeat("a", 30) + " https://example.com/" + strings.Repeat("p", 50)
	p := newPost(t, "u", map[string][]any{"content": {text}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	if st := only(t, srv); st.Text != text {
		t.Errorf("text %q was cut, want it whole", st.Text)
	}
}

func TestBookmarkAndVisibility(t *testing.T) {
	srv, pub := start(t)
	p := newPost(t, "bm", map[string][]any{"bookmark-of": {"https://blog.example/post"}, "content": {"Worth reading"}, "visibility": {"unlisted"}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	if st := only(t, srv); st.Text != "Worth reading\n\nhttps://blog.example/post" || st.Visibility != "unlisted" {
		t.Errorf("bookmark: text %q visibility %q", st.Text, st.Visibility)
	}
}

func TestArticle(t *testing.T) {
	srv, pub := start(t)
	p := newPost(t, "essay", map[string][]any{"name": {"On owning your words"}, "content": {map[string]any{"html": "<p>Long <b>text</b>…</p>"}}})
	if p.Type != "article" {
		t.Fatalf("type %q", p.Type)
	}
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	if st, want := only(t, srv), "On owning your words\n\n"+p.URL; st.Text != want {
		t.Errorf("text %q, want %q", st.Text, want)
	}
}

func TestPhotos(t *testing.T) {
	srv, pub := start(t)
	open, urls := files(t, 5)
	var photos []any
	for i, u := range urls {
		photos = append(photos, map[string]any{"value": u, "alt": fmt.Sprintf("photo %d", i)})
	}
	p := newPost(t, "pics", map[string][]any{"content": {"Five photos"}, "photo": photos})
	if _, err := pub.Publish(context.Background(), p, "", "k", open); err != nil {
		t.Fatal(err)
	}
	st := only(t, srv)
	if len(st.MediaIDs) != 4 {
		t.Fatalf("media %v, want 4 (the server's limit)", st.MediaIDs)
	}
	for i, id := range st.MediaIDs {
		m, _ := srv.Media(id)
		if want := fmt.Sprintf("photo %d", i); m.Description != want || m.ContentType != "image/png" {
			t.Errorf("media %d: description %q type %q, want %q image/png", i, m.Description, m.ContentType, want)
		}
	}
}

func TestPhotoOnlyWhileProcessing(t *testing.T) {
	srv, pub := start(t)
	srv.ProcessMedia(2) // 202, then two 206 and a 200 with the url
	open, urls := files(t, 1)
	p := newPost(t, "pic", map[string][]any{"photo": {urls[0]}})
	if _, err := pub.Publish(context.Background(), p, "", "k", open); err != nil {
		t.Fatal(err)
	}
	st := only(t, srv)
	if st.Text != "" || len(st.MediaIDs) != 1 {
		t.Errorf("status text %q media %v, want no text and one photo", st.Text, st.MediaIDs)
	}
	polls := 0
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/api/v1/media/") {
			polls++
		}
	}
	if polls != 3 {
		t.Errorf("%d GET /api/v1/media/:id, want 3", polls)
	}
}

func TestReply(t *testing.T) {
	srv, pub := start(t)
	parent := "https://remote.example/@bob/42"
	id := srv.AddRemote(parent)
	p := newPost(t, "re", map[string][]any{"in-reply-to": {parent}, "content": {"Agreed!"}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	if st := only(t, srv); st.InReplyToID != id || st.Text != "Agreed!" {
		t.Errorf("reply: in_reply_to_id %q text %q, want %q", st.InReplyToID, st.Text, id)
	}
	var search mastodontest.Request
	for _, r := range srv.Requests() {
		if r.Path == "/api/v2/search" {
			search = r
		}
	}
	if search.Query.Get("q") != parent || search.Query.Get("resolve") != "true" {
		t.Errorf("search %v, want q=%s resolve=true", search.Query, parent)
	}

	q := newPost(t, "re2", map[string][]any{"in-reply-to": {"https://blog.example/post"}, "content": {"Hm"}})
	_, err := pub.Publish(context.Background(), q, "", "k2", nil)
	if !jobs.IsPermanent(err) || !errors.Is(err, syndicate.ErrUnsupported) {
		t.Errorf("reply to a page that is no status: %v, want a permanent ErrUnsupported", err)
	}
}

func TestLikeAndRepost(t *testing.T) {
	srv, pub := start(t)
	target := "https://remote.example/@bob/7"
	id := srv.AddRemote(target)
	ctx := context.Background()

	like := newPost(t, "like", map[string][]any{"like-of": {target}})
	got, err := pub.Publish(ctx, like, "", "k1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := target + "#favourited"; got != want {
		t.Errorf("like: %q, want %q", got, want)
	}
	if st, _ := srv.Status(id); !st.Favourited {
		t.Error("not favourited")
	}

	repost := newPost(t, "repost", map[string][]any{"repost-of": {target}})
	boost, err := pub.Publish(ctx, repost, "", "k2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := target + "#reblogged"; boost != want {
		t.Errorf("repost: %q, want %q", boost, want)
	}
	if st, _ := srv.Status(id); !st.Reblogged {
		t.Error("not boosted")
	}

	if err := pub.Delete(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := pub.Delete(ctx, boost); err != nil {
		t.Fatal(err)
	}
	if st, _ := srv.Status(id); st.Favourited || st.Reblogged {
		t.Errorf("after delete: favourited %v reblogged %v, want neither", st.Favourited, st.Reblogged)
	}
	if n := len(srv.Statuses()); n != 0 {
		t.Errorf("%d statuses of the account left, want 0", n)
	}
}

func TestUpdateAndDelete(t *testing.T) {
	srv, pub := start(t)
	ctx := context.Background()
	p := newPost(t, "n", map[string][]any{"content": {"first"}})
	u, err := pub.Publish(ctx, p, "", "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Item.Properties["content"] = []any{"second"}
	u2, err := pub.Publish(ctx, p, u, "k-update", nil)
	if err != nil {
		t.Fatal(err)
	}
	st := only(t, srv)
	if u2 != u || st.Text != "second" || st.Edits != 1 {
		t.Errorf("edit: URL %q (was %q), text %q, edits %d", u2, u, st.Text, st.Edits)
	}
	if err := pub.Delete(ctx, u); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Statuses()); n != 0 {
		t.Errorf("%d statuses after delete", n)
	}
	if err := pub.Delete(ctx, u); err != nil {
		t.Errorf("deleting a copy already gone: %v, want nil", err)
	}
}

func TestIdempotencyKey(t *testing.T) {
	srv, pub := start(t)
	p := newPost(t, "n", map[string][]any{"content": {"once"}})
	a, err := pub.Publish(context.Background(), p, "", "same-key", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pub.Publish(context.Background(), p, "", "same-key", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || len(srv.Statuses()) != 1 {
		t.Errorf("same key twice: %q and %q, %d statuses; want one", a, b, len(srv.Statuses()))
	}
}

func TestErrors(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		token      string
		retry      bool
		after      time.Duration
	}{
		{"429 seconds", 429, "120", "", true, 120 * time.Second},
		{"429 date", 429, date, "", true, 90 * time.Second},
		{"503", 503, "", "", true, syndicate.DefaultRetryAfter},
		{"500", 500, "", "", true, syndicate.DefaultRetryAfter},
		{"401", 0, "", "wrong-token", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mastodontest.New()
			defer srv.Close()
			token := mastodontest.Token
			if tt.token != "" {
				token = tt.token
			}
			pub, err := mastodon.New(mastodon.Config{Server: srv.URL, Token: token, Client: http.DefaultClient})
			if err != nil {
				t.Fatal(err)
			}
			if tt.status != 0 {
				srv.FailNext(1, tt.status, tt.retryAfter)
			}
			p := newPost(t, "n", map[string][]any{"content": {"hi"}})
			_, err = pub.Publish(context.Background(), p, "", "k", nil)
			var re *jobs.RetryError
			switch {
			case tt.retry && !errors.As(err, &re):
				t.Fatalf("error %v, want a RetryError", err)
			case tt.retry && (re.After < tt.after-5*time.Second || re.After > tt.after):
				t.Errorf("retry after %s, want %s", re.After, tt.after)
			case !tt.retry && !jobs.IsPermanent(err):
				t.Errorf("error %v, want a permanent one", err)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("error %q shows the token", err)
			}
		})
	}
}

func TestRateLimitResetWithoutRetryAfter(t *testing.T) {
	// Mastodon's own 429 carries X-RateLimit-Reset and no Retry-After.
	srv, pub := start(t)
	srv.FailNext(1, 429, "")
	_, err := pub.Publish(context.Background(), newPost(t, "n", map[string][]any{"content": {"hi"}}), "", "k", nil)
	var re *jobs.RetryError
	if !errors.As(err, &re) || re.After < 4*time.Minute || re.After > 5*time.Minute {
		t.Errorf("error %v, want a RetryError of about 5 minutes (X-RateLimit-Reset)", err)
	}
}

func TestSlowServerIsRetried(t *testing.T) {
	srv := mastodontest.New()
	defer srv.Close()
	srv.SetDelay(2 * time.Second)
	pub, err := mastodon.New(mastodon.Config{Server: srv.URL, Token: mastodontest.Token, Client: &http.Client{Timeout: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pub.Publish(context.Background(), newPost(t, "n", map[string][]any{"content": {"hi"}}), "", "k", nil)
	var re *jobs.RetryError
	if !errors.As(err, &re) {
		t.Errorf("timeout: %v, want a RetryError", err)
	}
}
