package indieauth

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrBadURL means a profile URL is not an absolute http or https URL.
var ErrBadURL = errors.New("not an http or https URL")

// CanonicalURL normalizes a profile URL ("me") so that two spellings of the same URL compare
// equal (IndieAuth §3.4): the scheme and host are lower-cased, the default port is dropped
// and a bare host gets the path "/". The path, query and case of the path are kept.
func CanonicalURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("%w: %q", ErrBadURL, s)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "", fmt.Errorf("%w: %q", ErrBadURL, s)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	switch {
	case port != "":
		u.Host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		u.Host = "[" + host + "]"
	default:
		u.Host = host
	}
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// SameURL reports whether a and b are the same profile URL once normalized by CanonicalURL,
// scheme included. It is the rule for a "me" that another server vouches for, such as a
// token endpoint's answer: http://example.com/ is not https://example.com/ there.
func SameURL(a, b string) bool {
	ca, errA := CanonicalURL(a)
	cb, errB := CanonicalURL(b)
	return errA == nil && errB == nil && ca == cb
}

// SameProfile reports whether a and b name the same profile: once normalized by
// CanonicalURL, the same host, port and path, whatever the scheme and with or without a
// trailing slash. It is the rule for a "me" that a client sends about a server's own user:
// clients differ in the trailing slash, and Sunlit in the scheme (http:// when
// authorizing, https:// when redeeming). A value that is not an http or https URL names
// no profile.
func SameProfile(a, b string) bool {
	ka, errA := profileKey(a)
	kb, errB := profileKey(b)
	return errA == nil && errB == nil && ka == kb
}

// profileKey is the canonical URL without its scheme and trailing slash.
func profileKey(s string) (string, error) {
	c, err := CanonicalURL(s)
	if err != nil {
		return "", err
	}
	_, rest, _ := strings.Cut(c, "://")
	return strings.TrimSuffix(rest, "/"), nil
}
