package storetest

import (
	"errors"
	"maps"
	"time"

	"github.com/indiepub/indiepub/internal/webmention"
)

// receive records a webmention from source to target at epoch plus h hours.
func receive(t TB, s Store, source, target string, h int) *webmention.Mention {
	t.Helper()
	m := &webmention.Mention{Source: source, Target: target, Created: epoch.Add(time.Duration(h) * time.Hour)}
	if err := s.ReceiveMention(t.Context(), m); err != nil {
		t.Fatalf("ReceiveMention %s -> %s: %v", source, target, err)
	}
	if m.ID == 0 || m.Key == "" || m.Status != webmention.Pending {
		t.Fatalf("ReceiveMention %s -> %s: ID %d, key %q, status %q; want both set and pending", source, target, m.ID, m.Key, m.Status)
	}
	return m
}

// testMentionOncePerPair: a webmention sent again for the same source and target is the
// same mention (same ID, same status URL) made pending again, while a new pair gets its
// own, with a status key of its own; keys find their mention, and an unknown key or ID
// is webmention.ErrNoMention.
func testMentionOncePerPair(t TB, s Store) {
	a := receive(t, s, "https://alice.example/reply", site+"notes/1", 0)
	a.Status, a.Type, a.Updated = webmention.Verified, webmention.TypeReply, epoch.Add(time.Hour)
	if err := s.SaveMention(t.Context(), a); err != nil {
		t.Fatalf("SaveMention: %v", err)
	}
	again := receive(t, s, "https://alice.example/reply", site+"notes/1", 2)
	if again.ID != a.ID || again.Key != a.Key || !again.Created.Equal(a.Created) {
		t.Errorf("the same source and target again: ID %d key %q created %v, want %d %q %v", again.ID, again.Key, again.Created, a.ID, a.Key, a.Created)
	}
	other := receive(t, s, "https://alice.example/reply", site+"notes/2", 3)
	if other.ID == a.ID || other.Key == a.Key {
		t.Errorf("another target: ID %d key %q, the same as the first mention's", other.ID, other.Key)
	}
	got, err := s.MentionByKey(t.Context(), a.Key)
	if err != nil {
		t.Fatalf("MentionByKey: %v", err)
	}
	if got.ID != a.ID || got.Status != webmention.Pending || got.Type != webmention.TypeReply {
		t.Errorf("MentionByKey after a second delivery: %+v, want ID %d, pending, the reply found before", got, a.ID)
	}
	if _, err := s.MentionByKey(t.Context(), "no-such-key"); !errors.Is(err, webmention.ErrNoMention) {
		t.Errorf("MentionByKey of an unknown key: %v, want ErrNoMention", err)
	}
	if _, err := s.MentionByID(t.Context(), 99999); !errors.Is(err, webmention.ErrNoMention) {
		t.Errorf("MentionByID of an unknown ID: %v, want ErrNoMention", err)
	}
}

