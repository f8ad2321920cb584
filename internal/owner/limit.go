package owner

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Login attempts are limited per client address and overall: one password, many
// possible guessers.
//
// An attempt is counted when it is let through, before the password is checked, so
// parallel guesses cannot all pass the check before the first failure is recorded; a
// right password takes its attempt back.
//
// The overall limit does not lock anyone out: once maxFailuresGlobal attempts have failed
// within the window, every address may try only once per window instead of
// maxFailuresPerIP times. Many addresses guessing together are slowed to one guess each,
// while the owner, at an address that has not been failing, still gets a try with the right
// password. A hard overall lock would let anyone keep the owner out for as long as they
// kept failing.
//
// The counts live in the store, so that several instances on one database share them.
const (
	loginWindow       = 15 * time.Minute
	maxFailuresPerIP  = 5
	maxFailuresGlobal = 50
)

// SignInLimit is the rule by which a store lets a sign-in attempt through
// (Store.SignInAttempt).
type SignInLimit struct {
	// Window is how long an attempt counts; an attempt made at t no longer counts at
	// t+Window.
	Window time.Duration
	// PerAddr is how many attempts one address may make within Window.
	PerAddr int
	// Overall is the number of attempts within Window, from all addresses, past which
	// each address may make only one.
	Overall int
}

// Password checks are bounded because each argon2id check holds 19 MiB: a burst of
// logins from many addresses waits its turn rather than exhausting memory, and gives up
// with 429 after checkWait. The bound is per process: it guards this process's memory.
const (
	concurrentChecks = 2
	checkWait        = 10 * time.Second
)

// checker bounds the password checks running at once in this process.
type checker chan struct{}

func newChecker() checker { return make(checker, concurrentChecks) }

// check runs fn once fewer than concurrentChecks others run, waiting at most checkWait;
// it reports false if fn did not run.
func (c checker) check(ctx context.Context, fn func()) bool {
	t := time.NewTimer(checkWait)
	defer t.Stop()
	select {
	case c <- struct{}{}:
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
	defer func() { <-c }()
	fn()
	return true
}

// clientAddr returns the address login attempts are counted against. Behind a trusted
// reverse proxy it is the right-most X-Forwarded-For address that is not itself a trusted
// proxy: what the outermost trusted proxy saw, which the client cannot forge (anything it
// sends itself sits to the left). IPv6 addresses count by /64, the block one subscriber
// usually holds.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	addr := remoteAddr(r)
	if addr.IsValid() && isTrusted(addr, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := parseHop(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = hop.Unmap()
			if !isTrusted(addr, trusted) {
				break
			}
		}
	}
	if !addr.IsValid() {
		return r.RemoteAddr
	}
	if addr.Is6() {
		p, _ := addr.WithZone("").Prefix(64)
		return p.String()
	}
	return addr.String()
}

// parseHop reads an X-Forwarded-For entry: an address, or one with a port, as some
// proxies write it.
func parseHop(s string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, nil
	}
	ap, err := netip.ParseAddrPort(s)
	return ap.Addr(), err
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return addr.Unmap()
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
