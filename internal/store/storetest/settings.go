package storetest

import (
	"reflect"

	"github.com/indiepub/indiepub/internal/settings"
)

// testSettings: before any are saved the settings are the zero Settings; saved ones read
// back whole (every field, every URL pattern) and replace the previous ones entirely;
// and each save makes the site's change counter rise, so that the pages kept for
// visitors, which show the owner's name, are rendered again.
func testSettings(t TB, s Store) {
	ctx := t.Context()
	got, err := s.Settings(ctx)
	if err != nil {
		t.Fatalf("Settings before any save: %v", err)
	}
	if !reflect.DeepEqual(got, settings.Settings{}) {
		t.Errorf("Settings before any save: %+v, want none", got)
	}
	saves := []settings.Settings{
		{Name: "Ada Lovelace", Photo: "https://example.com/ada.jpg", Note: "Writes about engines.\nAnd poems.",
			URLPatterns: map[string]string{"note": "/n/{slug}", "article": "/{yyyy}/{slug}"}, DefaultVisibility: "unlisted"},
		{Name: "Ada", URLPatterns: map[string]string{"photo": "/p/{yyyy}/{mm}/{slug}"}},
	}
	for i, want := range saves {
		before, _ := changes(t, s)
		if err := s.SaveSettings(ctx, want); err != nil {
			t.Fatalf("SaveSettings #%d: %v", i+1, err)
		}
		got, err := s.Settings(ctx)
		if err != nil {
			t.Fatalf("Settings after save #%d: %v", i+1, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Settings after save #%d: %+v, want %+v", i+1, got, want)
		}
		if after, _ := changes(t, s); after <= before {
			t.Errorf("save #%d: change counter %d, was %d; want it to rise", i+1, after, before)
		}
	}
}
