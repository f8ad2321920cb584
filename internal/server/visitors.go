package server

import (
	"context"
	"crypto/rand"
	"net/http"

	"github.com/indiepub/indiepub/internal/secret"
	"github.com/indiepub/indiepub/internal/site"
	"github.com/indiepub/indiepub/internal/visitor"
)

// visitors is the visitor sign-in, with the website's notice page set once the website
// is built (the website needs the sign-in's form actions first).
type visitors struct {
	*visitor.Service
	show func(http.ResponseWriter, *http.Request, site.Notice)
}

// newVisitors builds the visitor sign-in and fills in the website's side of it.
func newVisitors(cfg Config, db Store, siteCfg *site.Config, fetch *http.Client) (*visitors, error) {
	box := cfg.Secrets
	if box == nil {
		key := make([]byte, secret.KeySize)
		rand.Read(key)
		var err error
		if box, err = secret.New(key); err != nil {
			return nil, err
		}
	}
	vs := &visitors{}
	vcfg := visitor.Config{URL: cfg.URL, Name: siteCfg.Name, Logo: cfg.Photo, Box: box, Client: fetch,
		LaxProfiles: cfg.AllowPrivateFetch, Now: cfg.Now, Logger: cfg.Logger,
		Show: func(w http.ResponseWriter, r *http.Request, n visitor.Notice) {
			sn := site.Notice{Status: n.Status, Title: n.Title, Message: n.Message}
			for _, l := range n.Links {
				sn.Links = append(sn.Links, site.OwnerLink{Label: l.Label, URL: l.URL})
			}
			vs.show(w, r, sn)
		},
	}
	if vcfg.Name == "" {
		vcfg.Name = "indiepub"
	}
	if cfg.ApproveVisitorMentions {
		vcfg.Remember = func(ctx context.Context, host string) error {
			return db.RememberVisitorDomain(ctx, host, cfg.Now())
		}
	}
	vs.Service = visitor.New(vcfg)
	siteCfg.Visitor = func(r *http.Request) *site.Visitor {
		s := visitor.FromContext(r.Context())
		if s == nil {
			return nil
		}
		return &site.Visitor{Me: s.Me, Name: s.Name, Photo: s.Photo, CSRF: s.CSRF,
			CanPost: s.Token != "" && s.Micropub != ""}
	}
	siteCfg.VisitorSignIn, siteCfg.VisitorSignOut = vs.SignInURL(), vs.SignOutURL()
	siteCfg.VisitorRespond, siteCfg.ClientRedirect = vs.RespondURL(), vs.RedirectURI()
	return vs, nil
}
