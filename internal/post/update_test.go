package post

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestUpdateApply(t *testing.T) {
	base := func() Item {
		return Item{Type: []string{"h-entry"}, Properties: map[string][]any{
			"content":  {"hello"},
			"category": {"a", "b", "c"},
			"photo":    {map[string]any{"value": "https://p.example/x.jpg", "alt": "x"}},
		}}
	}
	tests := []struct {
		name string
		u    Update
		want map[string][]any
	}{
		{"replace", Update{Replace: map[string][]any{"content": {"bye"}}},
			map[string][]any{"content": {"bye"}, "category": {"a", "b", "c"}, "photo": base().Properties["photo"]}},
		{"replace adds a missing property", Update{Replace: map[string][]any{"name": {"T"}}},
			map[string][]any{"name": {"T"}, "content": {"hello"}, "category": {"a", "b", "c"}, "photo": base().Properties["photo"]}},
		{"replace with nothing removes", Update{Replace: map[string][]any{"content": {}}},
			map[string][]any{"category": {"a", "b", "c"}, "photo": base().Properties["photo"]}},
		{"add", Update{Add: map[string][]any{"category": {"d"}, "syndication": {"https://s.example/1"}}},
			map[string][]any{"content": {"hello"}, "category": {"a", "b", "c", "d"}, "syndication": {"https://s.example/1"}, "photo": base().Properties["photo"]}},
		{"delete values", Update{Delete: map[string][]any{"category": {"b", "zz"}}},
			map[string][]any{"content": {"hello"}, "category": {"a", "c"}, "photo": base().Properties["photo"]}},
		{"delete an object value", Update{Delete: map[string][]any{"photo": {map[string]any{"value": "https://p.example/x.jpg", "alt": "x"}}}},
			map[string][]any{"content": {"hello"}, "category": {"a", "b", "c"}}},
		{"delete every value removes the property", Update{Delete: map[string][]any{"category": {"a", "b", "c"}}},
			map[string][]any{"content": {"hello"}, "photo": base().Properties["photo"]}},
		{"delete a value of a missing property", Update{Delete: map[string][]any{"like-of": {"https://x.example/"}}},
			base().Properties},
		{"delete properties", Update{DeleteProps: []string{"category", "missing"}},
			map[string][]any{"content": {"hello"}, "photo": base().Properties["photo"]}},
		{"replace then add then delete", Update{Replace: map[string][]any{"category": {"x"}}, Add: map[string][]any{"category": {"y"}}, Delete: map[string][]any{"category": {"x"}}},
			map[string][]any{"content": {"hello"}, "category": {"y"}, "photo": base().Properties["photo"]}},
		{"commands are not stored", Update{Replace: map[string][]any{"mp-slug": {"s"}}, Add: map[string][]any{"access_token": {"t"}}},
			base().Properties},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := base()
			if err := tt.u.Apply(&it); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !reflect.DeepEqual(it.Properties, tt.want) {
				t.Errorf("properties\n got %v\nwant %v", it.Properties, tt.want)
			}
		})
	}
}

func TestUpdateApplyDoesNotAlias(t *testing.T) {
	it := Item{Type: []string{"h-entry"}, Properties: map[string][]any{}}
	add := []any{"a"}
	u := Update{Replace: map[string][]any{"category": add}}
	if err := u.Apply(&it); err != nil {
		t.Fatal(err)
	}
	add[0] = "changed"
	if it.Properties["category"][0] != "a" {
		t.Error("the item shares its values with the update")
	}
}

func TestUpdateInvalid(t *testing.T) {
	for name, u := range map[string]Update{
		"empty name in replace": {Replace: map[string][]any{"": {"x"}}},
		"blank name in add":     {Add: map[string][]any{" ": {"x"}}},
		"empty name in delete":  {DeleteProps: []string{""}},
		"type in replace":       {Replace: map[string][]any{"type": {"h-event"}}},
		"type deleted":          {DeleteProps: []string{"type"}},
		"valid then invalid":    {Replace: map[string][]any{"content": {"changed"}}, Delete: map[string][]any{"": {"x"}}},
	} {
		t.Run(name, func(t *testing.T) {
			it := Item{Type: []string{"h-entry"}, Properties: map[string][]any{"content": {"hello"}}}
			if err := u.Apply(&it); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Apply = %v, want ErrInvalid", err)
			}
			if it.First("content") != "hello" || len(it.Properties) != 1 || it.Type[0] != "h-entry" {
				t.Errorf("a refused update changed the item: %v %v", it.Type, it.Properties)
			}
		})
	}
}

func TestUpdateFixtures(t *testing.T) {
	now := time.Date(2024, 5, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		create, update string
		check          func(t *testing.T, p *Post)
	}{
		{"micropublish-note.json", "micropublish-update.json", func(t *testing.T, p *Post) {
			if got := p.Categories; !reflect.DeepEqual(got, []string{"portland", "espresso"}) {
				t.Errorf("categories %v", got)
			}
			if got := p.Item.First("content"); got != "Trying the new espresso bar on Alder St. Even better the second time." {
				t.Errorf("content %q", got)
			}
		}},
		{"ownyourswarm-checkin.json", "ownyourswarm-update.json", func(t *testing.T, p *Post) {
			if n := len(p.Item.Properties["photo"]); n != 2 || p.Type != "checkin" {
				t.Errorf("photos %d, type %s", n, p.Type)
			}
		}},
		{"quill-like.form", "quill-like-update.json", func(t *testing.T, p *Post) {
			if got := p.Item.First("like-of"); got != "https://friend.example.com/notes/2024/05/03/new-bike-v2" || p.Type != "like" {
				t.Errorf("like-of %q, type %s", got, p.Type)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.update, func(t *testing.T) {
			it, _ := fixtureItem(t, tt.create)
			p, err := New(it, now)
			if err != nil {
				t.Fatal(err)
			}
			u := fixtureUpdate(t, tt.update)
			StripUpdateCommands(&u)
			if err := u.Apply(&p.Item); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if err := p.Reindex(now); err != nil {
				t.Fatalf("Reindex: %v", err)
			}
			b, _ := json.Marshal(p.Item)
			t.Logf("%s", b)
			tt.check(t, p)
		})
	}
}

func TestReindexAfterUpdate(t *testing.T) {
	now := time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)
	p, err := New(Item{Type: []string{"h-entry"}, Properties: map[string][]any{"content": {"hi"}, "category": {"Go"}}}, now)
	if err != nil {
		t.Fatal(err)
	}
	published := p.Published
	u := Update{
		Replace:     map[string][]any{"post-status": {"draft"}, "visibility": {"private"}, "name": {"A title"}},
		Add:         map[string][]any{"category": {"SQLite"}},
		DeleteProps: []string{"published"},
	}
	if err := u.Apply(&p.Item); err != nil {
		t.Fatal(err)
	}
	if err := p.Reindex(now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if p.Status != StatusDraft || p.Visibility != VisibilityPrivate || p.Type != "article" ||
		!reflect.DeepEqual(p.Categories, []string{"Go", "SQLite"}) || !p.Published.Equal(published) {
		t.Errorf("after update: status %s visibility %s type %s categories %v published %v (was %v)",
			p.Status, p.Visibility, p.Type, p.Categories, p.Published, published)
	}
	bad := Update{Replace: map[string][]any{"post-status": {"secret"}}}
	if err := bad.Apply(&p.Item); err != nil {
		t.Fatal(err)
	}
	if err := p.Reindex(now); !errors.Is(err, ErrInvalid) {
		t.Errorf("Reindex with post-status secret = %v, want ErrInvalid", err)
	}
}
