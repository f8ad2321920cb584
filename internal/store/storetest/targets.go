package storetest

import (
	"errors"
	"time"

	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// testTargetsAddOnce: a stored syndication target reads back field for field (its sealed
// secret as given), the targets are listed oldest first, and a second target with a uid
// taken is post.ErrExists and changes nothing.
func testTargetsAddOnce(t TB, s Store) {
	ctx := t.Context()
	if got, err := s.SyndicationTargets(ctx); err != nil || len(got) != 0 {
		t.Fatalf("SyndicationTargets of an empty store = %v, %v; want none", got, err)
	}
	masto := &syndicate.StoredTarget{UID: "https://social.example/@jane", Name: "Mastodon", Service: syndicate.ServiceMastodon,
		Server: "https://social.example", Always: true, Secret: "v1:sealed-token"}
	bsky := &syndicate.StoredTarget{UID: "https://bsky.app/profile/jane.example", Name: "Bluesky", Service: syndicate.ServiceBluesky,
		Handle: "jane.example", Secret: "v1:sealed-password"}
	for _, tg := range []*syndicate.StoredTarget{masto, bsky} {
		if err := s.AddSyndicationTarget(ctx, tg); err != nil {
			t.Fatalf("AddSyndicationTarget(%s): %v", tg.UID, err)
		}
		if tg.Created.IsZero() || tg.Updated.IsZero() {
			t.Errorf("AddSyndicationTarget(%s) left Created %v, Updated %v", tg.UID, tg.Created, tg.Updated)
		}
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	again := &syndicate.StoredTarget{UID: masto.UID, Name: "Other", Service: syndicate.ServiceMastodon, Secret: "v1:other"}
	if err := s.AddSyndicationTarget(ctx, again); !errors.Is(err, post.ErrExists) {
		t.Errorf("AddSyndicationTarget of a uid taken: %v, want post.ErrExists", err)
	}
	got, err := s.SyndicationTargets(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("SyndicationTargets = %d targets, %v; want 2", len(got), err)
	}
	for i, want := range []*syndicate.StoredTarget{masto, bsky} {
		if !sameTarget(got[i], want) {
			t.Errorf("target %d = %+v, want %+v", i, *got[i], *want)
		}
	}
}

// testTargetsUpdateDelete: an update replaces every field but Created and moves Updated;
// a delete removes the target; updating or deleting a uid not stored is post.ErrNotFound.
func testTargetsUpdateDelete(t TB, s Store) {
	ctx := t.Context()
	tg := &syndicate.StoredTarget{UID: "https://social.example/@jane", Name: "Mastodon", Service: syndicate.ServiceMastodon,
		Server: "https://social.example", Secret: "v1:first"}
	if err := s.AddSyndicationTarget(ctx, tg); err != nil {
		t.Fatalf("AddSyndicationTarget: %v", err)
	}
	created := tg.Created
	time.Sleep(2 * time.Millisecond)
	changed := &syndicate.StoredTarget{UID: tg.UID, Name: "Jane on Mastodon", Service: syndicate.ServiceMastodon,
		Server: "https://other.example", Handle: "h", Always: true, Secret: "v1:second"}
	if err := s.UpdateSyndicationTarget(ctx, changed); err != nil {
		t.Fatalf("UpdateSyndicationTarget: %v", err)
	}
	got, err := s.SyndicationTargets(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("SyndicationTargets = %d targets, %v; want 1", len(got), err)
	}
	changed.Created = created
	if !sameTarget(got[0], changed) || !got[0].Updated.After(created) {
		t.Errorf("after the update: %+v, want %+v, updated after %v", *got[0], *changed, created)
	}
	missing := &syndicate.StoredTarget{UID: "https://nowhere.example/", Name: "x", Service: syndicate.ServiceBluesky, Secret: "v1:x"}
	if err := s.UpdateSyndicationTarget(ctx, missing); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("UpdateSyndicationTarget of a uid not stored: %v, want post.ErrNotFound", err)
	}
	if err := s.DeleteSyndicationTarget(ctx, tg.UID); err != nil {
		t.Fatalf("DeleteSyndicationTarget: %v", err)
	}
	if got, err := s.SyndicationTargets(ctx); err != nil || len(got) != 0 {
		t.Errorf("after the delete: %d targets, %v; want none", len(got), err)
	}
	if err := s.DeleteSyndicationTarget(ctx, tg.UID); !errors.Is(err, post.ErrNotFound) {
		t.Errorf("DeleteSyndicationTarget again: %v, want post.ErrNotFound", err)
	}
}

// sameTarget compares every field, times to the microsecond.
func sameTarget(a, b *syndicate.StoredTarget) bool {
	return a.UID == b.UID && a.Name == b.Name && a.Service == b.Service && a.Server == b.Server &&
		a.Handle == b.Handle && a.Always == b.Always && a.Secret == b.Secret &&
		a.Created.Truncate(time.Microsecond).Equal(b.Created.Truncate(time.Microsecond))
}
