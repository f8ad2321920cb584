package post

import (
	"strconv"
	"strings"
	"time"
)

// maxSlug bounds a slug in bytes; longer text is cut at a word boundary.
const maxSlug = 60

// slugWords is how many words of the content make a slug when a post has no name.
const slugWords = 6

// Slugify turns text into a URL slug: lower-case ASCII letters, digits and single
// hyphens, at most maxSlug bytes, cut at a word boundary where one is near. Latin letters
// with accents are folded (é to e, ß to ss, ø to o). Letters of other scripts are left
// out, like punctuation: a slug is then plain ASCII, so the post's URL is the same string
// in a Location header, in a q=source url parameter and in a browser's request, with no
// percent-encoding to disagree about. Text with nothing left (кофе, 珈琲) gives "", and
// ChooseSlug moves on to the next source, down to the time-based slug. Everything that is
// not a letter or digit ('/', '.', '%', spaces, control and combining characters)
// separates words, so the result never contains '/' or "..".
func Slugify(s string) string {
	var b strings.Builder
	lastDash := 0 // length of b at the last word boundary
	pendingDash := false
	for _, r := range s {
		word, ok := foldRune(r)
		if !ok {
			pendingDash = b.Len() > 0
			continue
		}
		if pendingDash {
			if b.Len()+1+len(word) > maxSlug {
				break
			}
			lastDash = b.Len()
			b.WriteByte('-')
			pendingDash = false
		}
		if b.Len()+len(word) > maxSlug {
			if lastDash > maxSlug/2 {
				return b.String()[:lastDash]
			}
			break
		}
		b.WriteString(word)
	}
	return b.String()
}

// foldRune maps a rune to what it contributes to a slug, and whether it is part of a word.
func foldRune(r rune) (string, bool) {
	switch {
	case r < 0x80:
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return string(r), true
		case 'A' <= r && r <= 'Z':
			return string(r + 'a' - 'A'), true
		}
		return "", false
	case latinFold[r] != "":
		return latinFold[r], true
	}
	return "", false
}

// latinFold folds the accented Latin letters of Western and Central European languages.
var latinFold = func() map[rune]string {
	m := map[rune]string{}
	add := func(to, from string) {
		for _, r := range from {
			m[r] = to
		}
	}
	add("a", "àáâãäåāăąÀÁÂÃÄÅĀĂĄ")
	add("ae", "æÆ")
	add("c", "çćĉċčÇĆĈĊČ")
	add("d", "ďđðĎĐÐ")
	add("e", "èéêëēĕėęěÈÉÊËĒĔĖĘĚ")
	add("g", "ĝğġģĜĞĠĢ")
	add("h", "ĥħĤĦ")
	add("i", "ìíîïĩīĭįıÌÍÎÏĨĪĬĮİ")
	add("j", "ĵĴ")
	add("k", "ķĶ")
	add("l", "ĺļľŀłĹĻĽĿŁ")
	add("n", "ñńņňÑŃŅŇ")
	add("o", "òóôõöøōŏőÒÓÔÕÖØŌŎŐ")
	add("oe", "œŒ")
	add("r", "ŕŗřŔŖŘ")
	add("s", "śŝşšŚŜŞŠ")
	add("ss", "ß")
	add("t", "ţťŧŢŤŦ")
	add("th", "þÞ")
	add("u", "ùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲ")
	add("w", "ŵŴ")
	add("y", "ýÿŷÝŸŶ")
	add("z", "źżžŹŻŽ")
	return m
}()

// ChooseSlug picks a post's slug: the client's mp-slug, sanitized; else one made from the
// name; else from the first words of the content (or summary); else from the published
// time, so a photo with no text still gets a readable, stable slug.
func ChooseSlug(it Item, mpSlug string, published time.Time) string {
	if s := Slugify(mpSlug); s != "" {
		return s
	}
	if s := Slugify(PlainText(firstValue(it, "name"))); s != "" {
		return s
	}
	text := firstValue(it, "content")
	if text == nil {
		text = firstValue(it, "summary")
	}
	words := strings.Fields(PlainText(text))
	if len(words) > slugWords {
		words = words[:slugWords]
	}
	if s := Slugify(strings.Join(words, " ")); s != "" {
		return s
	}
	return TimeSlug(published)
}

// TimeSlug is the slug of a post with no text: its published day and time of day in the
// offset it was written with ("04-091244" for 2024-05-04T09:12:44-07:00), unique per
// second within a month's URL path.
func TimeSlug(t time.Time) string {
	return t.Format("02-150405")
}

// NthSlug is the n-th candidate for a slug that may be taken: slug itself for n <= 1, then
// slug-2, slug-3 and so on.
func NthSlug(slug string, n int) string {
	if n <= 1 {
		return slug
	}
	return slug + "-" + strconv.Itoa(n)
}
