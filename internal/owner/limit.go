package owner

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
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
const (
	loginWindow       = 15 * time.Minute
	maxFailuresPerIP  = 5
	maxFailuresGlobal = 50
	maxLimiterEntries = 10000
)

// Password checks are bounded because each argon2id check holds 19 MiB: a burst of
// logins from many addresses waits its turn rather than exhausting memory, and gives up
// with 429 after checkWait.
const (
	concurrentChecks = 2
	checkWait        = 10 * time.Second
)

// limiter counts login attempts in a sliding window, in memory: a restart forgets them,
// which costs an attacker a restart they cannot cause.
type limiter struct {
	now    func() time.Time
	mu     sync.Mutex
	byIP   map[string][]time.Time
	global []time.Time
	checks chan struct{}
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, byIP: map[string][]time.Time{}, checks: make(chan struct{}, concurrentChecks)}
}

// allow counts an attempt from ip and reports whether it may go ahead, and if not, when
// ip may try again. The time returned identifies the attempt for forgive.
func (l *limiter) allow(ip string) (ok bool, at time.Time, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.global = prune(l.global, now)
	mine := prune(l.byIP[ip], now)
	limit := maxFailuresPerIP
	if len(l.global) >= maxFailuresGlobal {
		limit = 1
	}
	if len(mine) >= limit {
		l.byIP[ip] = mine
		return false, time.Time{}, mine[len(mine)-limit].Add(loginWindow).Sub(now)
	}
	l.byIP[ip] = append(mine, now)
	l.global = append(l.global, now)
	if len(l.byIP) > maxLimiterEntries {
		for k, v := range l.byIP {
			if len(prune(v, now)) == 0 {
				delete(l.byIP, k)
			}
		}
	}
	return true, now, 0
}

// forgive takes back the attempt allow counted at at: the password was right, or it was
// never checked.
func (l *limiter) forgive(ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.global = removeTime(l.global, at)
	if mine := removeTime(l.byIP[ip], at); len(mine) > 0 {
		l.byIP[ip] = mine
	} else {
		delete(l.byIP, ip)
	}
}

// succeed clears ip's attempts after a right password, the one at at included.
func (l *limiter) succeed(ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.global = removeTime(l.global, at)
	delete(l.byIP, ip)
}

// check runs fn once fewer than concurrentChecks others run, waiting at most checkWait;
// it reports false if fn did not run.
func (l *limiter) check(ctx context.Context, fn func()) bool {
	t := time.NewTimer(checkWait)
	defer t.Stop()
	select {
	case l.checks <- struct{}{}:
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
	defer func() { <-l.checks }()
	fn()
	return true
}

func removeTime(ts []time.Time, at time.Time) []time.Time {
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			return slices.Delete(ts, i, i+1)
		}
	}
	return ts
}

func prune(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && !now.Before(ts[i].Add(loginWindow)) {
		i++
	}
	return ts[i:]
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
