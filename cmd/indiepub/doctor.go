package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/doctor"
)

// doctorOptions are the settings of `indiepub doctor`.
type doctorOptions struct {
	token, dataDir  string
	json, allowPriv bool
	timeout         time.Duration
}

func (o *doctorOptions) bind(fs *flag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print the findings as JSON")
	fs.StringVar(&o.token, "token", env("INDIEPUB_DOCTOR_TOKEN", ""), "an access token with the media scope (and delete, to remove the test file): try an upload (INDIEPUB_DOCTOR_TOKEN; prefer it to the flag, which ps shows)")
	fs.StringVar(&o.dataDir, "data", "", "the server's data directory, when the doctor runs on the server: check it takes a file and has free space")
	fs.BoolVar(&o.allowPriv, "allow-private-fetch", envBool("INDIEPUB_ALLOW_PRIVATE_FETCH"), "let the doctor reach a site on loopback or a private address (INDIEPUB_ALLOW_PRIVATE_FETCH)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "longest wait for each request")
}

func (o *doctorOptions) finish() error { return nil }

const doctorSynopsis = `doctor [flags] URL

Checks the site at URL from outside, as apps see it: that it answers (over https, with a
valid certificate), that the home page advertises its endpoints in the Link header and
the HTML, that the metadata's issuer is URL, that an Authorization header gets through
the proxy, the clock, and with --token an upload, with --data the data directory. Exits 0
when no check fails`

// runDoctor checks a running site and prints what it found; it fails when a check does.
func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o doctorOptions
	positional, err := parseFlags(doctorSynopsis, &o, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return fmt.Errorf("doctor: give the site's URL, e.g. indiepub doctor https://example.com/")
	}
	site := positional[0]
	if !strings.Contains(site, "://") {
		site = "https://" + site
	}
	report := doctor.Run(ctx, doctor.Options{
		URL:     site,
		Token:   o.token,
		DataDir: o.dataDir,
		Client:  indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: o.allowPriv, Timeout: o.timeout}),
	})
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(report)
	} else {
		printReport(stdout, report)
	}
	if !report.OK {
		return fmt.Errorf("doctor: %s has problems (see above)", report.URL)
	}
	return nil
}

func printReport(w io.Writer, r *doctor.Report) {
	fmt.Fprintf(w, "indiepub doctor %s\n\n", r.URL)
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%-4s  %-13s  %s\n", strings.ToUpper(string(f.Status)), f.Check, f.Message)
		if f.Fix != "" {
			fmt.Fprintf(w, "%19s  fix: %s\n", "", f.Fix)
		}
	}
	if r.OK {
		fmt.Fprintln(w, "\nno check failed")
	}
}
