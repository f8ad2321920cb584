package indieauth

import (
	"encoding/json"
	"testing"
)

// FuzzMayNameToken: a JSON body that mayNameToken passes over has no access_token member
// for encoding/json, whatever its shape.
func FuzzMayNameToken(f *testing.F) {
	for _, s := range []string{`{"access_token":"a"}`, `{"ACCESS_token":"a"}`, `{"\u0061ccess_token":"a"}`,
		`{"acceſs_token":"a"}`, `{"content":"access_token"}`, `{"type":["h-entry"]}`, `{"aCcEsS_ToKeN":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var body struct {
			AccessToken any `json:"access_token"`
		}
		if !mayNameToken(b) && json.Unmarshal(b, &body) == nil && body.AccessToken != nil {
			t.Errorf("mayNameToken(%q) = false, but it names a token: %v", b, body.AccessToken)
		}
	})
}
