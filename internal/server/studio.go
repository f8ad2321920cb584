package server

import (
	"context"

	"github.com/indiepub/indiepub/internal/admin"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// studioTargets lists the syndication targets the write form offers: those given by
// flags and those the owner added, as Micropub's q=syndicate-to lists them.
func studioTargets(synd *syndicate.Syndicator) func(ctx context.Context) []admin.Target {
	return func(ctx context.Context) []admin.Target {
		ts := synd.Targets(ctx)
		out := make([]admin.Target, len(ts))
		for i, t := range ts {
			out[i] = admin.Target{UID: t.UID, Name: t.Name}
			if out[i].Name == "" {
				out[i].Name = t.UID
			}
		}
		return out
	}
}
