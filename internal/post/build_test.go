package post

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, body string
		want       Item
	}{
		{"bare values", `{"type":"h-event","properties":{"name":"Meetup","start":"2024-06-12T18:30-07:00","location":{"type":["h-card"],"properties":{"name":["Library"]}}}}`,
			Item{Type: []string{"h-event"}, Properties: map[string][]any{"name": {"Meetup"}, "start": {"2024-06-12T18:30-07:00"},
				"location": {map[string]any{"type": []any{"h-card"}, "properties": map[string]any{"name": []any{"Library"}}}}}}},
		{"entry without h-", `{"type":["entry"],"properties":{"content":["x"]}}`,
			Item{Type: []string{"h-entry"}, Properties: map[string][]any{"content": {"x"}}}},
		{"no type", `{"properties":{"content":["x"]}}`,
			Item{Type: []string{"h-entry"}, Properties: map[string][]any{"content": {"x"}}}},
		{"nulls dropped", `{"type":["h-entry"],"properties":{"content":null,"category":["a",null],"name":[null]}}`,
			Item{Type: []string{"h-entry"}, Properties: map[string][]any{"category": {"a"}}}},
		{"PHP empty properties", `{"type":["h-entry"],"properties":[]}`, Item{Type: []string{"h-entry"}, Properties: map[string][]any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]any
			if err := json.Unmarshal([]byte(tt.body), &raw); err != nil {
				t.Fatal(err)
			}
			got, err := Normalize(raw)
			if tt.want.Type == nil {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Normalize = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Normalize\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`{"type":[1]}`, `{"type":""}`, `{"type":{}}`, `{"properties":{"":["x"]}}`, `{"properties":"x"}`} {
		var raw map[string]any
		if err := json.Unmarshal([]byte(bad), &raw); err != nil {
			t.Fatal(err)
		}
		if _, err := Normalize(raw); !errors.Is(err, ErrInvalid) {
			t.Errorf("Normalize(%s) = %v, want ErrInvalid", bad, err)
		}
	}
}
