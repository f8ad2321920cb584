package post

import (
	"reflect"
	"testing"
)

func TestTags(t *testing.T) {
	it, _ := fixtureItem(t, "ownyourswarm-checkin.json")
	if got := it.Tags(); !reflect.DeepEqual(got, []string{"coffee"}) {
		t.Errorf("swarm tags %v, want [coffee] (the h-card is a person tag)", got)
	}
	if got := it.PersonTags(); !reflect.DeepEqual(got, []string{"https://sam.example.com/"}) {
		t.Errorf("swarm person tags %v", got)
	}
	it, _ = fixtureItem(t, "ownyourgram-photo.multipart.txt")
	if got := it.Tags(); !reflect.DeepEqual(got, []string{"farmersmarket"}) {
		t.Errorf("ownyourgram tags %v, want [farmersmarket] (the profile URL is a person tag)", got)
	}
	if got := it.PersonTags(); !reflect.DeepEqual(got, []string{"https://www.instagram.example.com/samcooks/"}) {
		t.Errorf("ownyourgram person tags %v", got)
	}
	it = Item{Properties: map[string][]any{"category": {" Go ", "go", "#Go", "SQLite", "", 3.0, "Two  Words"}}}
	if got := it.Tags(); !reflect.DeepEqual(got, []string{"Go", "SQLite", "Two  Words"}) {
		t.Errorf("tags %v", got)
	}
}

func TestNormalizeTag(t *testing.T) {
	for in, want := range map[string]string{"Coffee": "coffee", " #IndieWeb ": "indieweb", "Two  Words": "two words", "ÉTÉ": "été"} {
		if got := NormalizeTag(in); got != want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", in, got, want)
		}
	}
}
