package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
)

// TestSignInAttemptsBounded: the table holds only the attempts that still count; older
// ones go as new attempts arrive, however many addresses made them.
func TestSignInAttemptsBounded(t *testing.T) {
	db := openAuthDB(t)
	lim := owner.SignInLimit{Window: time.Minute, PerAddr: 5, Overall: 1000}
	now := time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)
	for i := range 200 {
		if _, _, err := db.SignInAttempt(t.Context(), fmt.Sprintf("10.0.%d.%d", i/250, i%250), now, lim); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.SignInAttempt(t.Context(), "192.0.2.1", now.Add(lim.Window), lim); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM signin_attempts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d rows after the window, want 1 (the new attempt)", n)
	}
}
