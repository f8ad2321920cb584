package post

import (
	"strings"
	"unicode"
)

// Slugify turns text into a URL slug of lower-case letters, digits and single hyphens, at
// most about 60 characters, cut at a word boundary. It never contains '/' or "..".
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
		if b.Len() >= 60 {
			break
		}
	}
	return b.String()
}
