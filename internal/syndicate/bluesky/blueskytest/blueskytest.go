// Package blueskytest is a Bluesky PDS for tests: an httptest.Server that answers the
// XRPC methods indiepub's publisher calls as the atproto lexicons define them
// (https://github.com/bluesky-social/atproto/tree/main/lexicons), validates every record
// it is given against app.bsky.feed.post, app.bsky.feed.like and app.bsky.feed.repost,
// records every request, and can be switched to answer 429, 5xx, slowly, or with
// expired tokens.
//
// It is stricter than a real PDS in two ways, so that tests catch what the AppView would
// show wrong: a facet must start and end between grapheme clusters, and a reply's or a
// like's strongRef must name a record the server holds, with its current CID.
package blueskytest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The test account.
const (
	Handle      = "alice.test"
	DID         = "did:plc:alice0000000000000000000"
	AppPassword = "abcd-efgh-ijkl-mnop"
)

// DefaultBlobLimit is the largest blob uploadBlob takes unless SetBlobLimit changes it:
// 1,000,000 bytes, app.bsky.embed.images' former maxSize and still the limit of many
// PDSs.
const DefaultBlobLimit = 1_000_000

// Request is one request the server received.
type Request struct {
	Method string
	// NSID is the XRPC method (com.atproto.repo.createRecord…).
	NSID   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// Record is a record the server holds.
type Record struct {
	URI, CID string
	Value    map[string]any
}

// Blob is an uploaded blob.
type Blob struct {
	CID, MimeType string
	Data          []byte
}

// Server is the fake PDS.
type Server struct {
	*httptest.Server

	mu          sync.Mutex
	requests    []Request
	records     map[string]*Record // by at-uri with the DID
	order       []string
	blobs       map[string]*Blob
	access      map[string]bool // access token → expired
	refresh     map[string]bool // refresh token → still valid
	handles     map[string]string
	fail        []failure
	delay       time.Duration
	blobLimit   int
	clock       int64
	sessions    int
	rateLimited int
}

type failure struct {
	status     int
	retryAfter string
}

// New starts a PDS holding the test account (Handle, DID, AppPassword).
func New() *Server {
	s := &Server{
		records:   map[string]*Record{},
		blobs:     map[string]*Blob{},
		access:    map[string]bool{},
		refresh:   map[string]bool{},
		handles:   map[string]string{Handle: DID},
		blobLimit: DefaultBlobLimit,
		clock:     time.Now().UnixMicro(),
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetBlobLimit sets the largest blob uploadBlob takes.
func (s *Server) SetBlobLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobLimit = n
}

// FailNext makes the next n requests answer status; a 429 is RateLimitExceeded with
// RateLimit-* headers, and retryAfter, when not empty, is sent as Retry-After.
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, failure{status, retryAfter})
	}
}

// SetDelay makes every answer wait d first.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// ExpireTokens makes every access token issued so far expired: requests with them
// answer 400 ExpiredToken, as a PDS does once an accessJwt's two hours are over.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.access {
		s.access[t] = true
	}
}

// Sessions counts the successful createSession calls.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// AddPost stores a post of another account (handle, did), replying to reply when not
// nil, and returns its strongRef, for tests of replies, likes and reposts.
func (s *Server) AddPost(handle, did, text string, reply map[string]any) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handles[handle] = did
	v := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": time.Now().UTC().Format(time.RFC3339)}
	if reply != nil {
		v["reply"] = reply
	}
	r := s.put(did, "app.bsky.feed.post", s.tid(), v)
	return *r
}

// Requests is every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Records is the test account's records in a collection, oldest first.
func (s *Server) Records(collection string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	prefix := "at://" + DID + "/" + collection + "/"
	for _, uri := range s.order {
		if r, ok := s.records[uri]; ok && strings.HasPrefix(uri, prefix) {
			out = append(out, *r)
		}
	}
	return out
}

// Blob is the blob with cid, and whether there is one.
func (s *Server) Blob(cid string) (Blob, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[cid]
	if !ok {
		return Blob{}, false
	}
	return *b, true
}

