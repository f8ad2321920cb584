// Package doctor checks a running indiepub site from the outside, as a Micropub or
// IndieAuth client would, and says in plain words what is wrong and how to fix it:
// `indiepub doctor URL`.
package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Status is a check's result.
type Status string

const (
	Pass Status = "pass"
	Warn Status = "warn" // works, but something should change
	Fail Status = "fail"
	Skip Status = "skip" // not checked (no --token, no --data, or an earlier check failed)
)

// Finding is the result of one check.
type Finding struct {
	Check   string `json:"check"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	// Fix says what to do about a warning or failure.
	Fix string `json:"fix,omitempty"`
}

// Report is every finding about one site.
type Report struct {
	URL      string    `json:"url"`
	OK       bool      `json:"ok"` // no check failed
	Findings []Finding `json:"checks"`
}

// Options say what to check and how.
type Options struct {
	// URL is the site's public URL, as its owner gives it to apps.
	URL string
	// Token, when set, is an access token with the media scope (and delete, to remove the
	// test upload): the media endpoint is then asked to take a small file.
	Token string
	// DataDir, when set, is the server's data directory, checked for writing and space.
	DataDir string
	// Client makes the requests; it should be indieauth.NewClient's guarded client.
	Client *http.Client
	// Now is the clock the site's Date header is compared with; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the largest clock difference that passes; 0 means one minute.
	MaxSkew time.Duration
	// MinFree is the least free space in the data directory that passes; 0 means 100 MiB.
	MinFree uint64
}

// Run checks the site and returns what it found, in the order of the checks.
func Run(ctx context.Context, o Options) *Report {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = time.Minute
	}
	if o.MinFree == 0 {
		o.MinFree = 100 << 20
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if !strings.HasSuffix(o.URL, "/") {
		o.URL += "/"
	}
	d := &run{o: o, report: &Report{URL: o.URL}}
	d.check(ctx)
	d.report.OK = true
	for _, f := range d.report.Findings {
		if f.Status == Fail {
			d.report.OK = false
		}
	}
	return d.report
}

// run is one doctor's visit: what it learnt so far and what it found.
type run struct {
	o      Options
	report *Report
	home   *page
	// endpoints found on the home page, by rel.
	endpoints map[string]string
}

func (d *run) add(check string, status Status, message, fix string) {
	d.report.Findings = append(d.report.Findings, Finding{Check: check, Status: status, Message: message, Fix: fix})
}

func (d *run) check(ctx context.Context) {
	if !d.reach(ctx) {
		for _, c := range []string{"clock", "discovery", "issuer", "authorization", "media"} {
			d.add(c, Skip, "not checked: the site does not answer", "")
		}
	} else {
		d.clock()
		d.discovery()
		d.issuer(ctx)
		d.authorization(ctx)
		d.media(ctx)
	}
	d.dataDir()
}

// certError says in words what is wrong with a certificate, or "" when err is not about one.
func certError(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		return "its certificate is not signed by an authority clients trust (self-signed, or the chain is incomplete)"
	case errors.As(err, &host):
		return "its certificate is for another name (" + host.Error() + ")"
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return "its certificate has expired or is not yet valid"
		}
		return "its certificate is not valid: " + invalid.Error()
	case errors.As(err, &verify):
		return "its certificate could not be verified: " + verify.Err.Error()
	}
	return ""
}
