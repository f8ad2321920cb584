package bluesky_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rivo/uniseg"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/bluesky"
	"github.com/indiepub/indiepub/internal/syndicate/bluesky/blueskytest"
)

const site = "https://jane.example"

func newPost(t *testing.T, slug string, props map[string][]any) *post.Post {
	t.Helper()
	p, err := post.New(post.Item{Type: []string{"h-entry"}, Properties: props}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.Slug, p.URL = slug, site+"/notes/"+slug
	return p
}

func start(t *testing.T) (*blueskytest.Server, *bluesky.Publisher) {
	t.Helper()
	srv := blueskytest.New()
	t.Cleanup(srv.Close)
	return srv, publisher(t, srv, blueskytest.AppPassword, &http.Client{Timeout: 10 * time.Second})
}

func publisher(t *testing.T, srv *blueskytest.Server, password string, client *http.Client) *bluesky.Publisher {
	t.Helper()
	pub, err := bluesky.New(bluesky.Config{PDS: srv.URL, Identifier: blueskytest.Handle, AppPassword: password, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// opener is a media store holding files by URL.
func opener(m map[string][]byte) syndicate.MediaOpener {
	return func(ctx context.Context, u string) (io.ReadCloser, string, error) {
		data, ok := m[u]
		if !ok {
			return nil, "", post.ErrNotFound
		}
		return io.NopCloser(bytes.NewReader(data)), "image/png", nil
	}
}

func onlyPost(t *testing.T, srv *blueskytest.Server) blueskytest.Record {
	t.Helper()
	recs := srv.Records("app.bsky.feed.post")
	if len(recs) != 1 {
		t.Fatalf("%d posts, want 1", len(recs))
	}
	return recs[0]
}

func rkey(uri string) string { return uri[strings.LastIndexByte(uri, '/')+1:] }

// facetsOf lists a record's facets as "text=feature" strings.
func facetsOf(rec blueskytest.Record) []string {
	text := rec.Value["text"].(string)
	var out []string
	fs, _ := rec.Value["facets"].([]any)
	for _, f := range fs {
		m := f.(map[string]any)
		idx := m["index"].(map[string]any)
		start, end := int(idx["byteStart"].(float64)), int(idx["byteEnd"].(float64))
		ft := m["features"].([]any)[0].(map[string]any)
		val := ft["uri"]
		if val == nil {
			val = ft["tag"]
		}
		out = append(out, fmt.Sprintf("%s=%v", text[start:end], val))
	}
	return out
}

func TestNote(t *testing.T) {
	srv, pub := start(t)
	p := newPost(t, "hello", map[string][]any{"content": {"Hello from https://jane.example/about, café time"}, "category": {"indieweb", "coffee shops"}})
	got, err := pub.Publish(context.Background(), p, "", "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := onlyPost(t, srv)
	if want := "https://bsky.app/profile/" + blueskytest.Handle + "/post/" + rkey(rec.URI); got != want {
		t.Errorf("URL %q, want %q", got, want)
	}
	if want := "Hello from https://jane.example/about, café time\n\n#indieweb #CoffeeShops"; rec.Value["text"] != want {
		t.Errorf("text %q, want %q", rec.Value["text"], want)
	}
	want := []string{"https://jane.example/about=https://jane.example/about", "#indieweb=indieweb", "#CoffeeShops=CoffeeShops"}
	if got := facetsOf(rec); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("facets %q, want %q", got, want)
	}
	if c, _ := rec.Value["createdAt"].(string); !strings.HasPrefix(c, p.Published.UTC().Format("2006-01-02T15:04:05")) {
		t.Errorf("createdAt %q, want the post's published %s", c, p.Published)
	}
}

func TestGraphemeHeavyTextIsCut(t *testing.T) {
	srv, pub := start(t)
	// Family emoji (ZWJ sequences, 25 bytes each), flags, CJK and combining marks: 400
	// clusters of many bytes, cut to 300 clusters and 3000 bytes with the link back.
	unit := "👩‍👩‍👧‍👦🇫🇷漢字e\u0301 "
	p := newPost(t, "emoji", map[string][]any{"content": {strings.Repeat(unit, 80)}, "category": {"emoji"}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	rec := onlyPost(t, srv)
	text := rec.Value["text"].(string)
	if n := uniseg.GraphemeClusterCount(text); n > 300 || len(text) > 3000 {
		t.Errorf("%d clusters, %d bytes; want at most 300 and 3000", n, len(text))
	}
	if !strings.Contains(text, "…\n\njane.example/notes/emoji") {
		t.Errorf("text %q has no ellipsis and link back", text)
	}
	if !strings.HasPrefix(text, unit) {
		t.Errorf("text %q does not start with the post's text", text)
	}
	fs := facetsOf(rec)
	if len(fs) == 0 || fs[0] != "jane.example/notes/emoji="+p.URL {
		t.Errorf("facets %q, want the link back to %s first", fs, p.URL)
	}
}

func TestBookmarkAndVisibility(t *testing.T) {
	srv, pub := start(t)
	p := newPost(t, "bm", map[string][]any{"bookmark-of": {"https://blog.example/post"}, "content": {"Worth reading"}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	if rec := onlyPost(t, srv); rec.Value["text"] != "Worth reading\n\nhttps://blog.example/post" {
		t.Errorf("bookmark text %q", rec.Value["text"])
	}
	for _, v := range []string{"unlisted", "private"} {
		q := newPost(t, v, map[string][]any{"content": {"not for everyone"}, "visibility": {v}})
		if _, err := pub.Publish(context.Background(), q, "", "k-"+v, nil); !jobs.IsPermanent(err) || !errors.Is(err, syndicate.ErrUnsupported) {
			t.Errorf("%s post: %v, want a permanent ErrUnsupported", v, err)
		}
	}
	if n := len(srv.Records("app.bsky.feed.post")); n != 1 {
		t.Errorf("%d posts, want only the bookmark", n)
	}
}

func TestArticle(t *testing.T) {
	srv, pub := start(t)
	p := newPost(t, "essay", map[string][]any{"name": {"On owning your words"}, "content": {"Long text about the IndieWeb."}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	rec := onlyPost(t, srv)
	if want := "On owning your words\n\njane.example/notes/essay"; rec.Value["text"] != want {
		t.Errorf("text %q, want %q", rec.Value["text"], want)
	}
	ext := rec.Value["embed"].(map[string]any)["external"].(map[string]any)
	if ext["uri"] != p.URL || ext["title"] != "On owning your words" || ext["description"] != "Long text about the IndieWeb." {
		t.Errorf("external card %v", ext)
	}
}

func TestPhotos(t *testing.T) {
	srv, pub := start(t)
	files := map[string][]byte{}
	var photos []any
	for i := range 5 {
		u := fmt.Sprintf("%s/media/%d.png", site, i)
		files[u] = mediatest.Image(t, "png", i)
		photos = append(photos, map[string]any{"value": u, "alt": fmt.Sprintf("photo %d", i)})
	}
	p := newPost(t, "pics", map[string][]any{"content": {"Photos"}, "photo": photos})
	if _, err := pub.Publish(context.Background(), p, "", "k", opener(files)); err != nil {
		t.Fatal(err)
	}
	images := onlyPost(t, srv).Value["embed"].(map[string]any)["images"].([]any)
	if len(images) != 4 {
		t.Fatalf("%d images, want 4 (the lexicon's limit)", len(images))
	}
	for i, im := range images {
		img := im.(map[string]any)
		ar := img["aspectRatio"].(map[string]any)
		if img["alt"] != fmt.Sprintf("photo %d", i) || ar["width"] != 16.0 || ar["height"] != 16.0 {
			t.Errorf("image %d: alt %v aspectRatio %v", i, img["alt"], ar)
		}
	}
}

// noise is a PNG that does not compress: width×height random-looking pixels.
func noise(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x := uint32(1)
	for i := 0; i < len(img.Pix); i += 4 {
		x = x*1664525 + 1013904223
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(x>>24), byte(x>>16), byte(x>>8), 255
	}
	img.Set(0, 0, color.White)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPhotoOnlyScaledToTheLimit(t *testing.T) {
	srv := blueskytest.New()
	defer srv.Close()
	srv.SetBlobLimit(60_000)
	pub, err := bluesky.New(bluesky.Config{PDS: srv.URL, Identifier: blueskytest.Handle, AppPassword: blueskytest.AppPassword, Client: http.DefaultClient, MaxImageBytes: 60_000})
	if err != nil {
		t.Fatal(err)
	}
	u := site + "/media/big.png"
	big := noise(t, 400, 300)
	if len(big) <= 60_000 {
		t.Fatalf("test image is only %d bytes", len(big))
	}
	p := newPost(t, "pic", map[string][]any{"photo": {map[string]any{"value": u, "alt": "a field"}}})
	if _, err := pub.Publish(context.Background(), p, "", "k", opener(map[string][]byte{u: big})); err != nil {
		t.Fatal(err)
	}
	rec := onlyPost(t, srv)
	if rec.Value["text"] != "" {
		t.Errorf("text %q, want none", rec.Value["text"])
	}
	img := rec.Value["embed"].(map[string]any)["images"].([]any)[0].(map[string]any)
	cid := img["image"].(map[string]any)["ref"].(map[string]any)["$link"].(string)
	blob, _ := srv.Blob(cid)
	ar := img["aspectRatio"].(map[string]any)
	if blob.MimeType != "image/jpeg" || len(blob.Data) > 60_000 {
		t.Errorf("blob %s of %d bytes, want a JPEG of at most 60000", blob.MimeType, len(blob.Data))
	}
	if w, h := ar["width"].(float64), ar["height"].(float64); w/h < 1.3 || w/h > 1.36 {
		t.Errorf("aspect ratio %v×%v, want 4:3", w, h)
	}
}

func TestReplyThreads(t *testing.T) {
	srv, pub := start(t)
	root := srv.AddPost("bob.test", "did:plc:bob", "root post", nil)
	ref := func(r blueskytest.Record) map[string]any { return map[string]any{"uri": r.URI, "cid": r.CID} }
	parent := srv.AddPost("bob.test", "did:plc:bob", "a reply", map[string]any{"root": ref(root), "parent": ref(root)})
	p := newPost(t, "re", map[string][]any{"in-reply-to": {"https://bsky.app/profile/bob.test/post/" + rkey(parent.URI)}, "content": {"Agreed"}})
	if _, err := pub.Publish(context.Background(), p, "", "k", nil); err != nil {
		t.Fatal(err)
	}
	reply := onlyPost(t, srv).Value["reply"].(map[string]any)
	if fmt.Sprint(reply["root"]) != fmt.Sprint(ref(root)) || fmt.Sprint(reply["parent"]) != fmt.Sprint(ref(parent)) {
		t.Errorf("reply %v, want root %v parent %v", reply, ref(root), ref(parent))
	}

	// An at:// URI names the parent as well.
	q := newPost(t, "re2", map[string][]any{"in-reply-to": {root.URI}, "content": {"Me too"}})
	if _, err := pub.Publish(context.Background(), q, "", "k2", nil); err != nil {
		t.Fatal(err)
	}
	// A page that is not a Bluesky post cannot be replied to there.
	r := newPost(t, "re3", map[string][]any{"in-reply-to": {"https://blog.example/post"}, "content": {"Hm"}})
	if _, err := pub.Publish(context.Background(), r, "", "k3", nil); !jobs.IsPermanent(err) || !errors.Is(err, syndicate.ErrUnsupported) {
		t.Errorf("reply to a blog: %v, want a permanent ErrUnsupported", err)
	}
}

func TestLikeRepostAndDelete(t *testing.T) {
	srv, pub := start(t)
	ctx := context.Background()
	target := srv.AddPost("bob.test", "did:plc:bob", "nice", nil)
	web := "https://bsky.app/profile/bob.test/post/" + rkey(target.URI)
	for _, tt := range []struct{ prop, collection string }{{"like-of", "app.bsky.feed.like"}, {"repost-of", "app.bsky.feed.repost"}} {
		p := newPost(t, tt.prop, map[string][]any{tt.prop: {web}})
		got, err := pub.Publish(ctx, p, "", "k", nil)
		if err != nil {
			t.Fatal(err)
		}
		recs := srv.Records(tt.collection)
		if len(recs) != 1 {
			t.Fatalf("%s: %d records", tt.collection, len(recs))
		}
		if want := web + "#" + recs[0].URI; got != want {
			t.Errorf("%s: URL %q, want %q", tt.prop, got, want)
		}
		if s := recs[0].Value["subject"].(map[string]any); s["uri"] != target.URI || s["cid"] != target.CID {
			t.Errorf("%s: subject %v", tt.prop, s)
		}
		if err := pub.Delete(ctx, got); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Records(tt.collection)); n != 0 {
			t.Errorf("%s: %d records after delete", tt.prop, n)
		}
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
	u2, err := pub.Publish(ctx, p, u, "k2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec := onlyPost(t, srv); u2 != u || rec.Value["text"] != "second" {
		t.Errorf("update: URL %q (was %q), text %q", u2, u, rec.Value["text"])
	}
	var put int
	for _, r := range srv.Requests() {
		if r.NSID == "com.atproto.repo.putRecord" {
			put++
		}
	}
	if put != 2 {
		t.Errorf("%d putRecord, want 2 (the create and the update)", put)
	}
	if err := pub.Delete(ctx, u); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Records("app.bsky.feed.post")); n != 0 {
		t.Errorf("%d posts after delete", n)
	}
	if err := pub.Delete(ctx, u); err != nil {
		t.Errorf("deleting again: %v, want nil", err)
	}
}

func TestSameKeyWritesOnePost(t *testing.T) {
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
	k := rkey(onlyPost(t, srv).URI)
	if a != b || len(k) != 13 || !strings.ContainsRune("234567abcdefghij", rune(k[0])) {
		t.Errorf("same key twice: %q and %q, record key %q; want one post keyed by a TID", a, b, k)
	}
	c, err := pub.Publish(context.Background(), p, "", "other-key", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c == a || len(srv.Records("app.bsky.feed.post")) != 2 {
		t.Errorf("another key: %q, want a second post", c)
	}
}

func TestExpiredTokenRefreshes(t *testing.T) {
	srv, pub := start(t)
	ctx := context.Background()
	if _, err := pub.Publish(ctx, newPost(t, "a", map[string][]any{"content": {"one"}}), "", "k", nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if _, err := pub.Publish(ctx, newPost(t, "b", map[string][]any{"content": {"two"}}), "", "k2", nil); err != nil {
		t.Fatal(err)
	}
	refreshed := 0
	for _, r := range srv.Requests() {
		if r.NSID == "com.atproto.server.refreshSession" {
			refreshed++
		}
	}
	if srv.Sessions() != 1 || refreshed != 1 || len(srv.Records("app.bsky.feed.post")) != 2 {
		t.Errorf("sessions %d, refreshes %d, posts %d; want 1, 1, 2", srv.Sessions(), refreshed, len(srv.Records("app.bsky.feed.post")))
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		password   string
		retry      bool
		after      time.Duration
	}{
		{"429 Retry-After", 429, "60", "", true, time.Minute},
		{"429 RateLimit-Reset", 429, "", "", true, 5 * time.Minute},
		{"502", 502, "", "", true, syndicate.DefaultRetryAfter},
		{"401 wrong app password", 0, "", "wrong-pass-word-xxxx", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := blueskytest.New()
			defer srv.Close()
			password := blueskytest.AppPassword
			if tt.password != "" {
				password = tt.password
			}
			pub := publisher(t, srv, password, http.DefaultClient)
			if tt.status != 0 {
				srv.FailNext(1, tt.status, tt.retryAfter)
			}
			_, err := pub.Publish(context.Background(), newPost(t, "n", map[string][]any{"content": {"hi"}}), "", "k", nil)
			var re *jobs.RetryError
			switch {
			case tt.retry && !errors.As(err, &re):
				t.Fatalf("error %v, want a RetryError", err)
			case tt.retry && (re.After < tt.after-5*time.Second || re.After > tt.after):
				t.Errorf("retry after %s, want %s", re.After, tt.after)
			case !tt.retry && !jobs.IsPermanent(err):
				t.Errorf("error %v, want a permanent one", err)
			}
			if err != nil && strings.Contains(err.Error(), password) {
				t.Errorf("error %q shows the app password", err)
			}
		})
	}
}

func TestSlowPDSIsRetried(t *testing.T) {
	srv := blueskytest.New()
	defer srv.Close()
	srv.SetDelay(2 * time.Second)
	pub := publisher(t, srv, blueskytest.AppPassword, &http.Client{Timeout: 200 * time.Millisecond})
	_, err := pub.Publish(context.Background(), newPost(t, "n", map[string][]any{"content": {"hi"}}), "", "k", nil)
	var re *jobs.RetryError
	if !errors.As(err, &re) {
		t.Errorf("timeout: %v, want a RetryError", err)
	}
}
