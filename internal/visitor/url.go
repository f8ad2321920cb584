package visitor

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrBadProfile means what the visitor typed is not a profile URL (IndieAuth §3.2).
var ErrBadProfile = errors.New("not a website address")

// Canonical turns what a visitor typed into their profile URL (IndieAuth §3.4): a bare host
// gets the https scheme and every URL without a path the path "/"; the scheme and host
// are lower-cased. The result must then be a profile URL (§3.2): http or https, a host,
// no user or password, no fragment, no "." or ".." path segments; and, unless lax, a
// domain name (not an IP address) and no port. lax is for tests and local setups, whose
// sites live on loopback addresses and ports.
func Canonical(input string, lax bool) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" || len(s) > 2048 {
		return "", fmt.Errorf("%w: %q", ErrBadProfile, input)
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w: %q", ErrBadProfile, input)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.User != nil || u.Fragment != "" ||
		u.RawFragment != "" || strings.HasSuffix(s, "#") {
		return "", fmt.Errorf("%w: %q", ErrBadProfile, input)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || strings.ContainsAny(host, " %") {
		return "", fmt.Errorf("%w: %q", ErrBadProfile, input)
	}
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	isIP := net.ParseIP(host) != nil
	if !lax && (port != "" || isIP || !strings.Contains(host, ".")) {
		return "", fmt.Errorf("%w: %q: a domain name without a port", ErrBadProfile, input)
	}
	switch {
	case port != "":
		u.Host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		u.Host = "[" + host + "]"
	default:
		u.Host = host
	}
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: %q", ErrBadProfile, input)
		}
	}
	return u.String(), nil
}

// sameSite reports whether two profile URLs are on the same host (and port): IndieAuth
// §5.4 lets the returned "me" differ from the one entered only on the same domain.
func sameSite(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && ua.Host != "" && strings.EqualFold(ua.Host, ub.Host)
}
