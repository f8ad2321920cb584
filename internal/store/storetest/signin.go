package storetest

import (
	"fmt"
	"sync"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
)

// limit is the sign-in rule the contracts count by: small, so that they stay short.
var limit = owner.SignInLimit{Window: 15 * time.Minute, PerAddr: 3, Overall: 6}

// attempt counts an attempt from addr at at and returns its ID, 0 when refused, and
// when addr may try again.
func attempt(t TB, s Store, addr string, at time.Time) (int64, time.Time) {
	t.Helper()
	id, retry, err := s.SignInAttempt(t.Context(), addr, at, limit)
	if err != nil {
		t.Fatalf("SignInAttempt %s: %v", addr, err)
	}
	return id, retry
}

// attempts makes n attempts from addr, a minute apart from at, each of which must be let
// through, and returns their IDs.
func attempts(t TB, s Store, addr string, at time.Time, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		id, _ := attempt(t, s, addr, at.Add(time.Duration(i)*time.Minute))
		if id == 0 {
			t.Fatalf("attempt %d from %s refused", i+1, addr)
		}
		ids = append(ids, id)
	}
	return ids
}

// testSignInPerAddress: an address may make limit.PerAddr attempts within the window;
// the next is refused, not counted, and told to come back when its oldest attempt stops
// counting; other addresses are not affected.
func testSignInPerAddress(t TB, s Store) {
	attempts(t, s, "192.0.2.1", epoch, limit.PerAddr)
	for _, at := range []time.Duration{5 * time.Minute, 6 * time.Minute} {
		id, retry := attempt(t, s, "192.0.2.1", epoch.Add(at))
		if id != 0 {
			t.Fatalf("attempt %d within the window let through", limit.PerAddr+1)
		}
		if want := epoch.Add(limit.Window); !retry.Equal(want) {
			t.Errorf("refused attempt: retry at %v, want %v (the first attempt's end)", retry, want)
		}
	}
	if id, _ := attempt(t, s, "192.0.2.2", epoch.Add(5*time.Minute)); id == 0 {
		t.Errorf("another address refused after one address reached its limit")
	}
}

// testSignInExpiry: an attempt stops counting when the window after it ends, so the
// address may try again, once per attempt that ended.
func testSignInExpiry(t TB, s Store) {
	attempts(t, s, "192.0.2.1", epoch, limit.PerAddr)
	if id, _ := attempt(t, s, "192.0.2.1", epoch.Add(limit.Window-time.Second)); id != 0 {
		t.Fatalf("attempt let through a second before the first one ended")
	}
	if id, _ := attempt(t, s, "192.0.2.1", epoch.Add(limit.Window)); id == 0 {
		t.Errorf("attempt refused when the first one ended")
	}
	id, retry := attempt(t, s, "192.0.2.1", epoch.Add(limit.Window))
	if want := epoch.Add(time.Minute + limit.Window); id != 0 || !retry.Equal(want) {
		t.Errorf("second attempt when only the first ended: id %d, retry at %v; want refused until %v", id, retry, want)
	}
}

// testSignInOverall: once limit.Overall attempts count, from however many addresses,
// every address may make one attempt per window, and no more: an address that has made
// one waits for it to end, but an address that has made none still gets its one try.
func testSignInOverall(t TB, s Store) {
	for i := range limit.Overall {
		attempts(t, s, fmt.Sprintf("198.51.100.%d", i), epoch.Add(time.Duration(i)*time.Second), 1)
	}
	id, retry := attempt(t, s, "198.51.100.0", epoch.Add(time.Minute))
	if want := epoch.Add(limit.Window); id != 0 || !retry.Equal(want) {
		t.Errorf("second attempt under pressure: id %d, retry at %v; want refused until %v", id, retry, want)
	}
	attempts(t, s, "192.0.2.1", epoch.Add(time.Minute), 1)
	if id, _ := attempt(t, s, "192.0.2.1", epoch.Add(2*time.Minute)); id != 0 {
		t.Errorf("a fresh address made two attempts under pressure")
	}
	// Once the pressure's attempts end, the usual limit is back.
	attempts(t, s, "198.51.100.0", epoch.Add(limit.Window+time.Minute), limit.PerAddr)
}

