package post

import (
	"errors"
	"testing"
	"time"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func TestCursor(t *testing.T) {
	p := &Post{ID: 42, Published: time.Date(2024, 5, 4, 9, 12, 44, 123, time.FixedZone("", 3600))}
	pub, id, err := ParseCursor(p.Cursor())
	if err != nil {
		t.Fatal(err)
	}
	if id != 42 || !pub.Equal(p.Published) || pub.Location() != time.UTC {
		t.Errorf("ParseCursor = %v, %d; want %v, 42", pub, id, p.Published)
	}
	for _, bad := range []string{"", "!!", "bm90IGEgY3Vyc29y", "MjAyNC0wNS0wNFQwOToxMjo0NFogLTE"} {
		if _, _, err := ParseCursor(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseCursor(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}
