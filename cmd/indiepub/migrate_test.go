package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/store/postgres"
	"github.com/indiepub/indiepub/internal/store/postgres/pgtest"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/webmention"
)

// TestMigrateToPostgres: a SQLite site with posts, tags, tokens and media, migrated,
// serves the same q=source answers and pages from PostgreSQL, and its tokens still work.
func TestMigrateToPostgres(t *testing.T) {
	pgURL := pgtest.URL(t)
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	base := "http://" + addr + "/"
	flags := []string{"--data", data, "--url", base}

	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--addr", addr}, flags...), nil, io.Discard, io.Discard)
	}()
	waitHealthy(t, base+"healthz", done)
	tok := issue(t, flags...)
	resp, body := postFile(t, base+"media", tok, pngBytes(t, 3))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	photo := resp.Header.Get("Location")
	posts := []string{
		createPost(t, base, tok, url.Values{"h": {"entry"}, "content": {"first"}, "category[]": {"Go", "indieweb"},
			"mp-slug": {"hello"}, "published": {"2025-03-01T10:00:00Z"}}),
		createPost(t, base, tok, url.Values{"h": {"entry"}, "content": {"second"}, "category[]": {"Go"},
			"mp-slug": {"hello"}, "published": {"2025-03-02T10:00:00Z"}, "photo": {photo}}),
		createPost(t, base, tok, url.Values{"h": {"entry"}, "name": {"An article"}, "content": {"third"},
			"published": {"2025-03-03T10:00:00Z"}}),
		// A note numbered by the slug's counter, which the migration carries over.
		createPost(t, base, tok, url.Values{"h": {"entry"}, "content": {"fourth"}, "mp-slug": {"hello"},
			"published": {"2025-03-04T10:00:00Z"}}),
	}
	micropubJSON(t, base, tok, `{"action":"delete","url":"`+posts[2]+`"}`, http.StatusNoContent)
	pages := []string{"", "tags/", "tags/go", "feed.atom", "feed.json", "micropub?q=category",
		"micropub?q=source&limit=10"}
	for _, p := range []string{posts[0], posts[1], posts[3]} {
		pages = append(pages, strings.TrimPrefix(p, base))
	}
	before := map[string]string{}
	for _, p := range pages {
		before[p] = getWith(t, base+p, tok)
	}
	for _, p := range posts[:2] {
		before["source "+p] = source(t, base, tok, p)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Redirects and webmentions, written straight into the SQLite file.
	sdb, err := sqlite.Open(t.Context(), filepath.Join(data, "indiepub.db"))
	if err != nil {
		t.Fatal(err)
	}
	received := &webmention.Mention{Source: "https://friend.example/reply", Target: posts[0], Created: time.Now()}
	sent := webmention.Sent{Source: base + "notes/elsewhere", Target: "https://friend.example/", Status: "sent", Code: 202,
		Linked: true, At: time.Now().UTC().Truncate(time.Millisecond)}
	for _, err := range []error{
		sdb.AddRedirect(t.Context(), "/2019/05/old/", posts[1]),
		sdb.ReceiveMention(t.Context(), received),
		sdb.RecordSent(t.Context(), sent),
		sdb.SetDomainStanding(t.Context(), "spam.example", "blocked"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	sdb.Close()

	out := runCmd(t, "migrate", "--data", data, "--to", pgURL)
	for _, want := range []string{"posts            4", "tags             2", "tokens           1", "media            1", "jobs             1", "redirects        1", "mentions         1"} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate said %q, want a line %q", out, want)
		}
	}
	// The job queue comes along: each change's post.changed job, in the order of the
	// changes, with its state (the SQLite server ran them). The four creates are plain
	// notes no listener acts on, so they have none (jobs.Runner.Wants); the delete has.
	pg, err := postgres.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	moved, err := pg.Jobs(t.Context(), []jobs.State{jobs.Pending, jobs.Running, jobs.Done, jobs.Failed}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if target, err := pg.Redirect(t.Context(), "/2019/05/old/"); err != nil || target != posts[1] {
		t.Errorf("redirect copied: %q, %v; want %s", target, err, posts[1])
	}
	if m, err := pg.MentionByKey(t.Context(), received.Key); err != nil || m.ID != received.ID || m.Source != received.Source {
		t.Errorf("webmention copied: %+v, %v; want %+v", m, err, received)
	}
	if got, err := pg.WebmentionsSent(t.Context(), sent.Source); err != nil || len(got) != 1 || got[0] != sent {
		t.Errorf("webmentions sent copied: %+v, %v; want %+v", got, err, sent)
	}
	if st, err := pg.DomainStanding(t.Context(), "spam.example"); err != nil || st != "blocked" {
		t.Errorf("domain standing copied: %q, %v; want blocked", st, err)
	}
	var actions []string
	for _, j := range moved {
		var c jobs.PostChange
		if j.Kind != jobs.PostChanged || json.Unmarshal(j.Payload, &c) != nil || c.Change != j.Key {
			t.Errorf("job %+v copied, want a post.changed job with its payload", j)
		}
		actions = append(actions, c.Action)
	}
	if got, want := strings.Join(actions, " "), "delete"; got != want {
		t.Errorf("jobs copied for the changes %q, want %q", got, want)
	}
	if err := Main(context.Background(), []string{"migrate", "--data", data, "--to", pgURL}, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "not empty") {
		t.Errorf("second migrate into the same database: %v, want a refusal of a database that is not empty", err)
	}

	// The same site from PostgreSQL, with an empty SQLite file beside it, so that nothing
	// can come from the old one.
	empty := filepath.Join(t.TempDir(), "data")
	ctx, stop = context.WithCancel(context.Background())
	defer stop()
	done = make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--addr", addr, "--url", base, "--data", empty, "--database", pgURL},
			nil, io.Discard, io.Discard)
	}()
	waitHealthy(t, base+"healthz", done)
	for _, p := range pages {
		if got := getWith(t, base+p, tok); got != before[p] {
			t.Errorf("GET /%s from PostgreSQL:\n%s\nwant, as from SQLite:\n%s", p, got, before[p])
		}
	}
	for _, p := range posts[:2] {
		if got := source(t, base, tok, p); got != before["source "+p] {
			t.Errorf("q=source %s from PostgreSQL: %s, want %s", p, got, before["source "+p])
		}
	}
	resp, _ = do(t, http.MethodGet, base+"micropub?q=source&url="+url.QueryEscape(posts[2]), tok, "", nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("q=source of the deleted post from PostgreSQL: %d, want 400", resp.StatusCode)
	}
	// The token from SQLite writes too, and the next post takes the next ID and number.
	next := createPost(t, base, tok, url.Values{"h": {"entry"}, "content": {"after"}, "mp-slug": {"hello"},
		"published": {"2025-03-05T10:00:00Z"}})
	if want := strings.TrimSuffix(posts[0], "hello") + "hello-3"; next != want || !strings.HasSuffix(posts[3], "/hello-2") {
		t.Errorf("notes with slug hello: %s before migrating, %s after; want hello-2, then %s", posts[3], next, want)
	}
	micropubJSON(t, base, tok, `{"action":"update","url":"`+posts[0]+`","add":{"category":["moved"]}}`, http.StatusNoContent)
	if got := getWith(t, base+"tags/moved", ""); !strings.Contains(got, "first") {
		t.Errorf("tag page after an update on PostgreSQL lacks the post: %s", got)
	}
}
