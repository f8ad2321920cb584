package micropub

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// parseForm reads an application/x-www-form-urlencoded body. It is more forgiving than
// url.ParseQuery: Sunlit leaves newlines, quotes and angle brackets unescaped, IndiePass
// ends the body with "&", and a stray "%" or ";" is kept as text rather than refused.
func parseForm(r io.Reader) (*request, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read form: %w", err)
	}
	req := newRequest()
	for _, pair := range strings.Split(string(b), "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if err := req.setField(unescapeForm(k), unescapeForm(v)); err != nil {
			return nil, err
		}
	}
	if err := req.finish(); err != nil {
		return nil, err
	}
	return req, nil
}

// unescapeForm decodes one form key or value; text that is not valid percent-encoding is
// taken as it was written, with '+' still meaning a space.
func unescapeForm(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}
