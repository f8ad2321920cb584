package post

import (
	"reflect"
	"testing"
)

func TestStripCommands(t *testing.T) {
	it := Item{Type: []string{"h-entry"}, Properties: map[string][]any{
		"content":         {"hi"},
		"access_token":    {"secret"},
		"mp-slug":         {"mine"},
		"slug":            {"legacy"},
		"mp-syndicate-to": {"https://a.example/"},
		"syndicate-to":    {"https://b.example/"},
		"mp-photo-alt":    {"alt"},
	}}
	cmds := StripCommands(&it)
	if want := map[string][]any{"content": {"hi"}}; !reflect.DeepEqual(it.Properties, want) {
		t.Errorf("properties %v, want %v", it.Properties, want)
	}
	want := map[string][]any{
		"mp-slug":         {"mine", "legacy"},
		"mp-syndicate-to": {"https://a.example/", "https://b.example/"},
		"mp-photo-alt":    {"alt"},
	}
	if !reflect.DeepEqual(cmds, want) {
		t.Errorf("commands %v, want %v", cmds, want)
	}
	if got := CommandStrings(map[string][]any{"mp-syndicate-to": {""}}, "mp-syndicate-to"); got != nil {
		t.Errorf("empty mp-syndicate-to gives %v, want none", got)
	}
}

func TestFixturesStoreNoCommands(t *testing.T) {
	for name := range createFixtures {
		it, cmds := fixtureItem(t, name)
		for k := range it.Properties {
			if isCommand(k) {
				t.Errorf("%s: %q left in properties", name, k)
			}
		}
		if name == "sparkles-watch.json" && StringValue(cmds["mp-slug"][0]) != "quiet-harbor-rewatch" {
			t.Errorf("%s: bare-string mp-slug lost: %v", name, cmds)
		}
	}
}

func TestStripUpdateCommands(t *testing.T) {
	u := Update{
		Replace:     map[string][]any{"content": {"x"}, "mp-syndicate-to": {"https://a.example/"}},
		Add:         map[string][]any{"access_token": {"t"}},
		Delete:      map[string][]any{"mp-x": {"1"}},
		DeleteProps: []string{"mp-slug", "name"},
	}
	cmds := StripUpdateCommands(&u)
	if len(u.Replace) != 1 || len(u.Add) != 0 || len(u.Delete) != 0 || !reflect.DeepEqual(u.DeleteProps, []string{"name"}) {
		t.Errorf("update left with commands: %+v", u)
	}
	if got := CommandStrings(cmds, "mp-syndicate-to"); !reflect.DeepEqual(got, []string{"https://a.example/"}) {
		t.Errorf("commands %v", cmds)
	}
}
