package storetest

import (
	"time"

	"github.com/indiepub/indiepub/internal/webmention"
)

// testWebmentionsSent: a store keeps the latest outcome of each webmention sent per
// source and target: a new outcome replaces the one before (all of its fields, linked
// included, which decides whether a removed link is sent to again) and keeps the
// target's place, targets are listed in the order they were first sent, and sources do
// not mix.
func testWebmentionsSent(t TB, s Store) {
	src, other := site+"notes/a", site+"notes/b"
	at := epoch.Add(time.Hour)
	record := func(w webmention.Sent) {
		t.Helper()
		if err := s.RecordSent(t.Context(), w); err != nil {
			t.Fatalf("RecordSent %s -> %s: %v", w.Source, w.Target, err)
		}
	}
	record(webmention.Sent{Source: src, Target: "https://one.example/", Status: webmention.StatusFailed, Detail: "timeout", Linked: true, At: epoch})
	record(webmention.Sent{Source: src, Target: "https://two.example/", Status: webmention.StatusNoEndpoint, Linked: true, At: epoch})
	record(webmention.Sent{Source: other, Target: "https://one.example/", Status: webmention.StatusSent, Linked: true, At: epoch})
	record(webmention.Sent{Source: src, Target: "https://one.example/", Endpoint: "https://one.example/wm?x=1",
		Status: webmention.StatusSent, Code: 202, Detail: "https://one.example/status/1", Linked: false, At: at})

	got, err := s.WebmentionsSent(t.Context(), src)
	if err != nil {
		t.Fatalf("WebmentionsSent: %v", err)
	}
	want := []webmention.Sent{
		{Source: src, Target: "https://one.example/", Endpoint: "https://one.example/wm?x=1",
			Status: webmention.StatusSent, Code: 202, Detail: "https://one.example/status/1", Linked: false, At: at},
		{Source: src, Target: "https://two.example/", Status: webmention.StatusNoEndpoint, Linked: true, At: epoch},
	}
	if len(got) != len(want) {
		t.Fatalf("WebmentionsSent(%s): %d outcomes %+v, want %d", src, len(got), got, len(want))
	}
	for i := range want {
		if g := got[i]; g.Source != want[i].Source || g.Target != want[i].Target || g.Endpoint != want[i].Endpoint ||
			g.Status != want[i].Status || g.Code != want[i].Code || g.Detail != want[i].Detail ||
			g.Linked != want[i].Linked || !g.At.Equal(want[i].At) {
			t.Errorf("WebmentionsSent(%s)[%d] = %+v, want %+v", src, i, g, want[i])
		}
	}
	if none, err := s.WebmentionsSent(t.Context(), site+"notes/none"); err != nil || len(none) != 0 {
		t.Errorf("WebmentionsSent of a post that sent none = %+v, %v; want none", none, err)
	}
}
