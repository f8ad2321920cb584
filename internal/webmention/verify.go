package webmention

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/jobs"
)

// verifyPayload is a KindVerify job's payload.
type verifyPayload struct {
	ID int64 `json:"id"`
}

// Verify is the KindVerify job handler (§3.2.2): it fetches the source, checks that it
// links to the target, reads its microformats2 and decides, under the moderation
// setting, whether the mention shows. A source that answers 410, or that no longer links
// to a target it linked to, deletes the mention. The source's server failing (5xx,
// timeouts) is retried; everything else is decided and recorded at once.
func (rc *Receiver) Verify(ctx context.Context, j *jobs.Job) (string, error) {
	var p verifyPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return "", jobs.Permanent(fmt.Errorf("webmention verify job %d: %w", j.ID, err))
	}
	m, err := rc.cfg.Store.MentionByID(ctx, p.ID)
	if errors.Is(err, ErrNoMention) {
		return "", jobs.Permanent(err)
	}
	if err != nil {
		return "", err
	}
	if err := rc.verify(ctx, m); err != nil {
		return "", err
	}
	m.Updated = rc.cfg.Now().UTC()
	if err := rc.cfg.Store.SaveMention(ctx, m); err != nil {
		return "", err
	}
	return m.Status, nil
}

// verify decides m; an error means try again later.
func (rc *Receiver) verify(ctx context.Context, m *Mention) error {
	standing, err := rc.cfg.Store.DomainStanding(ctx, SourceHost(m.Source))
	if err != nil {
		return err
	}
	if standing == DomainBlocked {
		return rc.decide(m, Rejected, "the source's domain is blocked")
	}
	body, final, contentType, code, err := rc.fetch(ctx, m.Source)
	switch {
	case code == http.StatusGone:
		return rc.decide(m, Deleted, "source answered 410 Gone")
	case errors.Is(err, indieauth.ErrPrivateAddress):
		return rc.decide(m, Rejected, "source is at a non-public address")
	case errors.Is(err, errTooLarge):
		return rc.decide(m, Rejected, err.Error())
	case err != nil && (code == 0 || code >= 500 || code == http.StatusTooManyRequests):
		return fmt.Errorf("fetch source %s: %w", m.Source, err)
	case err != nil:
		return rc.decide(m, Rejected, fmt.Sprintf("source answered %d", code))
	}
	if !linksTo(body, contentType, final, m.Target) {
		if m.Status == Verified || m.Approved {
			return rc.decide(m, Deleted, "source no longer links to target")
		}
		return rc.decide(m, Rejected, "source does not link to target")
	}
	if isHTML(contentType) {
		readSource(m, body, final, m.Target, rc.cfg.Sanitize)
		// The author's photo is shown from the site's media store, never from the
		// author's site (see Photos).
		m.AuthorPhoto = rc.photos.keep(ctx, m.AuthorPhoto)
	} else {
		m.Type, m.URL = TypeMention, m.Source
	}
	switch {
	case rc.cfg.Moderation == ModerateAll:
		m.Approved = true
	case rc.cfg.Moderation == ModerateKnown && standing == DomainKnown:
		m.Approved = true
	case rc.cfg.Visitors != nil:
		visitor, err := rc.cfg.Visitors.IsVisitorDomain(ctx, SourceHost(m.Source))
		if err != nil {
			return err
		}
		m.Approved = m.Approved || visitor
	}
	m.Status, m.Reason = Verified, ""
	return nil
}

func (rc *Receiver) decide(m *Mention, status, reason string) error {
	m.Status, m.Reason = status, reason
	return nil
}

var errTooLarge = errors.New("source is too large")

// fetch GETs the source through the guarded client, reading at most MaxSource bytes.
func (rc *Receiver) fetch(ctx context.Context, source string) (body []byte, final *url.URL, contentType string, code int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, source, nil)
	if err != nil {
		return nil, nil, "", 0, err
	}
	req.Header.Set("Accept", "text/html, application/xhtml+xml, application/json;q=0.9, text/plain;q=0.8, */*;q=0.1")
	resp, err := rc.cfg.Client.Do(req)
	if err != nil {
		return nil, nil, "", 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, nil, "", resp.StatusCode, fmt.Errorf("source answered %s", resp.Status)
	}
	if resp.ContentLength > rc.cfg.MaxSource {
		return nil, nil, "", resp.StatusCode, fmt.Errorf("%w: over %d bytes", errTooLarge, rc.cfg.MaxSource)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, rc.cfg.MaxSource+1))
	if err != nil {
		return nil, nil, "", 0, err
	}
	if int64(len(body)) > rc.cfg.MaxSource {
		return nil, nil, "", resp.StatusCode, fmt.Errorf("%w: over %d bytes", errTooLarge, rc.cfg.MaxSource)
	}
	return body, resp.Request.URL, resp.Header.Get("Content-Type"), resp.StatusCode, nil
}

// linksTo reports whether the source document links to target (§3.2.2): in HTML an
// href or src that resolves to it, in JSON a string that is it, in other text the URL
// itself.
func linksTo(body []byte, contentType string, base *url.URL, target string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case isHTML(contentType):
		return htmlLinksTo(body, base, target)
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		var v any
		if json.Unmarshal(body, &v) != nil {
			return false
		}
		return jsonHas(v, target)
	}
	return bytes.Contains(body, []byte(target))
}

func htmlLinksTo(body []byte, base *url.URL, target string) bool {
	z := html.NewTokenizer(bytes.NewReader(body))
	for range maxDiscoveryTokens * 10 {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		for _, hasAttr := z.TagName(); hasAttr; {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			if string(k) != "href" && string(k) != "src" {
				continue
			}
			if u, err := base.Parse(strings.TrimSpace(string(v))); err == nil && sameURL(u.String(), target) {
				return true
			}
		}
	}
	return false
}

func jsonHas(v any, target string) bool {
	switch v := v.(type) {
	case string:
		return sameURL(strings.TrimSpace(v), target)
	case []any:
		for _, e := range v {
			if jsonHas(e, target) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if jsonHas(e, target) {
				return true
			}
		}
	}
	return false
}
