package post

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		wantUTC string
		offset  int // seconds east of UTC the result keeps
	}{
		{"2024-05-04T09:12:44-07:00", "2024-05-04T16:12:44Z", -7 * 3600},
		{"2024-05-04T08:30:00+0200", "2024-05-04T06:30:00Z", 2 * 3600},
		{"2024-06-12T18:30-07:00", "2024-06-13T01:30:00Z", -7 * 3600},
		{"2024-05-04", "2024-05-04T00:00:00Z", 0},
		{"2024-05-06 09:00:00 -07:00", "2024-05-06T16:00:00Z", -7 * 3600},
		{"2024-05-06 09:00:00-07:00", "2024-05-06T16:00:00Z", -7 * 3600},
		{"2024-05-04t09:12:44z", "2024-05-04T09:12:44Z", 0},
		{"2019-06-22T10:41:07.250Z", "2019-06-22T10:41:07.25Z", 0},
		{" 2024-05-04T09:12:44Z ", "2024-05-04T09:12:44Z", 0},
		{"2024-05-04T09:12", "2024-05-04T09:12:00Z", 0},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		if s := got.UTC().Format(time.RFC3339Nano); s != tt.wantUTC {
			t.Errorf("ParseTime(%q) = %s UTC, want %s", tt.in, s, tt.wantUTC)
		}
		if _, off := got.Zone(); off != tt.offset {
			t.Errorf("ParseTime(%q) offset %d, want %d", tt.in, off, tt.offset)
		}
	}
	for _, bad := range []string{"", "1969", "yesterday", "2024-13-01", "2024-05-04T25:00:00Z", "2024-05-04Tfoo"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) succeeded, want an error", bad)
		}
	}
}

func TestPublished(t *testing.T) {
	now := time.Date(2024, 5, 4, 12, 0, 0, 500, time.UTC)
	tests := []struct {
		name      string
		published []any
		wantItem  any
		wantUTC   time.Time
		wantErr   bool
	}{
		{"offset kept verbatim", []any{"2024-05-04T08:30:00+0200"}, "2024-05-04T08:30:00+0200", time.Date(2024, 5, 4, 6, 30, 0, 0, time.UTC), false},
		{"date only", []any{"2024-05-04"}, "2024-05-04", time.Date(2024, 5, 4, 0, 0, 0, 0, time.UTC), false},
		{"missing is now", nil, "2024-05-04T12:00:00Z", now.Truncate(time.Second), false},
		{"empty is now", []any{""}, "2024-05-04T12:00:00Z", now.Truncate(time.Second), false},
		{"number refused", []any{1969.0}, nil, time.Time{}, true},
		{"garbage refused", []any{"soon"}, nil, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := map[string][]any{"content": {"x"}}
			if tt.published != nil {
				props["published"] = tt.published
			}
			p, err := New(Item{Type: []string{"h-entry"}, Properties: props}, now)
			if tt.wantErr {
				if err == nil || !errorsIs(err, ErrInvalid) {
					t.Fatalf("New: %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Item.Properties["published"][0]; got != tt.wantItem {
				t.Errorf("item published %v, want %v", got, tt.wantItem)
			}
			if !p.Published.Equal(tt.wantUTC) || p.Published.Location() != time.UTC {
				t.Errorf("Published %v, want %v UTC", p.Published, tt.wantUTC)
			}
		})
	}
}

func TestNestedNumericPublished(t *testing.T) {
	it, _ := fixtureItem(t, "sparkles-read.json")
	p, err := New(it, time.Now())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p.Type != "read" || !p.Published.Equal(time.Date(2024, 5, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("type %q published %v", p.Type, p.Published)
	}
	cite := p.Item.Properties["read-of"][0].(map[string]any)["properties"].(map[string]any)
	if got := cite["published"].([]any)[0]; got != 1969.0 {
		t.Errorf("nested published = %v, want the number 1969 kept", got)
	}
}
