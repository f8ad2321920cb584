package post

import (
	"bytes"
	"encoding/json"
	"html"
	"slices"
	"sort"
	"strings"
)

// FileFinder finds the files posts use under a site's media URLs: what the stores keep
// in their index of the files each post uses.
type FileFinder struct {
	prefixes []string
	// spellings are the prefixes as they appear in an item's JSON: as they are, and as
	// encoding/json escapes them (it escapes &, < and >).
	spellings [][]byte
}

// NewFileFinder finds files under mediaURLs, the URLs the site's uploads are published
// under (empty ones ignored, a slash added where missing).
func NewFileFinder(mediaURLs []string) FileFinder {
	var f FileFinder
	for _, u := range mediaURLs {
		if u == "" {
			continue
		}
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		f.prefixes = append(f.prefixes, u)
	}
	slices.Sort(f.prefixes)
	f.prefixes = slices.Compact(f.prefixes)
	for _, p := range f.prefixes {
		f.spellings = append(f.spellings, []byte(p))
		if enc, err := json.Marshal(p); err == nil && string(enc[1:len(enc)-1]) != p {
			f.spellings = append(f.spellings, enc[1:len(enc)-1])
		}
	}
	return f
}

// Prefixes are the media URLs, sorted, each once.
func (f FileFinder) Prefixes() []string { return f.prefixes }

// Files lists the files item uses (FileURLs); encoded is item's JSON. An item whose JSON
// holds no media URL, as most do, costs one search of its bytes per media URL.
func (f FileFinder) Files(item Item, encoded []byte) []string {
	if !f.Mentioned(encoded) {
		return nil
	}
	return FileURLs(item, f.prefixes)
}

// Mentioned reports whether an item's JSON holds a media URL at all.
func (f FileFinder) Mentioned(encoded []byte) bool {
	return slices.ContainsFunc(f.spellings, func(s []byte) bool { return bytes.Contains(encoded, s) })
}

// Covers reports whether url is a file under one of the media URLs, so that an index
// built by this finder knows whether a post uses it.
func (f FileFinder) Covers(url string) bool {
	return slices.ContainsFunc(f.prefixes, func(p string) bool { return strings.HasPrefix(url, p) && len(url) > len(p) })
}

// fileRules names the rules of FileURLs: a change to them must change State, so that
// the stores find every post's files again, as a change of media URLs does.
const fileRules = "post.FileURLs 1"

// State names what an index built by this finder holds: the rules and the media URLs;
// "" when there are no media URLs (no index).
func (f FileFinder) State() string {
	if len(f.prefixes) == 0 {
		return ""
	}
	return fileRules + "\n" + strings.Join(f.prefixes, "\n")
}

// FileURLs lists the URLs under one of prefixes (the URLs the site's uploads are
// published under, each ending in a slash) that item uses, sorted, each once: the
// stores' index of the files each post uses, which the media library's "used by" and
// the in-use check of a file's deletion read.
//
// A file is used when its URL is a property value (photo, video, audio, a {"value",
// "alt"} object, a nested item's properties, the children) or appears inside any text of
// the item: the src or href of HTML content, a Markdown image or link, a URL in plain
// text. Inside text a URL runs from the prefix to the first space, quote, angle bracket,
// parenthesis, square bracket or brace; it is listed as written, HTML-unescaped (an
// attribute's "&amp;" is "&"), without trailing sentence punctuation, and without its
// query or fragment (a resized variant still uses the file). A prefix alone is no file.
func FileURLs(item Item, prefixes []string) []string {
	f := fileFinder{prefixes: prefixes}
	for _, vs := range item.Properties {
		for _, v := range vs {
			f.value(v)
		}
	}
	for _, c := range item.Children {
		f.value(c)
	}
	if len(f.urls) == 0 {
		return nil
	}
	urls := make([]string, 0, len(f.urls))
	for u := range f.urls {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	return urls
}

// fileFinder gathers the file URLs of the values it is shown.
type fileFinder struct {
	prefixes []string
	urls     map[string]bool
}

// value looks at one property value: a string, a nested object or a list.
func (f *fileFinder) value(v any) {
	switch v := v.(type) {
	case string:
		f.text(v)
	case map[string]any:
		for _, x := range v {
			f.value(x)
		}
	case []any:
		for _, x := range v {
			f.value(x)
		}
	case map[string][]any:
		for _, xs := range v {
			for _, x := range xs {
				f.value(x)
			}
		}
	case Item:
		f.value(map[string][]any(v.Properties))
		f.value(v.Children)
	case *Item:
		if v != nil {
			f.value(*v)
		}
	}
}

// text finds the file URLs in s: s itself when it is one, and each URL inside it.
func (f *fileFinder) text(s string) {
	for _, prefix := range f.prefixes {
		if prefix == "" || !strings.Contains(s, prefix) {
			continue
		}
		// A value that is one URL is taken whole: it may hold what ends a URL in text.
		if t := strings.TrimSpace(s); strings.HasPrefix(t, prefix) && !strings.ContainsAny(t, " \t\n\r\f") {
			f.add(prefix, t)
			if i := strings.IndexAny(t, "?#"); i >= 0 {
				f.add(prefix, t[:i])
			}
			continue
		}
		for rest := s; ; {
			i := strings.Index(rest, prefix)
			if i < 0 {
				break
			}
			rest = rest[i:]
			end := strings.IndexAny(rest, urlEnd)
			if end < 0 {
				end = len(rest)
			}
			f.token(prefix, rest[:end])
			rest = rest[len(prefix):]
		}
	}
}

// urlEnd are the bytes that end a URL inside text: white space, quotes, and the
// brackets of HTML tags, Markdown links and parentheses (RFC 3986 appendix C's
// delimiters, which a URL itself never holds unescaped).
const urlEnd = " \t\n\r\f\"'<>()[]{}`"

// token adds the spellings of a URL found inside text.
func (f *fileFinder) token(prefix, u string) {
	for _, v := range []string{u, html.UnescapeString(u)} {
		v = strings.TrimRight(v, ".,;:!?")
		f.add(prefix, v)
		if i := strings.IndexAny(v, "?#"); i >= 0 {
			f.add(prefix, v[:i])
		}
	}
}

// add keeps u when it names something under prefix.
func (f *fileFinder) add(prefix, u string) {
	if len(u) <= len(prefix) || !strings.HasPrefix(u, prefix) {
		return
	}
	if f.urls == nil {
		f.urls = map[string]bool{}
	}
	f.urls[u] = true
}