// testSignInForget: an attempt taken back (its password was never checked) no longer
// counts, against the address or overall.
func testSignInForget(t TB, s Store) {
	ids := attempts(t, s, "192.0.2.1", epoch, limit.PerAddr)
	if err := s.ForgetSignInAttempt(t.Context(), ids[1]); err != nil {
		t.Fatalf("ForgetSignInAttempt: %v", err)
	}
	if id, _ := attempt(t, s, "192.0.2.1", epoch.Add(5*time.Minute)); id == 0 {
		t.Errorf("an attempt taken back still counts against its address")
	}
	if id, _ := attempt(t, s, "192.0.2.1", epoch.Add(6*time.Minute)); id != 0 {
		t.Errorf("taking one attempt back freed more than one")
	}
	// Overall: an address's second attempt is let through only if fewer than
	// limit.Overall attempts count, the one taken back not among them.
	attempts(t, s, "192.0.2.3", epoch.Add(7*time.Minute), 1)
	ids = attempts(t, s, "192.0.2.2", epoch.Add(8*time.Minute), limit.Overall-limit.PerAddr-1)
	if err := s.ForgetSignInAttempt(t.Context(), ids[0]); err != nil {
		t.Fatalf("ForgetSignInAttempt: %v", err)
	}
	if id, _ := attempt(t, s, "192.0.2.3", epoch.Add(10*time.Minute)); id == 0 {
		t.Errorf("an attempt taken back still counts overall")
	}
}

// testSignInSuccess: a right password takes its attempt back and the address's earlier
// failures stop counting against it, so the owner's address gets its full limit again;
// those failures still count overall.
func testSignInSuccess(t TB, s Store) {
	attempts(t, s, "192.0.2.1", epoch, limit.PerAddr-1)
	id, _ := attempt(t, s, "192.0.2.1", epoch.Add(time.Minute))
	if id == 0 {
		t.Fatalf("last attempt before the limit refused")
	}
	if err := s.SignInSucceeded(t.Context(), "192.0.2.1", id); err != nil {
		t.Fatalf("SignInSucceeded: %v", err)
	}
	attempts(t, s, "192.0.2.1", epoch.Add(2*time.Minute), limit.PerAddr)
	// PerAddr-1 earlier failures and PerAddr new attempts count overall: one more
	// address's attempt (with PerAddr = 3, Overall = 6) puts the pressure on.
	attempts(t, s, "192.0.2.2", epoch.Add(3*time.Minute), limit.Overall-(2*limit.PerAddr-1))
	attempts(t, s, "192.0.2.3", epoch.Add(4*time.Minute), 1)
	if id, _ := attempt(t, s, "192.0.2.3", epoch.Add(5*time.Minute)); id != 0 {
		t.Errorf("the failures before a success stopped counting overall")
	}
}

// testSignInOneAtATime: attempts arriving together are checked and counted one at a
// time, so no more than limit.PerAddr get through.
func testSignInOneAtATime(t TB, s Store) {
	const n = 16
	var wg sync.WaitGroup
	ids := make(chan int64, n)
	for range n {
		wg.Go(func() {
			id, _, err := s.SignInAttempt(t.Context(), "192.0.2.1", epoch, limit)
			if err != nil {
				t.Errorf("SignInAttempt: %v", err)
			}
			ids <- id
		})
	}
	wg.Wait()
	close(ids)
	through := 0
	for id := range ids {
		if id != 0 {
			through++
		}
	}
	if through != limit.PerAddr {
		t.Errorf("%d attempts at once: %d let through, want %d", n, through, limit.PerAddr)
	}
}
