// Package mastodontest is a Mastodon server for tests: an httptest.Server that answers
// the API methods indiepub's publisher calls as the Mastodon API documentation defines
// them (https://docs.joinmastodon.org/methods/), checks what it is sent, records every
// request, and can be switched to answer 429, 5xx or slowly.
//
// Mastodon is not on this machine; this is the only stand-in, shared by every test that
// syndicates to it.
package mastodontest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rivo/uniseg"
)

// Token is the access token the server accepts unless Server.Token is changed.
const Token = "mastodon-test-token"

// Request is one request the server received.
type Request struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	// Form is the form (urlencoded or multipart) or JSON body's fields, JSON arrays as
	// repeated values.
	Form url.Values
	// File is the multipart part "file", when there is one.
	File []byte
}

// Status is a status the server holds.
type Status struct {
	ID          string
	URL         string
	AccountID   string
	Text        string // the status text as sent
	MediaIDs    []string
	InReplyToID string
	Visibility  string
	Language    string
	Edits       int
	Deleted     bool
	// Favourited and Reblogged say whether the test account favourited or boosted it;
	// ReblogID is the boost's own status.
	Favourited, Reblogged bool
	ReblogID              string
	ReblogOf              string // for a boost: the boosted status's ID
}

// Media is an uploaded attachment.
type Media struct {
	ID          string
	Description string
	ContentType string
	Size        int
	// polls is how many GET /api/v1/media/:id answer 206 before url is set.
	polls int
}

// Server is the fake Mastodon server. Change its exported fields before the first
// request, or through its methods while requests run.
type Server struct {
	*httptest.Server
	// Token is the bearer token accepted.
	Token string
	// Now is the clock of the idempotency window; time.Now when nil.
	Now func() time.Time

	mu                 sync.Mutex
	maxChars, maxMedia int
	imageSizeLimit     int
	requests           []Request
	statuses           map[string]*Status
	order              []string
	media              map[string]*Media
	idem               map[string]idemEntry
	nextID             int
	fail               []failure
	delay              time.Duration
	mediaPolls         int
	rateLimitRemaining int
}

type idemEntry struct {
	statusID string
	at       time.Time
}

type failure struct {
	status     int
	retryAfter string
}

// Account is the test account's ID, username and URL.
const (
	AccountID = "1"
	Username  = "alice"
)

// New starts a server with Mastodon's defaults: 500 characters, 4 attachments, 16 MB
// images.
func New() *Server {
	s := &Server{
		Token:              Token,
		maxChars:           500,
		maxMedia:           4,
		imageSizeLimit:     16 * 1024 * 1024,
		statuses:           map[string]*Status{},
		media:              map[string]*Media{},
		idem:               map[string]idemEntry{},
		nextID:             100,
		rateLimitRemaining: 300,
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetLimits sets configuration.statuses.max_characters, max_media_attachments and
// configuration.media_attachments.image_size_limit.
func (s *Server) SetLimits(maxChars, maxMedia, imageSizeLimit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxChars, s.maxMedia, s.imageSizeLimit = maxChars, maxMedia, imageSizeLimit
}

// FailNext makes the next n requests answer status (429, 500, 503…) with a JSON error;
// retryAfter, when not empty, is sent as Retry-After (seconds or an HTTP date).
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, failure{status, retryAfter})
	}
}

// SetDelay makes every answer wait d first (a slow server).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// ProcessMedia makes uploads answer 202 with url null, and the first polls GETs of
// /api/v1/media/:id answer 206 (still processing) before one answers 200 with the url,
// as Mastodon does for media it processes in the background.
func (s *Server) ProcessMedia(polls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mediaPolls = polls
}

// AddRemote adds a status of another account, at its own url, that search with
// resolve finds; it returns the status's ID on this server.
func (s *Server) AddRemote(statusURL string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID()
	s.statuses[id] = &Status{ID: id, URL: statusURL, AccountID: "2", Text: "remote", Visibility: "public"}
	s.order = append(s.order, id)
	return id
}

