package authserver

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// ErrBadClientID means a client_id is not a valid IndieAuth client identifier.
var ErrBadClientID = errors.New("invalid client_id")

// parseClientID checks the client identifier rules of IndieAuth section 3.3: an http or
// https URL with a path, no dot segments, fragment or user info, and a host that is a
// domain name or a loopback address.
func parseClientID(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return nil, fmt.Errorf("%w: %q is not a URL", ErrBadClientID, s)
	}
	if strings.Contains(s, "#") {
		return nil, fmt.Errorf("%w %q: must not contain a fragment", ErrBadClientID, s)
	}
	if err := checkIdentifierURL(u); err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadClientID, s, err)
	}
	return u, nil
}

func checkIdentifierURL(u *url.URL) error {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("scheme must be http or https")
	case u.Opaque != "" || u.Host == "":
		return errors.New("host is missing")
	case u.User != nil:
		return errors.New("must not contain a user name or password")
	case u.Fragment != "":
		return errors.New("must not contain a fragment")
	case u.Path == "":
		return errors.New("must have a path, at least /")
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return errors.New("must not contain . or .. path segments")
		}
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Unmap().IsLoopback() || (ip.Is4() && ip != netip.AddrFrom4([4]byte{127, 0, 0, 1})) {
			return errors.New("host must be a domain name, 127.0.0.1 or [::1]")
		}
		return nil
	}
	if strings.ContainsAny(host, " %") {
		return errors.New("host is not a domain name")
	}
	return nil
}

// parseRedirectURI checks that a redirect_uri is an absolute URL without a fragment.
// Native apps may use their own scheme, which is accepted only when the client lists it.
func parseRedirectURI(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
		return nil, invalidRequest("redirect_uri %q is not an absolute URL", s)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return nil, invalidRequest("redirect_uri %q must not contain a fragment", s)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "javascript" || scheme == "data" || scheme == "vbscript" || scheme == "file" {
		return nil, invalidRequest("redirect_uri %q has a scheme that cannot be a redirect", s)
	}
	return u, nil
}

// sameOrigin compares scheme, host and port, with default ports made explicit.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(hostPort(a), hostPort(b))
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
