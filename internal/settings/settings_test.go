package settings

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParsePatterns(t *testing.T) {
	tests := []struct {
		text    string
		want    map[string]string
		wantErr bool
	}{
		{"", map[string]string{}, false},
		{"note=/n/{slug}\r\n\n article = /a/{yyyy}/{slug} ", map[string]string{"note": "/n/{slug}", "article": "/a/{yyyy}/{slug}"}, false},
		{"note=/n/{slug},photo=/p/{slug}", map[string]string{"note": "/n/{slug}", "photo": "/p/{slug}"}, false},
		{"/n/{slug}", nil, true},
		{"note=n/{slug}", nil, true},
		{"note=/n/", nil, true},
		{"note=/n/../{slug}", nil, true},
		{"note=/n/{slug}?x", nil, true},
		{"Note=/n/{slug}", nil, true},
	}
	for _, tt := range tests {
		got, err := ParsePatterns(tt.text)
		if (err != nil) != tt.wantErr || (!tt.wantErr && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("ParsePatterns(%q) = %v, %v; want %v (error %t)", tt.text, got, err, tt.want, tt.wantErr)
		}
	}
	if back, _ := ParsePatterns(FormatPatterns(map[string]string{"b": "/b/{slug}", "a": "/a/{slug}"})); len(back) != 2 {
		t.Errorf("FormatPatterns does not read back: %v", back)
	}
}

// memStore is a Store in memory, counting changes as a real one does.
type memStore struct {
	s       Settings
	version int64
	reads   int
}

func (m *memStore) Settings(context.Context) (Settings, error) { m.reads++; return m.s, nil }
func (m *memStore) SaveSettings(_ context.Context, s Settings) error {
	m.s = s
	m.version++
	return nil
}
func (m *memStore) SiteChanges(context.Context) (int64, time.Time, error) {
	return m.version, time.Time{}, nil
}

// TestServiceFixedWinAndCache: fixed settings win field by field (URL patterns type by
// type), a save shows at the next call, and the store is read again only when its change
// count moved.
func TestServiceFixedWinAndCache(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	svc := NewService(st, Settings{Name: "Fixed", URLPatterns: map[string]string{"note": "/f/{slug}"}})
	if err := svc.Save(ctx, Settings{Name: "Stored", Note: "A note.", DefaultVisibility: "unlisted",
		URLPatterns: map[string]string{"note": "/s/{slug}", "article": "/a/{slug}"}}); err != nil {
		t.Fatal(err)
	}
	want := Settings{Name: "Fixed", Note: "A note.", DefaultVisibility: "unlisted",
		URLPatterns: map[string]string{"note": "/f/{slug}", "article": "/a/{slug}"}}
	for range 3 {
		got, err := svc.Current(ctx)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Current = %+v, %v; want %+v", got, err, want)
		}
	}
	if st.reads != 1 {
		t.Errorf("three calls at one change count read the store %d times, want once", st.reads)
	}
	if st.s.URLPatterns["note"] != "/s/{slug}" {
		t.Errorf("merging changed the stored patterns: %v", st.s.URLPatterns)
	}
	if err := svc.Save(ctx, Settings{Note: "Another."}); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Current(ctx); got.Note != "Another." || got.Name != "Fixed" {
		t.Errorf("after a save: %+v", got)
	}
	var invalid *Invalid
	if err := svc.Save(ctx, Settings{DefaultVisibility: "secret"}); err == nil || !errors.As(err, &invalid) || invalid.Fields["default_visibility"] == "" {
		t.Errorf("Save of a wrong visibility: %v, want *Invalid naming default_visibility", err)
	}
}

// TestServiceBySaves: with a count of saves, Current reads the store only when the count
// moved, not when the site's change count (every post) did, and a save made elsewhere
// (another process: the store's count moves, this Service saved nothing) shows at the
// next call.
func TestServiceBySaves(t *testing.T) {
	ctx := context.Background()
	st := &memStore{s: Settings{Name: "Stored"}}
	var saves uint64
	svc := NewService(st, Settings{})
	svc.Saves = func() uint64 { return saves }
	for i := range 5 {
		st.version++ // a post created
		if got, err := svc.Current(ctx); err != nil || got.Name != "Stored" {
			t.Fatalf("call %d: Current = %+v, %v", i, got, err)
		}
	}
	if st.reads != 1 {
		t.Errorf("5 calls while posts changed the site read the store %d times, want once", st.reads)
	}
	st.s = Settings{Name: "Saved elsewhere"}
	saves++
	if got, _ := svc.Current(ctx); got.Name != "Saved elsewhere" {
		t.Errorf("after the count of saves moved: %+v", got)
	}
	if st.reads != 2 {
		t.Errorf("store read %d times, want 2", st.reads)
	}
}

func TestCheckPhoto(t *testing.T) {
	for photo, ok := range map[string]bool{
		"": true, "https://example.com/me.jpg": true, "/media/me.jpg": true,
		"//evil.example/x.jpg": false, "javascript:alert(1)": false, "me.jpg": false, "https:///x": false,
		`/a"b.jpg`: false,
	} {
		if _, bad := Check(Settings{Photo: photo})["photo"]; bad == ok {
			t.Errorf("Check photo %q: refused %t, want %t", photo, bad, !ok)
		}
	}
}