// xrpcError writes an XRPC error: {"error": name, "message": message}
// (https://atproto.com/specs/xrpc#error-responses).
func xrpcError(w http.ResponseWriter, status int, name, message string) {
	writeJSON(w, status, map[string]string{"error": name, "message": message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 50<<20))
	nsid := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, NSID: nsid, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
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
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	if f != nil {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		switch {
		case f.status == http.StatusTooManyRequests:
			xrpcError(w, f.status, "RateLimitExceeded", "Rate Limit Exceeded")
		case f.status >= 500:
			xrpcError(w, f.status, "InternalServerError", "Internal Server Error")
		default:
			xrpcError(w, f.status, "InvalidRequest", http.StatusText(f.status))
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.route(w, r, nsid, body)
}

// rateLimitHeaders sends the RateLimit-* headers a PDS sends on every answer, Reset in
// Unix seconds.
func (s *Server) rateLimitHeaders(w http.ResponseWriter, exhausted bool) {
	s.rateLimited++
	remaining := max(0, 3000-s.rateLimited)
	if exhausted {
		remaining = 0
	}
	w.Header().Set("RateLimit-Limit", "3000")
	w.Header().Set("RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(5*time.Minute).Unix(), 10))
	w.Header().Set("RateLimit-Policy", "3000;w=300")
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, nsid string, body []byte) {
	type handler struct {
		method string
		auth   bool
		fn     func(http.ResponseWriter, *http.Request, []byte)
	}
	routes := map[string]handler{
		"com.atproto.server.createSession":  {http.MethodPost, false, s.createSession},
		"com.atproto.server.refreshSession": {http.MethodPost, false, s.refreshSession},
		"com.atproto.repo.uploadBlob":       {http.MethodPost, true, s.uploadBlob},
		"com.atproto.repo.createRecord":     {http.MethodPost, true, s.createRecord},
		"com.atproto.repo.putRecord":        {http.MethodPost, true, s.putRecord},
		"com.atproto.repo.deleteRecord":     {http.MethodPost, true, s.deleteRecord},
		"com.atproto.repo.getRecord":        {http.MethodGet, false, s.getRecord},
	}
	h, ok := routes[nsid]
	if !ok {
		xrpcError(w, http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
		return
	}
	if r.Method != h.method {
		xrpcError(w, http.StatusMethodNotAllowed, "InvalidRequest", "Incorrect HTTP method ("+r.Method+") expected "+h.method)
		return
	}
	if h.auth && !s.authorized(w, r) {
		return
	}
	h.fn(w, r, body)
}

// authorized checks the bearer accessJwt: 401 AuthenticationRequired without one, 401
// InvalidToken for an unknown one, 400 ExpiredToken for an expired one (as the PDS's
// auth verifier answers).
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Authentication Required")
		return false
	}
	expired, known := s.access[tok]
	switch {
	case !known:
		xrpcError(w, http.StatusUnauthorized, "InvalidToken", "Token could not be verified")
		return false
	case expired:
		xrpcError(w, http.StatusBadRequest, "ExpiredToken", "Token has expired")
		return false
	}
	return true
}

// createSession takes identifier (handle or DID) and password (the app password)
// (lexicons/com/atproto/server/createSession.json).
func (s *Server) createSession(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Identifier == "" || in.Password == "" {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Input must have the properties \"identifier\" and \"password\"")
		return
	}
	if (in.Identifier != Handle && in.Identifier != DID) || in.Password != AppPassword {
		xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
		return
	}
	s.sessions++
	writeJSON(w, http.StatusOK, s.newSession())
}

// refreshSession takes the refreshJwt as bearer token and answers a new pair; the old
// refresh token is spent (lexicons/com/atproto/server/refreshSession.json).
func (s *Server) refreshSession(w http.ResponseWriter, r *http.Request, body []byte) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !s.refresh[tok] {
		xrpcError(w, http.StatusBadRequest, "ExpiredToken", "Token has been revoked")
		return
	}
	delete(s.refresh, tok)
	writeJSON(w, http.StatusOK, s.newSession())
}

func (s *Server) newSession() map[string]any {
	a, rf := "access-"+random(), "refresh-"+random()
	s.access[a] = false
	s.refresh[rf] = true
	return map[string]any{"accessJwt": a, "refreshJwt": rf, "handle": Handle, "did": DID, "active": true}
}

func random() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// uploadBlob takes the raw body with its Content-Type and answers the blob ref
// (lexicons/com/atproto/repo/uploadBlob.json); a body over the limit is 400
// BlobTooLarge.
func (s *Server) uploadBlob(w http.ResponseWriter, r *http.Request, body []byte) {
	mt := r.Header.Get("Content-Type")
	if mt == "" || mt == "*/*" {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Missing content-type")
		return
	}
	if len(body) > s.blobLimit {
		xrpcError(w, http.StatusBadRequest, "BlobTooLarge", fmt.Sprintf("This file is too large. It is %d bytes but the maximum size is %d bytes.", len(body), s.blobLimit))
		return
	}
	b := &Blob{CID: cid(0x55, body), MimeType: mt, Data: body}
	s.blobs[b.CID] = b
	writeJSON(w, http.StatusOK, map[string]any{"blob": blobRef(b)})
}

func blobRef(b *Blob) map[string]any {
	return map[string]any{"$type": "blob", "ref": map[string]any{"$link": b.CID}, "mimeType": b.MimeType, "size": len(b.Data)}
}

type writeInput struct {
	Repo       string         `json:"repo"`
	Collection string         `json:"collection"`
	Rkey       string         `json:"rkey"`
	Record     map[string]any `json:"record"`
}

