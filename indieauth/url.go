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

// SameURL reports whether a and b are the same profile URL once normalized by CanonicalURL.
func SameURL(a, b string) bool {
	ca, errA := CanonicalURL(a)
	cb, errB := CanonicalURL(b)
	return errA == nil && errB == nil && ca == cb
}
