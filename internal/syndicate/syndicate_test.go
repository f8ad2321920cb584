package syndicate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

func FuzzValidSignature(f *testing.F) {
	secret := []byte("deploy-hook-secret")
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(`{"a":1}`))
	good := hex.EncodeToString(mac.Sum(nil))
	f.Add([]byte(`{"a":1}`), good)
	f.Add([]byte(`{"a":1}`), "sha256="+good)
	f.Add([]byte(""), "")
	f.Add([]byte("x"), "zz")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		want := hex.EncodeToString(mac.Sum(nil))
		got := validSignature(secret, body, sig)
		if got && !hmac.Equal(decodeLoose(sig), mac.Sum(nil)) {
			t.Errorf("signature %q accepted for body %q (want %s)", sig, body, want)
		}
		if !validSignature(secret, body, want) || validSignature(nil, body, want) {
			t.Errorf("the right signature refused, or accepted with no secret")
		}
	})
}

func decodeLoose(sig string) []byte {
	b, _ := hex.DecodeString(trimSig(sig))
	return b
}

// memStore is a Store of posts in memory, for the syndicator's own tests.
type memStore struct {
	mu    sync.Mutex
	posts map[string]*post.Post
}

func (m *memStore) PostByURL(ctx context.Context, url string) (*post.Post, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.posts[url]
	if !ok {
		return nil, post.ErrNotFound
	}
	c := *p
	c.Copies = append([]post.Copy(nil), p.Copies...)
	c.SyndicateTo = append([]string(nil), p.SyndicateTo...)
	props := map[string][]any{}
	for k, v := range p.Item.Properties {
		props[k] = append([]any(nil), v...)
	}
	c.Item.Properties = props
	return &c, nil
}

func (m *memStore) UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error) {
	p, err := m.PostByURL(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := fn(p); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.posts[url] = p
	m.mu.Unlock()
	return p, nil
}

// slowPublisher takes a while to publish, and counts new copies.
type slowPublisher struct {
	mu      sync.Mutex
	created int
}

func (s *slowPublisher) Publish(ctx context.Context, p *post.Post, prev, key string, _ MediaOpener) (string, error) {
	time.Sleep(50 * time.Millisecond)
	if prev != "" {
		return prev, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created++
	return "https://social.example/1", nil
}
func (s *slowPublisher) Delete(context.Context, string) error { return nil }
func (s *slowPublisher) Service() Service                     { return Service{} }
func (s *slowPublisher) User() Service                        { return Service{} }

// TestOneCopyWhenJobsOverlap: the create's job and an edit's job of one post and target
// running at once make one copy: the edit waits and edits it.
func TestOneCopyWhenJobsOverlap(t *testing.T) {
	const uid = "https://social.example/@owner"
	pub := &slowPublisher{}
	p := &post.Post{URL: "https://example.com/a", Status: post.StatusPublished, Visibility: post.VisibilityPublic,
		SyndicateTo: []string{uid}, Item: post.Item{Properties: map[string][]any{"content": {"hi"}}}}
	store := &memStore{posts: map[string]*post.Post{p.URL: p}}
	s := New(Config{Targets: []Target{{UID: uid, Publisher: pub}}}, store)
	js, err := s.Jobs(context.Background(), jobs.PostChange{URL: p.URL, Action: jobs.ActionCreate})
	if err != nil || len(js) != 1 {
		t.Fatalf("jobs %v, %v; want one", js, err)
	}
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			j := *js[0]
			j.Key += string(rune('a' + i))
			if _, err := s.Run(context.Background(), &j); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if pub.created != 1 {
		t.Errorf("%d copies created by two overlapping jobs, want 1", pub.created)
	}
}
