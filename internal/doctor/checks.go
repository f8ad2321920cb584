package doctor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
)

// maxPage is the most of a page or a JSON answer read.
const maxPage = 2 << 20

// page is a fetched home page.
type page struct {
	resp *http.Response
	body []byte
}

func (d *run) get(ctx context.Context, u, bearer string) (*page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/html, application/json;q=0.9")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return d.do(req)
}

func (d *run) do(req *http.Request) (*page, error) {
	resp, err := d.o.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := indieauth.ReadLimited(resp.Body, maxPage)
	if err != nil {
		return nil, err
	}
	return &page{resp: resp, body: body}, nil
}

// reach: the URL answers, over https with a valid certificate.
func (d *run) reach(ctx context.Context) bool {
	u, err := url.Parse(d.o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.add("reach", Fail, fmt.Sprintf("%q is not an http or https URL", d.o.URL), "give the site's public URL, e.g. https://example.com/")
		return false
	}
	p, err := d.get(ctx, d.o.URL, "")
	if err != nil {
		if why := certError(err); why != "" {
			d.add("reach", Fail, d.o.URL+" answers, but "+why,
				"install a certificate from a public authority for "+u.Hostname()+" (Caddy does it by itself; with nginx, certbot)")
		} else {
			d.add("reach", Fail, fmt.Sprintf("%s does not answer: %v", d.o.URL, err),
				"check that indiepub runs (systemctl status indiepub), that the proxy passes requests to it, and the DNS and firewall; for a site on this machine or a private network add --allow-private-fetch")
		}
		return false
	}
	if p.resp.StatusCode != http.StatusOK {
		d.add("reach", Fail, fmt.Sprintf("%s answers %s, not 200", d.o.URL, p.resp.Status),
			"the home page must answer 200: check the proxy's configuration and indiepub's --url")
		return false
	}
	d.home = p
	if u.Scheme == "http" {
		d.add("reach", Warn, d.o.URL+" answers 200, over plain http",
			"serve the site over https (Caddy, or nginx with certbot) and set --url https://…: sign-in apps send passwords' equivalents, codes and tokens, which plain http shows to anyone on the way")
		return true
	}
	d.add("reach", Pass, d.o.URL+" answers 200 over https with a valid certificate", "")
	return true
}

// clock: the site's Date header against this machine's clock.
func (d *run) clock() {
	date, err := http.ParseTime(d.home.resp.Header.Get("Date"))
	if err != nil {
		d.add("clock", Warn, "the answer has no readable Date header, so the clock cannot be compared", "")
		return
	}
	skew := d.o.Now().Sub(date)
	if skew < 0 {
		skew = -skew
	}
	// Date has whole seconds.
	if skew > d.o.MaxSkew+time.Second {
		d.add("clock", Fail, fmt.Sprintf("the site's clock and this machine's differ by %v", skew.Round(time.Second)),
			"run NTP on the server (systemd-timesyncd or chrony) and on this machine: codes live 10 minutes and tokens expire by the clock")
		return
	}
	d.add("clock", Pass, fmt.Sprintf("the site's clock is within %v of this machine's", d.o.MaxSkew), "")
}

// rels the home page must advertise.
var rels = []string{"micropub", "indieauth-metadata", "authorization_endpoint", "token_endpoint", "webmention"}

// discovery: every endpoint in both the Link header and the HTML.
func (d *run) discovery() {
	base := d.home.resp.Request.URL
	header := indieauth.ParseLinkHeader(base, d.home.resp.Header.Values("Link")...)
	html, _ := indieauth.ParseHTMLLinks(base, bytes.NewReader(d.home.body))
	d.endpoints = map[string]string{}
	var missing []string
	for _, rel := range rels {
		inHeader, inHTML := indieauth.FindRel(header, rel), indieauth.FindRel(html, rel)
		if u := inHeader + inHTML; u != "" {
			d.endpoints[rel] = indieauth.FindRel(append(header, html...), rel)
		}
		var where []string
		if inHeader == "" {
			where = append(where, "the Link header")
		}
		if inHTML == "" {
			where = append(where, "the HTML")
		}
		if len(where) == 0 {
			continue
		}
		missing = append(missing, fmt.Sprintf("rel=%q is missing from %s", rel, strings.Join(where, " and ")))
	}
	switch {
	case len(missing) > 0:
		d.add("discovery", Fail, "the home page "+strings.Join(missing, "; "),
			"apps find the endpoints there, some only in the header, some only in the HTML: check that the proxy passes indiepub's Link headers (nginx: no proxy_hide_header Link) and that a custom theme's layout.html keeps the <link> elements")
	default:
		d.add("discovery", Pass, "the home page advertises micropub, indieauth-metadata, authorization_endpoint, token_endpoint and webmention in both the Link header and the HTML", "")
	}
}

