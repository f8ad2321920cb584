package post

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search selects the posts whose name, content or tags hold every word of Text, newest
// first (in the order they were stored: by ID), never deleted ones.
type Search struct {
	// Text is what was typed, as typed: stores search for its words (SearchTerms), never
	// pass it to a query language.
	Text string
	// Limit is how many posts to return; 20 when unset.
	Limit int
	// Before, when not 0, keeps only the posts with a smaller ID: the ID of the previous
	// page's last post.
	Before int64
	// Status and Visibility (any of), when set, keep only the posts that have them.
	Status     string
	Visibility []string
	// Prefix makes the last word also find the words it begins, as a search box typed
	// into does ("walnu" finds "walnut").
	Prefix bool
	// Type and Category (case-insensitive), when set, keep only the posts of that type
	// and with that tag.
	Type, Category string
}

// Bounds of a search's words: a query of any length costs the same few index lookups.
const (
	MaxSearchTerms   = 16
	MaxSearchTermLen = 64 // bytes
)

// SearchTerms splits a search into its words: runs of letters and digits, lowercased, at
// most MaxSearchTerms of them (the first ones), each cut to MaxSearchTermLen bytes on a
// character boundary, duplicates dropped. Everything else (quotes, operators, stars,
// brackets) separates words, so that no text typed is ever a query language's syntax.
func SearchTerms(s string) []string {
	var terms []string
	seen := map[string]bool{}
	// Lowercase first: lowercasing may give a mark (İ is i and a combining dot), which
	// then separates words too.
	lower := strings.ToLower(s)
	for _, f := range strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		t := cutBytes(f, MaxSearchTermLen)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		terms = append(terms, t)
		if len(terms) == MaxSearchTerms {
			break
		}
	}
	return terms
}

// cutBytes cuts s to at most n bytes without splitting a character.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// The stores' search indexes hold, beside a post's words, a word for each way the post is
// hidden from visitors: AccessDeleted when it is deleted, "xs" and its status when that
// is not published, "xv" and its visibility when that is not public. A published, public
// post has none, so that the filters of a visitor's search exclude a few rare words
// rather than intersect with words every post has.
const AccessDeleted = "xdeleted"

// AccessWords are the access words q's filters ask for: a post found must have one word
// of each group of all, and none of the words of none (deleted posts are never found).
func (q Search) AccessWords() (all [][]string, none []string) {
	none = []string{AccessDeleted}
	switch q.Status {
	case "":
	case StatusPublished:
		none = append(none, "xs"+StatusDraft)
	default:
		all = append(all, []string{"xs" + q.Status})
	}
	if len(q.Visibility) == 0 {
		return all, none
	}
	if slices.Contains(q.Visibility, VisibilityPublic) {
		for _, v := range []string{VisibilityUnlisted, VisibilityPrivate} {
			if !slices.Contains(q.Visibility, v) {
				none = append(none, "xv"+v)
			}
		}
		return all, none
	}
	group := make([]string, len(q.Visibility))
	for i, v := range q.Visibility {
		group[i] = "xv" + v
	}
	return append(all, group), none
}
