package micropub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/indiepub/indiepub/internal/fixture"

	"github.com/indiepub/indiepub/internal/servertest"
)

const allScopes = "create update delete undelete media"

func readFixture(t testing.TB, name string) string {
	t.Helper()
	return string(fixture.Read(t, name))
}

// tinyJPEG and tinyPNG are real, decodable images of a few pixels.
func tinyJPEG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{200, 80, 20, 255})
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tinyPNG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{0, 80, 200, 255})
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fillPlaceholders replaces every <<...>> placeholder of a multipart fixture with data.
func fillPlaceholders(body string, data []byte) []byte {
	var out bytes.Buffer
	for {
		i := strings.Index(body, "<<")
		if i < 0 {
			out.WriteString(body)
			return out.Bytes()
		}
		j := strings.Index(body[i:], ">>")
		out.WriteString(body[:i])
		out.Write(data)
		body = body[i+j+2:]
	}
}

// boundaryOf reads the boundary from the first line of a multipart fixture.
func boundaryOf(body string) string {
	line, _, _ := strings.Cut(body, "\r\n")
	return strings.TrimPrefix(line, "--")
}

func postMultipart(t testing.TB, srv *servertest.Server, tok string, body []byte) (*http.Response, []byte) {
	t.Helper()
	ct := "multipart/form-data; boundary=" + boundaryOf(string(body))
	return srv.Do(t, http.MethodPost, "/micropub", tok, ct, bytes.NewReader(body))
}

// wantCreated fails unless resp is 201 with an absolute Location on the site, and
// returns that Location.
func wantCreated(t testing.TB, srv *servertest.Server, resp *http.Response, body []byte) string {
	t.Helper()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, srv.Cfg.URL) || len(loc) == len(srv.Cfg.URL) {
		t.Fatalf("Location %q, want an absolute URL under %s", loc, srv.Cfg.URL)
	}
	return loc
}

func wantStatus(t testing.TB, resp *http.Response, body []byte, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, want, body)
	}
}

// wantError fails unless the answer is status with the JSON error code.
func wantError(t testing.TB, resp *http.Response, body []byte, status int, code string) map[string]any {
	t.Helper()
	wantStatus(t, resp, body, status)
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	if e["error"] != code || e["error_description"] == nil {
		t.Fatalf("error body %s, want error %q with a description", body, code)
	}
	return e
}

type mf2 struct {
	Type       []string         `json:"type"`
	Properties map[string][]any `json:"properties"`
}

// source reads a post back through q=source.
func source(t testing.TB, srv *servertest.Server, tok, postURL string, extra ...string) mf2 {
	t.Helper()
	q := "/micropub?q=source&url=" + url.QueryEscape(postURL)
	for _, e := range extra {
		q += "&" + e
	}
	resp, body := srv.Get(t, q, tok)
	wantStatus(t, resp, body, http.StatusOK)
	var m mf2
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("q=source: %v in %s", err, body)
	}
	return m
}

func getJSON(t testing.TB, srv *servertest.Server, tok, path string) map[string]any {
	t.Helper()
	resp, body := srv.Get(t, path, tok)
	wantStatus(t, resp, body, http.StatusOK)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return m
}

// wantProp compares a stored property with its expected values, given as JSON.
func wantProp(t testing.TB, m mf2, name, wantJSON string) {
	t.Helper()
	var want []any
	if err := json.Unmarshal([]byte(wantJSON), &want); err != nil {
		t.Fatalf("bad want %s: %v", wantJSON, err)
	}
	if got := m.Properties[name]; !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		t.Errorf("property %s = %s, want %s", name, g, wantJSON)
	}
}

func wantNoProp(t testing.TB, m mf2, names ...string) {
	t.Helper()
	for _, n := range names {
		if v, ok := m.Properties[n]; ok {
			t.Errorf("property %s = %v stored, want none", n, v)
		}
	}
}

// mediaFile reads the stored bytes behind a media URL the server handed out.
func mediaFile(t testing.TB, srv *servertest.Server, u string) []byte {
	t.Helper()
	rel, ok := strings.CutPrefix(u, srv.Cfg.URL+"media/")
	if !ok {
		t.Fatalf("media URL %q is not under %smedia/", u, srv.Cfg.URL)
	}
	b, err := os.ReadFile(filepath.Join(srv.Cfg.DataDir, "media", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("media file for %s: %v", u, err)
	}
	return b
}

// countPosts lists every live post through q=source.
func countPosts(t testing.TB, srv *servertest.Server, tok string) int {
	t.Helper()
	m := getJSON(t, srv, tok, "/micropub?q=source&limit=100")
	return len(m["items"].([]any))
}

// withToken puts tok where a fixture carries the client's own access_token, as the client
// sends the same token in the header and the body.
func withToken(body, tok string) string {
	for _, fake := range []string{"q7Lm2Zs9Xv4Rk1Tw8Bn3Yc6Hd0Fj5Gp", "oyg5Tn8Kw2Rb7Xq4Mv1Lc9Zp3Hs6Jd0F"} {
		body = strings.ReplaceAll(body, fake, tok)
	}
	return body
}

// mediaState describes the uploads a client can see and the files behind them: the URL
// q=last offers and every file in the media folder, temp files included.
func mediaState(t testing.TB, srv *servertest.Server, tok string) string {
	t.Helper()
	last := getJSON(t, srv, tok, "/media?q=last")
	var b strings.Builder
	fmt.Fprintf(&b, "q=last: %v\n", last["url"])
	root := filepath.Join(srv.Cfg.DataDir, "media")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintln(&b, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