// issuer: the metadata's issuer is the site's URL (IndieAuth 4.1.1).
func (d *run) issuer(ctx context.Context) {
	meta := d.endpoints["indieauth-metadata"]
	if meta == "" {
		d.add("issuer", Skip, "not checked: no indieauth-metadata link", "")
		return
	}
	p, err := d.get(ctx, meta, "")
	if err != nil || p.resp.StatusCode != http.StatusOK {
		d.add("issuer", Fail, fmt.Sprintf("the metadata at %s cannot be read: %s", meta, describe(p, err)),
			"the proxy must pass /.well-known/oauth-authorization-server to indiepub")
		return
	}
	var m struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(p.body, &m); err != nil {
		d.add("issuer", Fail, fmt.Sprintf("the metadata at %s is not JSON: %v", meta, err), "the proxy must pass it to indiepub unchanged")
		return
	}
	if m.Issuer != d.o.URL {
		d.add("issuer", Fail, fmt.Sprintf("the metadata's issuer is %q, not the site's URL %q", m.Issuer, d.o.URL),
			fmt.Sprintf("start indiepub with --url %s (the public URL, scheme and host as visitors see them); apps refuse a sign-in whose issuer differs", d.o.URL))
		return
	}
	d.add("issuer", Pass, "the metadata's issuer is the site's URL", "")
}

// authorization: an Authorization header reaches indiepub through the proxy. A Micropub
// endpoint answers 401 to a request without a token and 403 to a token it does not know,
// so a made-up token tells the two apart: 401 means the header was stripped on the way.
func (d *run) authorization(ctx context.Context) {
	mp := d.endpoints["micropub"]
	if mp == "" {
		d.add("authorization", Skip, "not checked: no micropub link", "")
		return
	}
	var b [16]byte
	rand.Read(b[:])
	probe := "indiepub-doctor-" + hex.EncodeToString(b[:])
	p, err := d.get(ctx, withQuery(mp, "q", "config"), probe)
	if err != nil {
		d.add("authorization", Fail, fmt.Sprintf("the Micropub endpoint %s does not answer: %v", mp, err), "")
		return
	}
	switch p.resp.StatusCode {
	case http.StatusForbidden:
		d.add("authorization", Pass, "an Authorization header reaches the Micropub endpoint through the proxy", "")
	case http.StatusUnauthorized:
		d.add("authorization", Fail, "the Micropub endpoint never sees the Authorization header: it answers a request that carries one as if it had none (401)",
			"the proxy strips the Authorization header: with nginx and FastCGI or uwsgi pass it on (fastcgi_param HTTP_AUTHORIZATION $http_authorization), with Apache add CGIPassAuth On (or SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1); proxy_pass and Caddy's reverse_proxy pass it by default, so look for a proxy_set_header Authorization \"\"")
	default:
		d.add("authorization", Warn, fmt.Sprintf("the Micropub endpoint answers a made-up token with %s, so whether the Authorization header arrives cannot be told", p.resp.Status), "")
	}
}

// media: with a token, the media endpoint takes a small file, which is then deleted.
func (d *run) media(ctx context.Context) {
	if d.o.Token == "" {
		d.add("media", Skip, "not checked: give --token with the media (and delete) scope to try an upload", "")
		return
	}
	mp := d.endpoints["micropub"]
	if mp == "" {
		d.add("media", Skip, "not checked: no micropub link", "")
		return
	}
	p, err := d.get(ctx, withQuery(mp, "q", "config"), d.o.Token)
	if err != nil || p.resp.StatusCode != http.StatusOK {
		d.add("media", Fail, "the Micropub endpoint refuses the token for q=config: "+describe(p, err), "check that the token is current (indiepub token list)")
		return
	}
	var cfg struct {
		MediaEndpoint string `json:"media-endpoint"`
	}
	if json.Unmarshal(p.body, &cfg); cfg.MediaEndpoint == "" {
		d.add("media", Fail, "q=config names no media-endpoint", "")
		return
	}
	body, ctype := probeImage()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, cfg.MediaEndpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+d.o.Token)
	p, err = d.do(req)
	if err != nil || p.resp.StatusCode != http.StatusCreated || p.resp.Header.Get("Location") == "" {
		d.add("media", Fail, fmt.Sprintf("the media endpoint %s refused a 1×1 PNG: %s", cfg.MediaEndpoint, describe(p, err)),
			"check the proxy's upload limit (nginx: client_max_body_size) and that the token has the media scope")
		return
	}
	file := p.resp.Header.Get("Location")
	form := url.Values{"action": {"delete"}, "url": {file}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, cfg.MediaEndpoint, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+d.o.Token)
	p, err = d.do(req)
	if err != nil || p.resp.StatusCode != http.StatusNoContent {
		d.add("media", Warn, fmt.Sprintf("the media endpoint took a test file, but did not delete it (%s): it stays at %s", describe(p, err), file),
			"give a token with the delete scope as well, or delete the file on /admin or with the media endpoint")
		return
	}
	d.add("media", Pass, "the media endpoint took a test file (then deleted it)", "")
}

// probeImage is a multipart body holding a 1×1 PNG of a random colour: never the bytes of
// a file the owner uploaded, so that deleting it removes nothing of theirs.
func probeImage() ([]byte, string) {
	var c [4]byte
	rand.Read(c[:])
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.NRGBA{c[0], c[1], c[2], c[3] | 1})
	var pngBytes bytes.Buffer
	png.Encode(&pngBytes, img)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "indiepub-doctor.png")
	io.Copy(fw, &pngBytes)
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}

func withQuery(u, k, v string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := parsed.Query()
	q.Set(k, v)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// describe says what came back: the error, or the status and the error body's words.
func describe(p *page, err error) string {
	if err != nil {
		return err.Error()
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(p.body, &e) == nil && e.Error != "" {
		return fmt.Sprintf("%s, %s: %s", p.resp.Status, e.Error, e.Description)
	}
	return p.resp.Status
}
