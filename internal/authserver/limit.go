package authserver

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Login attempts are limited per client address and overall: one password, many
// possible guessers.
const (
	loginWindow       = 15 * time.Minute
	maxFailuresPerIP  = 5
	maxFailuresGlobal = 50
)

// limiter counts failed logins in a sliding window, in memory: a restart forgets them,
// which costs an attacker a restart they cannot cause.
type limiter struct {
	now    func() time.Time
	mu     sync.Mutex
	byIP   map[string][]time.Time
	global []time.Time
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, byIP: map[string][]time.Time{}}
}

// allow reports whether ip may try a password now, and if not, when it may.
func (l *limiter) allow(ip string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.global = prune(l.global, now)
	mine := prune(l.byIP[ip], now)
	if len(mine) == 0 {
		delete(l.byIP, ip)
	} else {
		l.byIP[ip] = mine
	}
	switch {
	case len(mine) >= maxFailuresPerIP:
		return false, mine[0].Add(loginWindow).Sub(now)
	case len(l.global) >= maxFailuresGlobal:
		return false, l.global[0].Add(loginWindow).Sub(now)
	}
	return true, 0
}

func (l *limiter) fail(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.byIP[ip] = append(l.byIP[ip], now)
	l.global = append(l.global, now)
	if len(l.byIP) > 10000 {
		for k, v := range l.byIP {
			if len(prune(v, now)) == 0 {
				delete(l.byIP, k)
			}
		}
	}
}

func (l *limiter) succeed(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byIP, ip)
}

func prune(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && !now.Before(ts[i].Add(loginWindow)) {
		i++
	}
	return ts[i:]
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