// createRecord is lexicons/com/atproto/repo/createRecord.json: the record is validated
// against its lexicon, keyed by a new TID unless rkey is given.
func (s *Server) createRecord(w http.ResponseWriter, r *http.Request, body []byte) {
	in, ok := s.writeInput(w, body, false)
	if !ok {
		return
	}
	rkey := in.Rkey
	if rkey == "" {
		rkey = s.tid()
	}
	if _, exists := s.records[atURI(DID, in.Collection, rkey)]; exists {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Record already exists")
		return
	}
	rec := s.put(DID, in.Collection, rkey, in.Record)
	writeJSON(w, http.StatusOK, map[string]any{"uri": rec.URI, "cid": rec.CID, "validationStatus": "valid"})
}

// putRecord is lexicons/com/atproto/repo/putRecord.json: create or replace at rkey.
func (s *Server) putRecord(w http.ResponseWriter, r *http.Request, body []byte) {
	in, ok := s.writeInput(w, body, true)
	if !ok {
		return
	}
	rec := s.put(DID, in.Collection, in.Rkey, in.Record)
	writeJSON(w, http.StatusOK, map[string]any{"uri": rec.URI, "cid": rec.CID, "validationStatus": "valid"})
}

func (s *Server) writeInput(w http.ResponseWriter, body []byte, needRkey bool) (writeInput, bool) {
	var in writeInput
	if err := json.Unmarshal(body, &in); err != nil {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid JSON: "+err.Error())
		return in, false
	}
	if in.Repo != DID && in.Repo != Handle {
		xrpcError(w, http.StatusForbidden, "InvalidRequest", "Cannot write to repo of another user")
		return in, false
	}
	if needRkey && in.Rkey == "" {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", `Input must have the property "rkey"`)
		return in, false
	}
	// The three collections are keyed by TIDs ("key": "tid" in their lexicons).
	if in.Rkey != "" && !tidPattern.MatchString(in.Rkey) {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid record key: must be a valid TID")
		return in, false
	}
	if in.Record == nil {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", `Input must have the property "record"`)
		return in, false
	}
	if t, _ := in.Record["$type"].(string); t != in.Collection {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid $type: expected "+in.Collection+", got "+t)
		return in, false
	}
	if err := s.validate(in.Collection, in.Record); err != nil {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid "+in.Collection+" record: "+err.Error())
		return in, false
	}
	return in, true
}

// deleteRecord is lexicons/com/atproto/repo/deleteRecord.json: "Delete a repository
// record, or ensure it doesn't exist".
func (s *Server) deleteRecord(w http.ResponseWriter, r *http.Request, body []byte) {
	var in writeInput
	if err := json.Unmarshal(body, &in); err != nil || in.Collection == "" || in.Rkey == "" {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", `Input must have the properties "repo", "collection" and "rkey"`)
		return
	}
	if in.Repo != DID && in.Repo != Handle {
		xrpcError(w, http.StatusForbidden, "InvalidRequest", "Cannot write to repo of another user")
		return
	}
	delete(s.records, atURI(DID, in.Collection, in.Rkey))
	writeJSON(w, http.StatusOK, map[string]any{})
}

// getRecord is lexicons/com/atproto/repo/getRecord.json; repo is a handle or a DID, the
// answer's uri has the DID.
func (s *Server) getRecord(w http.ResponseWriter, r *http.Request, body []byte) {
	q := r.URL.Query()
	did := q.Get("repo")
	if d, ok := s.handles[did]; ok {
		did = d
	}
	uri := atURI(did, q.Get("collection"), q.Get("rkey"))
	rec, ok := s.records[uri]
	if !ok {
		xrpcError(w, http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"uri": rec.URI, "cid": rec.CID, "value": rec.Value})
}

func (s *Server) put(did, collection, rkey string, v map[string]any) *Record {
	data, _ := json.Marshal(v)
	uri := atURI(did, collection, rkey)
	if _, ok := s.records[uri]; !ok {
		s.order = append(s.order, uri)
	}
	rec := &Record{URI: uri, CID: cid(0x71, data), Value: v}
	s.records[uri] = rec
	return rec
}

// tidPattern is a TID's syntax (https://atproto.com/specs/tid).
var tidPattern = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

func atURI(did, collection, rkey string) string {
	return "at://" + did + "/" + collection + "/" + rkey
}

// cid makes a CIDv1 of data with codec (0x71 dag-cbor for records, 0x55 raw for blobs)
// and a sha2-256 multihash, in base32 multibase ("b…"), the form PDSs answer.
func cid(codec byte, data []byte) string {
	sum := sha256.Sum256(data)
	raw := append([]byte{0x01, codec, 0x12, 0x20}, sum[:]...)
	return "b" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
}

// tid makes a record key: a TID, 13 characters of base32-sortable holding microseconds
// since the epoch and a clock ID (https://atproto.com/specs/tid).
func (s *Server) tid() string {
	s.clock++
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v := uint64(s.clock)<<10 | 7
	out := make([]byte, 13)
	for i := 12; i >= 0; i-- {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return string(out)
}