// testMentionSaveAndList: SaveMention keeps every field verification fills in; Mentions
// lists newest first and filters by target, shown (verified and approved) and held
// (verified, not approved); saving one raises the site's change counter, as the pages
// that show it change.
func testMentionSaveAndList(t TB, s Store) {
	target := site + "notes/1"
	shown := receive(t, s, "https://a.example/like", target, 0)
	held := receive(t, s, "https://b.example/reply", target, 1)
	pending := receive(t, s, "https://c.example/mention", target, 2)
	elsewhere := receive(t, s, "https://d.example/like", site+"notes/2", 3)
	full := webmention.Mention{ID: shown.ID, Status: webmention.Verified, Approved: true, Type: webmention.TypeRSVP,
		RSVP: "yes", AuthorName: "A", AuthorPhoto: "https://a.example/me.jpg", AuthorURL: "https://a.example/",
		URL: "https://a.example/like#1", Published: epoch.Add(-time.Hour), Content: "<p>hi</p>", Updated: epoch.Add(5 * time.Hour)}
	if err := s.SaveMention(t.Context(), &full); err != nil {
		t.Fatalf("SaveMention: %v", err)
	}
	held.Status = webmention.Verified
	elsewhere.Status, elsewhere.Approved = webmention.Verified, true
	// A mention's change is a change of the pages that show it: the site's counter rises.
	before, _ := changes(t, s)
	for _, m := range []*webmention.Mention{held, elsewhere} {
		if err := s.SaveMention(t.Context(), m); err != nil {
			t.Fatalf("SaveMention: %v", err)
		}
	}
	if after, _ := changes(t, s); after <= before {
		t.Errorf("saving mentions left the change counter at %d, want it to rise", after)
	}
	got, err := s.MentionByID(t.Context(), shown.ID)
	if err != nil {
		t.Fatalf("MentionByID: %v", err)
	}
	if got.Status != full.Status || !got.Approved || got.Type != full.Type || got.RSVP != full.RSVP ||
		got.AuthorName != full.AuthorName || got.AuthorPhoto != full.AuthorPhoto || got.AuthorURL != full.AuthorURL ||
		got.URL != full.URL || !got.Published.Equal(full.Published) || got.Content != full.Content ||
		!got.Updated.Equal(full.Updated) || got.Source != shown.Source || got.Target != target {
		t.Errorf("MentionByID after SaveMention = %+v, want %+v", got, full)
	}
	ids := func(q webmention.MentionQuery) []int64 {
		t.Helper()
		ms, err := s.Mentions(t.Context(), q)
		if err != nil {
			t.Fatalf("Mentions %+v: %v", q, err)
		}
		var out []int64
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	for _, c := range []struct {
		q    webmention.MentionQuery
		want []int64
	}{
		{webmention.MentionQuery{Target: target}, []int64{pending.ID, held.ID, shown.ID}},
		{webmention.MentionQuery{Target: target, Shown: true}, []int64{shown.ID}},
		{webmention.MentionQuery{Held: true}, []int64{held.ID}},
		{webmention.MentionQuery{Shown: true}, []int64{elsewhere.ID, shown.ID}},
		{webmention.MentionQuery{Limit: 1}, []int64{elsewhere.ID}},
	} {
		if got := ids(c.q); !sameIDs(got, c.want) {
			t.Errorf("Mentions %+v = %v, want %v", c.q, got, c.want)
		}
	}
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testDomainStanding: a host's standing is what was set last, its case aside; a host
// never set has none.
func testDomainStanding(t TB, s Store) {
	set := func(d, st string) {
		t.Helper()
		if err := s.SetDomainStanding(t.Context(), d, st); err != nil {
			t.Fatalf("SetDomainStanding %s %s: %v", d, st, err)
		}
	}
	set("Spam.example", webmention.DomainKnown)
	set("spam.example", webmention.DomainBlocked)
	set("friend.example", webmention.DomainKnown)
	for d, want := range map[string]string{"SPAM.example": webmention.DomainBlocked,
		"friend.example": webmention.DomainKnown, "stranger.example": ""} {
		got, err := s.DomainStanding(t.Context(), d)
		if err != nil || got != want {
			t.Errorf("DomainStanding(%s) = %q, %v; want %q", d, got, err, want)
		}
	}
}

// testVisitorDomains: a host remembered as a visitor's is one, its case aside, also when
// remembered twice; a host never remembered is not.
func testVisitorDomains(t TB, s Store) {
	now := time.Now()
	for _, d := range []string{"Visitor.example", "visitor.example", "other.example"} {
		if err := s.RememberVisitorDomain(t.Context(), d, now); err != nil {
			t.Fatalf("RememberVisitorDomain %s: %v", d, err)
		}
	}
	for d, want := range map[string]bool{"VISITOR.example": true, "other.example": true, "stranger.example": false,
		"example": false} {
		got, err := s.IsVisitorDomain(t.Context(), d)
		if err != nil || got != want {
			t.Errorf("IsVisitorDomain(%s) = %v, %v; want %v", d, got, err, want)
		}
	}
}

// testMentionCounts: MentionCounts counts, per target and type, the mentions shown (verified
// and approved) and no others; targets without any have no entry.
func testMentionCounts(t TB, s Store) {
	a, b := site+"notes/a", site+"notes/b"
	set := func(source, target, typ string, status string, approved bool) {
		t.Helper()
		m := receive(t, s, source, target, 0)
		m.Status, m.Type, m.Approved = status, typ, approved
		if err := s.SaveMention(t.Context(), m); err != nil {
			t.Fatalf("SaveMention: %v", err)
		}
	}
	set("https://1.example/", a, webmention.TypeLike, webmention.Verified, true)
	set("https://2.example/", a, webmention.TypeLike, webmention.Verified, true)
	set("https://3.example/", a, webmention.TypeReply, webmention.Verified, true)
	set("https://4.example/", a, webmention.TypeReply, webmention.Verified, false)
	set("https://5.example/", a, webmention.TypeReply, webmention.Deleted, true)
	set("https://6.example/", b, webmention.TypeLike, webmention.Verified, false)
	got, err := s.MentionCounts(t.Context(), []string{a, b, site + "notes/c"})
	if err != nil {
		t.Fatalf("MentionCounts: %v", err)
	}
	if len(got) != 1 || got[a][webmention.TypeLike] != 2 || got[a][webmention.TypeReply] != 1 || len(got[a]) != 2 {
		t.Errorf("MentionCounts = %v, want only %s: 2 likes, 1 reply", got, a)
	}
}

// testMentionStates: CountMentions counts every received mention by status, the verified
// ones not approved apart as webmention.Held (the metrics' webmentions by state).
func testMentionStates(t TB, s Store) {
	set := func(source, status string, approved bool) {
		t.Helper()
		m := receive(t, s, source, site+"notes/a", 0)
		if status == webmention.Pending {
			return
		}
		m.Status, m.Approved = status, approved
		if err := s.SaveMention(t.Context(), m); err != nil {
			t.Fatalf("SaveMention: %v", err)
		}
	}
	set("https://1.example/", webmention.Verified, true)
	set("https://2.example/", webmention.Verified, true)
	set("https://3.example/", webmention.Verified, false)
	set("https://4.example/", webmention.Rejected, false)
	set("https://5.example/", webmention.Deleted, true)
	set("https://6.example/", webmention.Pending, false)
	set("https://7.example/", webmention.Pending, false)
	got, err := s.CountMentions(t.Context())
	if err != nil {
		t.Fatalf("CountMentions: %v", err)
	}
	want := map[string]int{webmention.Verified: 2, webmention.Held: 1, webmention.Rejected: 1,
		webmention.Deleted: 1, webmention.Pending: 2}
	if !maps.Equal(got, want) {
		t.Errorf("CountMentions = %v, want %v", got, want)
	}
}
