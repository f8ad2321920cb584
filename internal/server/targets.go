package server

import (
	"context"
	"fmt"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/micropub"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/syndicate/bluesky"
	"github.com/indiepub/indiepub/internal/syndicate/mastodon"
)

// publisherBuilder makes the publishers of the targets stored in the owner's pages, each
// with the guarded outbound client, as the flags' targets are made in cmd/indiepub.
func publisherBuilder(allowPrivate bool) syndicate.Builder {
	return func(t *syndicate.StoredTarget, credential string) (syndicate.Publisher, error) {
		client := indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: allowPrivate})
		user := syndicate.Service{Name: t.Name, URL: t.UID}
		switch t.Service {
		case syndicate.ServiceMastodon:
			return mastodon.New(mastodon.Config{Server: t.Server, Token: credential, Client: client, User: user})
		case syndicate.ServiceBluesky:
			user.Name = t.Handle
			return bluesky.New(bluesky.Config{PDS: t.Server, Identifier: t.Handle, AppPassword: credential,
				Client: client, User: user})
		}
		return nil, fmt.Errorf("unknown service %q", t.Service)
	}
}

// micropubTargets are the targets in use, as Micropub's syndicate-to extension shows them.
func micropubTargets(synd *syndicate.Syndicator) func(ctx context.Context) []micropub.Target {
	return func(ctx context.Context) []micropub.Target {
		var out []micropub.Target
		for _, t := range synd.Targets(ctx) {
			mt := micropub.Target{UID: t.UID, Name: t.Name, Always: t.Always}
			if t.Publisher != nil {
				svc, user := t.Publisher.Service(), t.Publisher.User()
				mt.Service = &micropub.TargetService{Name: svc.Name, URL: svc.URL, Photo: svc.Photo}
				mt.User = &micropub.TargetService{Name: user.Name, URL: user.URL, Photo: user.Photo}
			}
			out = append(out, mt)
		}
		return out
	}
}

// syndicationAdmin is the syndicator with the store, for the owner's syndication page.
type syndicationAdmin struct {
	*syndicate.Syndicator
	db syndicate.PendingStore
}

func (a syndicationAdmin) Waiting(ctx context.Context, limit int) ([]syndicate.Waiting, error) {
	return a.Syndicator.Waiting(ctx, a.db, limit)
}

func (a syndicationAdmin) Retry(ctx context.Context, url, uid string) error {
	return a.Syndicator.Retry(ctx, a.db, url, uid)
}
