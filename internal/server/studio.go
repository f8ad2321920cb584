package server

import (
	"github.com/indiepub/indiepub/internal/admin"
	"github.com/indiepub/indiepub/internal/syndicate"
)

// studioTargets are the syndication targets the write form offers.
func studioTargets(ts []syndicate.Target) []admin.Target {
	out := make([]admin.Target, len(ts))
	for i, t := range ts {
		out[i] = admin.Target{UID: t.UID, Name: t.Name}
		if out[i].Name == "" {
			out[i].Name = t.UID
		}
	}
	return out
}
