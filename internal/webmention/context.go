package webmention

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"willnorris.com/go/microformats"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// KindContext is the job that fetches the page a post responds to and keeps what it is
// (its reply context) on the post.
const KindContext = "webmention.context"

// contextProperties are the response properties that get a reply context.
var contextProperties = []string{"in-reply-to", "like-of", "repost-of", "bookmark-of", "quotation-of"}

// contextPayload is a KindContext job's payload.
type contextPayload struct {
	Post     string `json:"post"`
	Property string `json:"property"`
	URL      string `json:"url"`
}

// contextMaxAge is how old a reply context kept by an earlier job may grow before a
// change of the post fetches it again.
const contextMaxAge = 24 * time.Hour

// contextJobs are the KindContext jobs of one change of a visible post: one per response
// URL that is still a bare URL (new, changed by an update, or whose fetch failed), and
// one per context this job kept (an h-cite with dt-accessed) more than contextMaxAge ago.
// An h-cite from the client, without accessed, is its own and left alone; a context just
// kept asks for nothing more, so the job's own update of the post ends there. The key
// names the change, so that each change may fetch again.
func (s *Sender) contextJobs(p *post.Post, change string) []*jobs.Job {
	now := s.cfg.Now()
	var out []*jobs.Job
	for _, prop := range contextProperties {
		for _, v := range p.Item.Properties[prop] {
			u := staleContext(v, now)
			if u == "" {
				continue
			}
			payload, _ := json.Marshal(contextPayload{Post: p.URL, Property: prop, URL: u})
			out = append(out, &jobs.Job{Kind: KindContext, Key: p.URL + " " + prop + " " + u + " " + change, Payload: payload})
		}
	}
	return out
}

// staleContext returns the URL of a response value to fetch a context for, or "": a bare
// http(s) URL, or the url of a context kept by the job (see keptContext) before now
// less contextMaxAge.
func staleContext(v any, now time.Time) string {
	if s, ok := v.(string); ok {
		return absoluteHTTP(s)
	}
	accessed, ok := keptContext(v)
	if !ok || now.Sub(accessed) < contextMaxAge {
		return ""
	}
	return absoluteHTTP(valueURL(v))
}

// keptContext reports whether v is a context the job kept: an h-cite with an accessed
// date (h-cite's dt-accessed, when the page was read), and returns that date.
func keptContext(v any) (time.Time, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return time.Time{}, false
	}
	props, _ := m["properties"].(map[string]any)
	vs, _ := props["accessed"].([]any)
	if len(vs) == 0 {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339, post.StringValue(vs[0]))
	return at, err == nil
}

// maxContextSummary bounds the summary kept of a page, in characters.
const maxContextSummary = 300

