package site_test

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strconv"
	"testing"

	"github.com/indiepub/indiepub/internal/servertest"
)

// A photo uploaded to the media endpoint is enclosed in the RSS feed with the type and
// size the store recorded.
func TestEnclosureOfAnUpload(t *testing.T) {
	srv := servertest.New(t)
	tok := srv.IssueToken(t, "create media")
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "dot.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(img.Bytes())
	mw.Close()
	resp, b := srv.Do(t, http.MethodPost, "/media", tok, mw.FormDataContentType(), &body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	photo := resp.Header.Get("Location")
	resp, b = srv.PostJSON(t, "/micropub", tok, map[string]any{"type": []string{"h-entry"},
		"properties": map[string]any{"content": []string{"A dot"}, "photo": []string{photo}}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	_, b = srv.Get(t, "/feed.rss", "")
	var f rssMediaFeed
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatalf("decode RSS: %v\n%s", err, b)
	}
	if len(f.Channel.Items) != 1 || len(f.Channel.Items[0].Enclosures) != 1 {
		t.Fatalf("want one item with one enclosure:\n%s", b)
	}
	enc := f.Channel.Items[0].Enclosures[0]
	if enc.URL == nil || *enc.URL != photo || enc.Type == nil || *enc.Type != "image/png" ||
		enc.Length == nil || *enc.Length != strconv.Itoa(img.Len()) {
		t.Errorf("enclosure %s %s %s, want %s image/png %d", deref(enc.URL), deref(enc.Type), deref(enc.Length), photo, img.Len())
	}
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}
