package post

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// jsonSeeds is every JSON create fixture's body.
func jsonSeeds(f *testing.F) {
	for name := range createFixtures {
		if strings.HasSuffix(name, ".json") {
			f.Add(readFixture(f, name))
		}
	}
}

func FuzzNormalizeNew(f *testing.F) {
	jsonSeeds(f)
	for name := range createFixtures {
		if !strings.HasSuffix(name, ".json") {
			b, _ := json.Marshal(fixtureRaw(f, name))
			f.Add(b)
		}
	}
	now := time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		var raw map[string]any
		if json.Unmarshal(body, &raw) != nil {
			return
		}
		it, err := Normalize(raw)
		if err != nil {
			return
		}
		cmds := StripCommands(&it)
		for k := range it.Properties {
			if isCommand(k) {
				t.Fatalf("command %q left in properties", k)
			}
		}
		p, err := New(it, now)
		if err != nil {
			return
		}
		if p.Type == "" || p.Published.IsZero() || p.Published.Location() != time.UTC {
			t.Fatalf("post %+v: missing indexed fields", p)
		}
		slug := ChooseSlug(p.Item, StringValue(first(cmds["mp-slug"])), p.LocalPublished())
		if slug == "" {
			t.Fatal("empty slug")
		}
		p.Slug = slug
		path := p.Path(DefaultURLPattern)
		if strings.Contains(path, "..") || strings.Count(path, "/") != 4 {
			t.Fatalf("path %q", path)
		}
		if _, err := json.Marshal(p.Item); err != nil {
			t.Fatalf("item does not encode: %v", err)
		}
		if err := p.Reindex(now.Add(time.Hour)); err != nil {
			t.Fatalf("reindex of a valid post: %v", err)
		}
	})
}

func first(vs []any) any {
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}

func FuzzUpdateApply(f *testing.F) {
	for _, name := range []string{"micropublish-update.json", "ownyourswarm-update.json", "quill-like-update.json"} {
		f.Add(readFixture(f, "micropublish-note.json"), readFixture(f, name))
		f.Add(readFixture(f, "ownyourswarm-checkin.json"), readFixture(f, name))
	}
	now := time.Date(2024, 5, 4, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, create, update []byte) {
		var raw, uraw map[string]any
		if json.Unmarshal(create, &raw) != nil || json.Unmarshal(update, &uraw) != nil {
			return
		}
		it, err := Normalize(raw)
		if err != nil {
			return
		}
		StripCommands(&it)
		p, err := New(it, now)
		if err != nil {
			return
		}
		u, _ := updateFromJSON(uraw)
		StripUpdateCommands(&u)
		before, _ := json.Marshal(p.Item)
		if err := u.Apply(&p.Item); err != nil {
			after, _ := json.Marshal(p.Item)
			if string(before) != string(after) {
				t.Fatalf("failed update changed the item:\n%s\n%s", before, after)
			}
			return
		}
		for k, vs := range p.Item.Properties {
			if k == "" || len(vs) == 0 || isCommand(k) {
				t.Fatalf("property %q = %v after update", k, vs)
			}
		}
		for k, vs := range u.Replace {
			if len(dropNil(vs)) > 0 && len(u.Delete[k]) == 0 && !contains(u.DeleteProps, k) && len(p.Item.Properties[k]) < len(dropNil(vs)) {
				t.Fatalf("replace %q lost values", k)
			}
		}
		_ = p.Reindex(now)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-05-04T08:30:00+0200", "2024-06-12T18:30-07:00", "2024-05-04",
		"2024-05-06 09:00:00 -07:00", "2024-05-04T09:12:44-07:00", "2019-06-22T10:41:07.123Z", "1969"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		// What parses must survive the round trip the store makes.
		back, err := time.Parse(time.RFC3339Nano, tm.Format(time.RFC3339Nano))
		if err != nil || !back.Equal(tm) {
			t.Fatalf("ParseTime(%q) = %v does not round-trip: %v", s, tm, err)
		}
	})
}

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Espresso on Alder", "../../etc/passwd", "Café", "кофе", "a..b", "%2e%2e", strings.Repeat("ab ", 40)} {
		f.Add(s)
	}
	for name := range createFixtures {
		it, _ := fixtureItem(f, name)
		f.Add(PlainText(firstValue(it, "content")))
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSlug(t, s, Slugify(s))
	})
}

func FuzzParseCursor(f *testing.F) {
	f.Add((&Post{ID: 42, Published: time.Date(2024, 5, 4, 9, 12, 44, 5, time.UTC)}).Cursor())
	f.Add("")
	f.Add("MjAyNC0wNS0wNFQwOToxMjo0NFogNDI")
	f.Fuzz(func(t *testing.T, s string) {
		published, id, err := ParseCursor(s)
		if err != nil {
			if !errorsIs(err, ErrInvalid) {
				t.Fatalf("ParseCursor(%q) = %v, not ErrInvalid", s, err)
			}
			return
		}
		again := (&Post{ID: id, Published: published}).Cursor()
		p2, id2, err := ParseCursor(again)
		if err != nil || id2 != id || !p2.Equal(published) {
			t.Fatalf("cursor %q does not round-trip: %v %d %v", s, p2, id2, err)
		}
	})
}
