package storetest

import (
	"fmt"
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

// testRecentlySent: the latest outcomes of every post's webmentions, newest first, at most
// the limit asked for; an outcome replaced is listed once, at its new time.
func testRecentlySent(t TB, s Store) {
	a, b := site+"notes/a", site+"notes/b"
	for i, w := range []webmention.Sent{
		{Source: a, Target: "https://one.example/", Status: webmention.StatusFailed, Code: 500, Detail: "endpoint answered 500", Linked: true, At: epoch},
		{Source: b, Target: "https://two.example/", Status: webmention.StatusSent, Code: 202, Linked: true, At: epoch.Add(2 * time.Hour)},
		{Source: a, Target: "https://three.example/", Status: webmention.StatusNoEndpoint, Linked: true, At: epoch.Add(time.Hour)},
		{Source: a, Target: "https://one.example/", Endpoint: "https://one.example/wm", Status: webmention.StatusSent, Code: 201, Linked: true, At: epoch.Add(3 * time.Hour)},
	} {
		if err := s.RecordSent(t.Context(), w); err != nil {
			t.Fatalf("RecordSent %d: %v", i, err)
		}
	}
	got, err := s.RecentlySent(t.Context(), 10)
	if err != nil {
		t.Fatalf("RecentlySent: %v", err)
	}
	var order []string
	for _, g := range got {
		order = append(order, g.Source[len(site):]+" "+g.Target+" "+g.Status)
	}
	want := []string{
		"notes/a https://one.example/ sent",
		"notes/b https://two.example/ sent",
		"notes/a https://three.example/ no-endpoint",
	}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("RecentlySent(10) = %q, want %q", order, want)
	}
	if len(got) > 0 && (got[0].Endpoint != "https://one.example/wm" || got[0].Code != 201 || !got[0].At.Equal(epoch.Add(3*time.Hour))) {
		t.Errorf("RecentlySent(10)[0] = %+v, want the latest outcome's endpoint, code and time", got[0])
	}
	if two, err := s.RecentlySent(t.Context(), 2); err != nil || len(two) != 2 || two[1].Target != "https://two.example/" {
		t.Errorf("RecentlySent(2) = %+v, %v; want the two newest", two, err)
	}
}
