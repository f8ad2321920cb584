package doctor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/doctor"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

func run(t *testing.T, o doctor.Options) *doctor.Report {
	t.Helper()
	if o.Client == nil {
		o.Client = indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})
	}
	return doctor.Run(context.Background(), o)
}

func finding(t *testing.T, r *doctor.Report, check string) doctor.Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no %s check in %+v", check, r.Findings)
	return doctor.Finding{}
}

// expect checks that each named check has its status, and that the report is OK exactly
// when none of them failed.
func expect(t *testing.T, r *doctor.Report, want map[string]doctor.Status) {
	t.Helper()
	ok := true
	for check, status := range want {
		if f := finding(t, r, check); f.Status != status {
			t.Errorf("%s: %s %q, want %s", check, f.Status, f.Message, status)
		}
		if status == doctor.Fail {
			ok = false
		}
	}
	if r.OK != ok {
		t.Errorf("report OK = %v, want %v: %+v", r.OK, ok, r.Findings)
	}
}

// proxied starts an indiepub whose public URL is a Go reverse proxy's, with edit applied
// to each request on the way in and each response on the way out (either may be nil).
func proxied(t *testing.T, in func(*http.Request), out func(*http.Response) error) (*servertest.Server, string) {
	t.Helper()
	var target *url.URL
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			if in != nil {
				in(pr.Out)
			}
		},
		ModifyResponse: out,
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	srv := servertest.New(t, func(c *server.Config) { c.URL = front.URL + "/" })
	target, _ = url.Parse(srv.URL)
	return srv, front.URL + "/"
}

// TestHealthySite: a site set up right passes everything but plain http, which is a
// warning; the test upload is made and removed.
func TestHealthySite(t *testing.T) {
	srv, site := proxied(t, nil, nil)
	tok := srv.IssueToken(t, "media delete")
	r := run(t, doctor.Options{URL: site, Token: tok, DataDir: srv.Cfg.DataDir})
	expect(t, r, map[string]doctor.Status{
		"reach": doctor.Warn, "clock": doctor.Pass, "discovery": doctor.Pass, "issuer": doctor.Pass,
		"authorization": doctor.Pass, "media": doctor.Pass, "data": doctor.Pass,
	})
	if f := finding(t, r, "discovery"); !strings.Contains(f.Message, "webmention") {
		t.Errorf("discovery: %q, want webmention among the endpoints named", f.Message)
	}
	if resp, body := srv.Get(t, "/media?q=source", tok); !strings.Contains(string(body), `"items":[]`) {
		t.Errorf("after the doctor: GET /media?q=source %d %s, want no upload left", resp.StatusCode, body)
	}
	// Without delete, the file stays and the doctor says where.
	tok = srv.IssueToken(t, "media")
	if f := finding(t, run(t, doctor.Options{URL: site, Token: tok}), "media"); f.Status != doctor.Warn || !strings.Contains(f.Message, "/media/") {
		t.Errorf("media without the delete scope: %s %q, want a warning naming the file", f.Status, f.Message)
	}
}

// TestProxyStripsAuthorization: the commonest broken setup is found and explained.
func TestProxyStripsAuthorization(t *testing.T) {
	_, site := proxied(t, func(r *http.Request) { r.Header.Del("Authorization") }, nil)
	r := run(t, doctor.Options{URL: site})
	expect(t, r, map[string]doctor.Status{"authorization": doctor.Fail, "issuer": doctor.Pass, "media": doctor.Skip})
	if f := finding(t, r, "authorization"); !strings.Contains(f.Fix, "Authorization") {
		t.Errorf("authorization fix %q does not say what to change", f.Fix)
	}
}

// TestMissingRel: a proxy that drops the micropub link from the Link header.
func TestMissingRel(t *testing.T) {
	_, site := proxied(t, nil, func(resp *http.Response) error {
		var keep []string
		for _, v := range resp.Header.Values("Link") {
			if !strings.Contains(v, `rel="micropub"`) {
				keep = append(keep, v)
			}
		}
		resp.Header["Link"] = keep
		return nil
	})
	r := run(t, doctor.Options{URL: site})
	expect(t, r, map[string]doctor.Status{"discovery": doctor.Fail, "authorization": doctor.Pass})
	if f := finding(t, r, "discovery"); !strings.Contains(f.Message, `rel="micropub" is missing from the Link header`) {
		t.Errorf("discovery: %q, want the missing rel and where", f.Message)
	}
}

// TestWrongIssuer: indiepub started with a --url other than the one visitors use.
func TestWrongIssuer(t *testing.T) {
	srv := servertest.New(t)
	front := httptest.NewServer(httputil.NewSingleHostReverseProxy(mustParse(t, srv.URL)))
	t.Cleanup(front.Close)
	r := run(t, doctor.Options{URL: front.URL})
	expect(t, r, map[string]doctor.Status{"issuer": doctor.Fail, "reach": doctor.Warn})
	if f := finding(t, r, "issuer"); !strings.Contains(f.Fix, "--url "+front.URL+"/") {
		t.Errorf("issuer fix %q, want --url %s/", f.Fix, front.URL)
	}
}

// TestBadCertificate: https with a certificate no client trusts.
func TestBadCertificate(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(ts.Close)
	r := run(t, doctor.Options{URL: ts.URL})
	expect(t, r, map[string]doctor.Status{"reach": doctor.Fail, "issuer": doctor.Skip})
	if f := finding(t, r, "reach"); !strings.Contains(f.Message, "certificate") {
		t.Errorf("reach: %q, want the certificate named", f.Message)
	}
}

// TestClockAndDataDir: a clock ten minutes off, and a data directory that is a file.
func TestClockAndDataDir(t *testing.T) {
	_, site := proxied(t, nil, nil)
	file := filepath.Join(t.TempDir(), "data")
	os.WriteFile(file, nil, 0o644)
	r := run(t, doctor.Options{URL: site, DataDir: file, Now: func() time.Time { return time.Now().Add(10 * time.Minute) }})
	expect(t, r, map[string]doctor.Status{"clock": doctor.Fail, "data": doctor.Fail, "issuer": doctor.Pass})
}

func mustParse(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
