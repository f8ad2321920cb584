package server

import (
	"net/http"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/admin"
	"github.com/indiepub/indiepub/internal/authserver"
	"github.com/indiepub/indiepub/internal/mediaendpoint"
	"github.com/indiepub/indiepub/internal/micropub"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/site"
	"github.com/indiepub/indiepub/internal/webmention"
)

// Routes are the handlers behind indiepub's routes. A nil part has no routes: the full
// server has every part, the standalone media server (NewMedia) only Media and Health,
// and tests mount the parts they need.
type Routes struct {
	Owner      *owner.Service
	AuthServer *authserver.Server
	Admin      *admin.Server
	Micropub   *micropub.Handler
	Media      *mediaendpoint.Handler
	// Auth verifies the tokens of the Micropub and media endpoints; the endpoints check
	// the scopes per action.
	Auth       *indieauth.Authenticator
	Site       *site.Handler
	Webmention *webmention.Receiver
	// Health answers /healthz (alive) and Ready /readyz (able to serve).
	Health, Ready http.Handler
	// Syndicate is POST /syndicate, the webhook that enqueues the posts waiting for
	// syndication.
	Syndicate http.Handler
	// GitPull is POST /git/pull, the git host's webhook that pulls the content
	// repository (--content-store git).
	GitPull http.Handler
}

// StudioLinks are the owner's bar, on the website and the owner's pages: the studio's
// pages that exist, in order, under the site's URL (ending in "/"). A feature that adds
// owner pages (mentions, syndication targets) adds its link here.
func StudioLinks(siteURL string) []owner.Link {
	return []owner.Link{
		{Label: "Mentions", URL: siteURL + "admin/mentions"},
		{Label: "Apps", URL: siteURL + "admin/tokens"},
	}
}

// Mount adds every route of indiepub to mux, one line each. Patterns name their methods,
// so that "/micropub" and "/media" do not clash with the website's "GET /", which answers
// every other GET: the posts at their URLs and the site's 404 page.
func (rt Routes) Mount(mux *http.ServeMux) {
	if own := rt.Owner; own != nil {
		mux.Handle("GET /login", own.LoginPage())
		mux.Handle("POST /login", own.Login())
		mux.Handle("POST /logout", own.Logout())
		mux.Handle("GET /setup", own.SetupPage())
		mux.Handle("POST /setup", own.Setup())
	}
	if as := rt.AuthServer; as != nil {
		mux.Handle("GET /.well-known/oauth-authorization-server", as.Metadata())
		mux.Handle("GET /auth", as.Authorize())
		mux.Handle("POST /auth", as.AuthorizePost())
		mux.Handle("GET /token", as.VerifyToken())
		mux.Handle("POST /token", as.Token())
		mux.Handle("OPTIONS /token", as.Preflight())
		mux.Handle("POST /introspect", as.Introspect())
		mux.Handle("POST /revoke", as.Revoke())
		mux.Handle("OPTIONS /revoke", as.Preflight())
	}
	if ad := rt.Admin; ad != nil {
		mux.Handle("GET /admin/tokens", ad.Tokens())
		mux.Handle("POST /admin/tokens/revoke", ad.Revoke())
		mux.Handle("POST /admin/tokens/revoke-client", ad.RevokeClient())
		mux.Handle("POST /admin/pkce/withdraw", ad.WithdrawPKCE())
		mux.Handle("GET /admin/mentions", ad.Mentions())
		mux.Handle("POST /admin/mentions/approve", ad.ApproveMention())
		mux.Handle("POST /admin/mentions/delete", ad.DeleteMention())
		mux.Handle("POST /admin/mentions/block", ad.BlockDomain())
		mux.Handle("GET /admin/posts/delete", ad.DeletePage())
		mux.Handle("POST /admin/posts/delete", ad.Delete())
		mux.Handle("POST /admin/posts/undelete", ad.Undelete())
	}
	if rt.Micropub != nil {
		// The endpoint answers the methods it does not serve with a JSON 405, not the
		// mux's text.
		mp := rt.Micropub.Endpoint(rt.Auth.Require())
		mux.Handle("GET /micropub", mp)
		mux.Handle("POST /micropub", mp)
		mux.Handle("PUT /micropub", mp)
		mux.Handle("PATCH /micropub", mp)
		mux.Handle("DELETE /micropub", mp)
		mux.Handle("OPTIONS /micropub", mp)
	}
	if m := rt.Media; m != nil {
		endpoint := m.Endpoint(rt.Auth)
		mux.Handle("POST /media", endpoint)
		mux.Handle("GET /media", endpoint)
		mux.Handle("GET /media/", m.Files())
	}
	if wm := rt.Webmention; wm != nil {
		mux.Handle("POST /webmention", http.HandlerFunc(wm.Receive))
		mux.Handle("GET /webmention/status/{key}", http.HandlerFunc(wm.Status))
	}
	if rt.Health != nil {
		mux.Handle("GET /healthz", rt.Health)
	}
	if rt.Ready != nil {
		mux.Handle("GET /readyz", rt.Ready)
	}
	if rt.GitPull != nil {
		mux.Handle("POST /git/pull", rt.GitPull)
	}
	if rt.Syndicate != nil {
		mux.Handle("POST /syndicate", rt.Syndicate)
	}
	if s := rt.Site; s != nil {
		mux.Handle("GET /{$}", s.Home())
		mux.Handle("GET /feed.atom", s.AtomFeed())
		mux.Handle("GET /feed.rss", s.RSSFeed())
		mux.Handle("GET /feed.json", s.JSONFeed())
		mux.Handle("GET /style.css", s.Style())
		mux.Handle("GET /tags/{$}", s.Tags())
		mux.Handle("GET /tags", s.TagsRedirect())
		mux.Handle("GET /tags/{tag}", s.Tag())
		mux.Handle("GET /tags/{tag}/feed.atom", s.AtomFeed())
		mux.Handle("GET /tags/{tag}/feed.rss", s.RSSFeed())
		mux.Handle("GET /tags/{tag}/feed.json", s.JSONFeed())
		mux.Handle("GET /", s.Entry())
	}
}
