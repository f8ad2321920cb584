package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/bluesky"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon"
)

// targetSpec is one --syndicate-mastodon or --syndicate-bluesky value:
// comma-separated key=value fields and the bare word "always". Credentials are never in
// it, only where to read them: token-file / token-env (Mastodon), password-file /
// password-env (Bluesky), so that they stay out of ps and shell histories.
type targetSpec struct {
	service string // "mastodon" or "bluesky"
	fields  map[string]string
	always  bool
}

var targetFields = map[string][]string{
	"mastodon": {"uid", "name", "server", "token-file", "token-env"},
	"bluesky":  {"uid", "name", "pds", "handle", "password-file", "password-env"},
}

// parseTargetSpec reads one target's fields.
func parseTargetSpec(service, s string) (targetSpec, error) {
	spec := targetSpec{service: service, fields: map[string]string{}}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if f == "always" {
			spec.always = true
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" || !contains(targetFields[service], k) {
			return spec, fmt.Errorf("%q: want %s=… fields or always", f, strings.Join(targetFields[service], "=…, "))
		}
		spec.fields[k] = v
	}
	if spec.fields["uid"] == "" {
		return spec, errors.New("uid=… is required")
	}
	if spec.fields["name"] == "" {
		spec.fields["name"] = spec.fields["uid"]
	}
	return spec, nil
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// credential reads the secret a spec names: the file's first line or the variable.
func (s targetSpec) credential(what string) (string, error) {
	file, env := s.fields[what+"-file"], s.fields[what+"-env"]
	switch {
	case file != "" && env != "":
		return "", fmt.Errorf("%s-file and %s-env: give one", what, what)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimSpace(line), nil
	case env != "":
		if v := os.Getenv(env); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("environment variable %s is empty", env)
	}
	return "", fmt.Errorf("%s-file=… or %s-env=… is required", what, what)
}

// target builds the target and its publisher.
func (s targetSpec) target(allowPrivate bool) (syndicate.Target, error) {
	t := syndicate.Target{UID: s.fields["uid"], Name: s.fields["name"], Always: s.always}
	client := indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: allowPrivate})
	var err error
	switch s.service {
	case "mastodon":
		var token string
		if token, err = s.credential("token"); err == nil {
			t.Publisher, err = mastodon.New(mastodon.Config{Server: s.fields["server"], Token: token, Client: client,
				User: syndicate.Service{Name: s.fields["name"], URL: s.fields["uid"]}})
		}
	case "bluesky":
		var password string
		if password, err = s.credential("password"); err == nil {
			t.Publisher, err = bluesky.New(bluesky.Config{PDS: s.fields["pds"], Identifier: s.fields["handle"],
				AppPassword: password, Client: client, User: syndicate.Service{Name: s.fields["handle"], URL: s.fields["uid"]}})
		}
	}
	if err != nil {
		return t, fmt.Errorf("--syndicate-%s uid=%s: %w", s.service, t.UID, err)
	}
	return t, nil
}

// addTargetSpecs adds the targets of a flag or environment value (several separated by ";").
func (o *options) addTargetSpecs(service, list string) error {
	for _, s := range strings.Split(list, ";") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		spec, err := parseTargetSpec(service, s)
		if err != nil {
			return fmt.Errorf("--syndicate-%s: %w", service, err)
		}
		o.targets = append(o.targets, spec)
	}
	return nil
}

// buildTargets turns the specs into the server's syndication targets.
func (o *options) buildTargets() error {
	seen := map[string]bool{}
	for _, spec := range o.targets {
		t, err := spec.target(o.cfg.AllowPrivateFetch)
		if err != nil {
			return err
		}
		if seen[t.UID] {
			return fmt.Errorf("two syndication targets with uid %s", t.UID)
		}
		seen[t.UID] = true
		o.cfg.Syndication = append(o.cfg.Syndication, t)
	}
	return nil
}