// Requests is every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Statuses is the test account's statuses that are not deleted (boosts included), in
// the order they were made.
func (s *Server) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, id := range s.order {
		st := s.statuses[id]
		if st.AccountID == AccountID && !st.Deleted {
			out = append(out, *st)
		}
	}
	return out
}

// Status is the status with id, and whether there is one.
func (s *Server) Status(id string) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statuses[id]
	if !ok {
		return Status{}, false
	}
	return *st, true
}

// Media is the attachment with id, and whether there is one.
func (s *Server) Media(id string) (Media, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return Media{}, false
	}
	return *m, true
}

func (s *Server) newID() string {
	s.nextID++
	return strconv.Itoa(s.nextID)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// apiError is Mastodon's error body: {"error": "..."}
// (https://docs.joinmastodon.org/entities/Error/).
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

var (
	statusPath = regexp.MustCompile(`^/api/v1/statuses/([^/]+)(?:/(favourite|unfavourite|reblog|unreblog))?$`)
	mediaPath  = regexp.MustCompile(`^/api/v1/media/([^/]+)$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	req, err := record(r)
	s.mu.Lock()
	s.requests = append(s.requests, req)
	delay := s.delay
	var f *failure
	if len(s.fail) > 0 {
		f = &s.fail[0]
		s.fail = s.fail[1:]
	}
	s.rateLimitHeaders(w, f != nil && f.status == http.StatusTooManyRequests)
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if f != nil {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		msg := "Too many requests" // Mastodon's errors.429
		if f.status != http.StatusTooManyRequests {
			msg = http.StatusText(f.status)
		}
		writeError(w, f.status, msg)
		return
	}
	// Every method here needs a user token: "401 Unauthorized: Invalid or missing
	// Authorization header" (https://docs.joinmastodon.org/methods/statuses/#create).
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
		return
	}
	s.route(w, r, req)
}

// rateLimitHeaders sends X-RateLimit-Limit, -Remaining and -Reset on every answer
// (https://docs.joinmastodon.org/api/rate-limits/); Reset is an ISO 8601 time, as
// Mastodon's rack-attack responder sends it.
func (s *Server) rateLimitHeaders(w http.ResponseWriter, exhausted bool) {
	if s.rateLimitRemaining > 0 {
		s.rateLimitRemaining--
	}
	remaining := s.rateLimitRemaining
	if exhausted {
		remaining = 0
	}
	w.Header().Set("X-RateLimit-Limit", "300")
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", s.now().Add(5*time.Minute).UTC().Format("2006-01-02T15:04:05.000000Z"))
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, req Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/instance":
		s.instance(w)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v2/media":
		s.upload(w, req)
	case r.Method == http.MethodGet && mediaPath.MatchString(r.URL.Path):
		s.getMedia(w, mediaPath.FindStringSubmatch(r.URL.Path)[1])
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		s.create(w, r, req)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/search":
		s.search(w, req)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/accounts/verify_credentials":
		s.verifyCredentials(w)
	case statusPath.MatchString(r.URL.Path):
		m := statusPath.FindStringSubmatch(r.URL.Path)
		s.statusMethod(w, r.Method, m[1], m[2], req)
	default:
		writeError(w, http.StatusNotFound, "Record not found")
	}
}

// instance answers GET /api/v2/instance with the configuration the publisher reads
// (https://docs.joinmastodon.org/entities/Instance/#configuration).
func (s *Server) instance(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{
		"domain":  strings.TrimPrefix(s.URL, "http://"),
		"title":   "Mastodon test",
		"version": "4.3.0",
		"configuration": map[string]any{
			"statuses": map[string]any{
				"max_characters":              s.maxChars,
				"max_media_attachments":       s.maxMedia,
				"characters_reserved_per_url": 23,
			},
			"media_attachments": map[string]any{
				"supported_mime_types": []string{"image/jpeg", "image/png", "image/gif", "image/webp"},
				"description_limit":    1500,
				"image_size_limit":     s.imageSizeLimit,
				"image_matrix_limit":   33177600,
			},
		},
	})
}

// upload is POST /api/v2/media: multipart "file" (required, with a MIME type) and
// "description"; 200 with the MediaAttachment when processed at once, 202 with url null
// when processing goes on (https://docs.joinmastodon.org/methods/media/#v2).
func (s *Server) upload(w http.ResponseWriter, req Request) {
	ct := req.Form.Get("_file_content_type")
	if req.File == nil || ct == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid, File is invalid")
		return
	}
	if !strings.HasPrefix(ct, "image/") && !strings.HasPrefix(ct, "video/") && !strings.HasPrefix(ct, "audio/") {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid")
		return
	}
	if strings.HasPrefix(ct, "image/") && len(req.File) > s.imageSizeLimit {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File file size must be less than "+strconv.Itoa(s.imageSizeLimit)+" Bytes")
		return
	}
	m := &Media{ID: s.newID(), Description: req.Form.Get("description"), ContentType: ct, Size: len(req.File), polls: s.mediaPolls}
	s.media[m.ID] = m
	status := http.StatusOK
	if m.polls > 0 {
		status = http.StatusAccepted
	}
	writeJSON(w, status, s.mediaJSON(m))
}

func (s *Server) mediaJSON(m *Media) map[string]any {
	var u any
	if m.polls == 0 {
		u = s.URL + "/system/media_attachments/" + m.ID + "/original.jpg"
	}
	return map[string]any{
		"id": m.ID, "type": "image", "url": u,
		"preview_url": s.URL + "/system/media_attachments/" + m.ID + "/small.jpg",
		"remote_url":  nil, "description": m.Description, "blurhash": nil,
		"meta": map[string]any{},
	}
}

// getMedia is GET /api/v1/media/:id: 206 while processing, 200 with url once done
// (https://docs.joinmastodon.org/methods/media/#get).
func (s *Server) getMedia(w http.ResponseWriter, id string) {
	m, ok := s.media[id]
	if !ok {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	if m.polls > 0 {
		m.polls--
		writeJSON(w, http.StatusPartialContent, s.mediaJSON(&Media{ID: m.ID, Description: m.Description, polls: 1}))
		return
	}
	writeJSON(w, http.StatusOK, s.mediaJSON(m))
}

// create is POST /api/v1/statuses (https://docs.joinmastodon.org/methods/statuses/#create).
// Idempotency-Key: "Idempotency keys are stored for up to 1 hour"; Mastodon keeps the
// status ID under the account and key (PostStatusService#idempotency_duplicate) and
// answers the same status, 200, to a request that repeats the key.
func (s *Server) create(w http.ResponseWriter, r *http.Request, req Request) {
	key := r.Header.Get("Idempotency-Key")
	if key != "" {
		if e, ok := s.idem[key]; ok && s.now().Sub(e.at) < time.Hour {
			writeJSON(w, http.StatusOK, s.statusJSON(s.statuses[e.statusID]))
			return
		}
	}
	st := &Status{ID: s.newID(), AccountID: AccountID, Visibility: "public"}
	if msg := s.fill(st, req.Form, true); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, msg)
		return
	}
	st.URL = s.URL + "/@" + Username + "/" + st.ID
	s.statuses[st.ID] = st
	s.order = append(s.order, st.ID)
	if key != "" {
		s.idem[key] = idemEntry{st.ID, s.now()}
	}
	writeJSON(w, http.StatusOK, s.statusJSON(st))
}

// fill checks a create or edit's parameters and sets them on st; it answers the 422
// message, or "".
func (s *Server) fill(st *Status, f url.Values, create bool) string {
	text := f.Get("status")
	media := f["media_ids[]"]
	if strings.TrimSpace(text) == "" && len(media) == 0 {
		return "Validation failed: Text can't be blank"
	}
	if n := CountCharacters(text); n > s.maxChars {
		return fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.maxChars)
	}
	if len(media) > s.maxMedia {
		return fmt.Sprintf("Validation failed: Media attachments are limited to %d", s.maxMedia)
	}
	for _, id := range media {
		m, ok := s.media[id]
		if !ok || m.polls > 0 {
			return "Validation failed: Media attachments are not ready or not found"
		}
	}
	if id := f.Get("in_reply_to_id"); create && id != "" {
		if _, ok := s.statuses[id]; !ok {
			return "Validation failed: Thread can't be blank"
		}
		st.InReplyToID = id
	}
	if v := f.Get("visibility"); v != "" {
		switch v {
		case "public", "unlisted", "private", "direct":
			st.Visibility = v
		default:
			return "Validation failed: Visibility is not included in the list"
		}
	}
	st.Text, st.MediaIDs, st.Language = text, media, f.Get("language")
	return ""
}

// mastodonURL approximates Mastodon's FetchLinkCardService::URL_PATTERN: a URL from
// its scheme to the next space.
var mastodonURL = regexp.MustCompile(`https?://[^\s]+`)

// CountCharacters counts a status's text as Mastodon's StatusLengthValidator does: every
// URL as 23 characters, everything else in grapheme clusters (mb_chars.grapheme_length).
func CountCharacters(text string) int {
	return uniseg.GraphemeClusterCount(mastodonURL.ReplaceAllString(text, strings.Repeat("x", 23)))
}

// search is GET /api/v2/search?q=URL&resolve=true: with resolve, the status at that URL
// (https://docs.joinmastodon.org/methods/search/#v2).
func (s *Server) search(w http.ResponseWriter, req Request) {
	q := req.Query.Get("q")
	var found []map[string]any
	if req.Query.Get("resolve") == "true" {
		for _, id := range s.order {
			if st := s.statuses[id]; st.URL == q && !st.Deleted {
				found = append(found, s.statusJSON(st))
			}
		}
	}
	if found == nil {
		found = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": []any{}, "statuses": found, "hashtags": []any{}})
}

func (s *Server) statusMethod(w http.ResponseWriter, method, id, action string, req Request) {
	st, ok := s.statuses[id]
	if !ok || st.Deleted {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	switch {
	case method == http.MethodGet && action == "":
		writeJSON(w, http.StatusOK, s.statusJSON(st))
	case method == http.MethodPut && action == "":
		s.edit(w, st, req)
	case method == http.MethodDelete && action == "":
		if st.AccountID != AccountID {
			writeError(w, http.StatusNotFound, "Record not found")
			return
		}
		st.Deleted = true
		if st.ReblogOf != "" {
			s.statuses[st.ReblogOf].Reblogged = false
		}
		writeJSON(w, http.StatusOK, s.statusJSON(st))
	case method == http.MethodPost && action == "favourite":
		st.Favourited = true
		writeJSON(w, http.StatusOK, s.statusJSON(st))
	case method == http.MethodPost && action == "unfavourite":
		st.Favourited = false
		writeJSON(w, http.StatusOK, s.statusJSON(st))
	case method == http.MethodPost && action == "reblog":
		s.reblog(w, st)
	case method == http.MethodPost && action == "unreblog":
		if st.Reblogged {
			s.statuses[st.ReblogID].Deleted = true
			st.Reblogged, st.ReblogID = false, ""
		}
		writeJSON(w, http.StatusOK, s.statusJSON(st))
	default:
		writeError(w, http.StatusNotFound, "Record not found")
	}
}

// edit is PUT /api/v1/statuses/:id (https://docs.joinmastodon.org/methods/statuses/#edit).
func (s *Server) edit(w http.ResponseWriter, st *Status, req Request) {
	if st.AccountID != AccountID {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	edited := *st
	if msg := s.fill(&edited, req.Form, false); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, msg)
		return
	}
	edited.Edits++
	*st = edited
	writeJSON(w, http.StatusOK, s.statusJSON(st))
}

// reblog is POST /api/v1/statuses/:id/reblog: the boost is a status of its own whose
// reblog is the boosted one; boosting again answers the same boost
// (https://docs.joinmastodon.org/methods/statuses/#boost).
func (s *Server) reblog(w http.ResponseWriter, st *Status) {
	if !st.Reblogged {
		b := &Status{ID: s.newID(), AccountID: AccountID, ReblogOf: st.ID, Visibility: "public"}
		b.URL = s.URL + "/users/" + Username + "/statuses/" + b.ID + "/activity"
		s.statuses[b.ID] = b
		s.order = append(s.order, b.ID)
		st.Reblogged, st.ReblogID = true, b.ID
	}
	writeJSON(w, http.StatusOK, s.statusJSON(s.statuses[st.ReblogID]))
}

// verifyCredentials answers GET /api/v1/accounts/verify_credentials with the token's
// account (https://docs.joinmastodon.org/methods/accounts/#verify_credentials: 200 and a
// CredentialAccount; 401 for a wrong token, answered in serve).
func (s *Server) verifyCredentials(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{"id": AccountID, "username": Username, "acct": Username,
		"display_name": "Alice", "url": s.URL + "/@" + Username, "locked": false, "bot": false,
		"created_at": s.now().UTC().Format(time.RFC3339), "source": map[string]any{"privacy": "public"}})
}

// statusJSON is the Status entity's fields the publisher may read
// (https://docs.joinmastodon.org/entities/Status/).
func (s *Server) statusJSON(st *Status) map[string]any {
	attachments := []any{}
	for _, id := range st.MediaIDs {
		attachments = append(attachments, s.mediaJSON(s.media[id]))
	}
	var reblog, inReplyTo any
	if st.ReblogOf != "" {
		reblog = s.statusJSON(s.statuses[st.ReblogOf])
	}
	if st.InReplyToID != "" {
		inReplyTo = st.InReplyToID
	}
	var editedAt any
	if st.Edits > 0 {
		editedAt = s.now().UTC().Format(time.RFC3339)
	}
	acct := map[string]any{"id": st.AccountID, "username": Username, "acct": Username, "url": s.URL + "/@" + Username}
	if st.AccountID != AccountID {
		acct = map[string]any{"id": st.AccountID, "username": "bob", "acct": "bob@remote.example", "url": "https://remote.example/@bob"}
	}
	return map[string]any{
		"id": st.ID, "uri": st.URL, "url": st.URL, "content": "<p>" + st.Text + "</p>",
		"visibility": st.Visibility, "in_reply_to_id": inReplyTo, "reblog": reblog,
		"media_attachments": attachments, "favourited": st.Favourited, "reblogged": st.Reblogged,
		"edited_at": editedAt, "account": acct, "language": st.Language,
		"created_at": s.now().UTC().Format(time.RFC3339),
	}
}

// record reads a request's parameters: the query, then a urlencoded, multipart or JSON
// body (Mastodon takes all three).
func record(r *http.Request) (Request, error) {
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Form: url.Values{}}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return req, err
		}
		req.Form = r.PostForm
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return req, err
		}
		for k, v := range r.MultipartForm.Value {
			req.Form[k] = v
		}
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				return req, err
			}
			defer f.Close()
			if req.File, err = io.ReadAll(f); err != nil {
				return req, err
			}
			req.Form.Set("_file_content_type", fhs[0].Header.Get("Content-Type"))
		}
	case "application/json":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return req, err
		}
		for k, v := range body {
			switch x := v.(type) {
			case []any:
				for _, e := range x {
					req.Form.Add(k+"[]", fmt.Sprint(e))
				}
			case nil:
			default:
				req.Form.Set(k, fmt.Sprint(x))
			}
		}
	}
	return req, nil
}