// Context is the KindContext job handler: it fetches the page through the guarded client
// and replaces the bare URL (or the stale context) in the post's property with an h-cite
// of the page's url, name, author, published date and a short summary, read from its
// microformats2 h-entry, else from OpenGraph, <title> and <meta name="description">, and
// when it was read (accessed). A page that cannot be
// fetched leaves the post as it was (its 5xx and timeouts are retried). The author's
// photo is kept in the media store (see Photos); no other image of the page is.
func (s *Sender) Context(ctx context.Context, j *jobs.Job) (string, error) {
	var p contextPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return "", jobs.Permanent(fmt.Errorf("reply context job %d: %w", j.ID, err))
	}
	cite, err := s.fetchContext(ctx, p.URL)
	if err != nil {
		return "", err
	}
	_, err = s.cfg.Store.UpdatePost(ctx, p.Post, func(pp *post.Post) error {
		vs := pp.Item.Properties[p.Property]
		for i, v := range vs {
			if sv, ok := v.(string); ok && sv == p.URL {
				vs[i] = cite
			} else if _, kept := keptContext(v); kept && valueURL(v) == p.URL {
				vs[i] = cite // refreshed
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return "context of " + p.URL, nil
}

// fetchContext reads the page at u as a nested h-cite.
func (s *Sender) fetchContext(ctx context.Context, u string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	req.Header.Set("Accept", "text/html, application/xhtml+xml;q=0.9")
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, retryable(fmt.Errorf("reply context %s: %w", u, err), 0, nil)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, retryable(fmt.Errorf("reply context %s: %s", u, resp.Status), resp.StatusCode, resp.Header)
	}
	body, err := indieauth.ReadLimited(resp.Body, maxDiscoveryBody)
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("reply context %s: %w", u, err))
	}
	props := map[string]any{"url": []any{u}, "accessed": []any{s.cfg.Now().UTC().Format(time.RFC3339)}}
	add := func(k, v string) {
		if v = strings.Join(strings.Fields(v), " "); v != "" {
			if _, set := props[k]; !set {
				props[k] = []any{v}
			}
		}
	}
	final := resp.Request.URL
	data := microformats.Parse(bytes.NewReader(body), final)
	if e, feed := findEntry(data.Items, u, nil); e != nil {
		add("name", firstText(e.Properties["name"]))
		add("content", firstText(e.Properties["summary"]))
		add("content", firstText(e.Properties["content"]))
		add("published", firstText(e.Properties["published"]))
		if author := s.contextAuthor(ctx, data, authorOf(e, feed)); author != nil {
			props["author"] = []any{author}
		}
		if n, ok := props["name"].([]any); ok && props["content"] != nil && strings.HasPrefix(props["content"].([]any)[0].(string), n[0].(string)) {
			delete(props, "name") // a note's implied name is its content
		}
	}
	meta := pageMeta(body)
	add("name", meta["og:title"])
	add("name", meta["title"])
	add("content", meta["og:description"])
	add("content", meta["description"])
	if c, ok := props["content"].([]any); ok {
		props["content"] = []any{shorten(c[0].(string), maxContextSummary)}
	}
	return map[string]any{"type": []any{"h-cite"}, "properties": props}, nil
}

// contextAuthor is a reply context's author: an h-card with the name, url and photo
// (kept in the media store: the post's page shows it from there) when the page gives a
// url or a photo, else the name alone; nil when the page names none.
func (s *Sender) contextAuthor(ctx context.Context, data *microformats.Data, author any) any {
	name, photo, link := pageAuthor(data, author)
	name = strings.Join(strings.Fields(name), " ")
	photo = s.photos.keep(ctx, photo)
	link = absoluteHTTP(link)
	if photo == "" && link == "" {
		if name == "" {
			return nil
		}
		return name
	}
	props := map[string]any{}
	value := name
	if name != "" {
		props["name"] = []any{name}
	}
	if link != "" {
		props["url"] = []any{link}
		if value == "" {
			value = link
		}
	}
	if photo != "" {
		props["photo"] = []any{photo}
	}
	card := map[string]any{"type": []any{"h-card"}, "properties": props}
	if value != "" {
		card["value"] = value
	}
	return card
}

// pageMeta reads a page's <title> and its <meta> name/property content pairs.
func pageMeta(body []byte) map[string]string {
	out := map[string]string{}
	z := html.NewTokenizer(bytes.NewReader(body))
	inTitle := false
	for range maxDiscoveryTokens {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.TextToken:
			if inTitle && out["title"] == "" {
				out["title"] = string(z.Text())
			}
		case html.EndTagToken:
			inTitle = false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Title:
				inTitle = true
			case atom.Meta:
				var key, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "name", "property":
						key = strings.ToLower(string(v))
					case "content":
						content = string(v)
					}
				}
				if key != "" && out[key] == "" {
					out[key] = content
				}
			case atom.Body:
				return out
			}
		}
	}
	return out
}

// shorten cuts s to at most n characters, at a space where it can, with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// FetchContext reads the page at u through the guarded client as an h-cite (its name,
// author, summary and published date, as a reply context keeps them), for the owner's
// write form to show before a response is posted.
func (s *Sender) FetchContext(ctx context.Context, u string) (map[string]any, error) {
	return s.fetchContext(ctx, u)
}
