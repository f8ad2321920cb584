package server

import (
	"net/http"
	"strings"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/admin"
	"github.com/indiepub/indiepub/internal/authserver"
	"github.com/indiepub/indiepub/internal/mediaendpoint"
	"github.com/indiepub/indiepub/internal/micropub"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/site"
	"github.com/indiepub/indiepub/internal/visitor"
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
	// Visitor signs visitors in with their own website and sends their responses to it;
	// it also serves the client metadata document at the home page.
	Visitor *visitor.Service
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
		{Label: "Write", URL: siteURL + "admin/write"},
		{Label: "Posts", URL: siteURL + "admin/posts"},
		{Label: "Media", URL: siteURL + "admin/media"},
		{Label: "Mentions", URL: siteURL + "admin/mentions"},
		{Label: "Syndication", URL: siteURL + "admin/syndication"},
		{Label: "Apps", URL: siteURL + "admin/tokens"},
		{Label: "Settings", URL: siteURL + "admin/settings"},
	}
}

// Mount adds every route of indiepub to mux, one line each. Patterns name their methods,
// so that "/micropub" and "/media" do not clash with the website's "GET /", which answers
// every other GET: the posts at their URLs and the site's 404 page. It returns the
// patterns of the owner's pages and forms, those mounted with ownerMux.Handle.
func (rt Routes) Mount(mux *http.ServeMux) (owner []string) {
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
		st := ownerMux{mux: mux, own: rt.Owner, patterns: &owner}
		st.Handle("GET /admin/tokens", ad.Tokens())
		st.Handle("POST /admin/tokens/revoke", ad.Revoke())
		st.Handle("POST /admin/tokens/revoke-client", ad.RevokeClient())
		st.Handle("POST /admin/pkce/withdraw", ad.WithdrawPKCE())
		st.Handle("GET /admin/mentions", ad.Mentions())
		st.Handle("POST /admin/mentions/approve", ad.ApproveMention())
		st.Handle("POST /admin/mentions/delete", ad.DeleteMention())
		st.Handle("POST /admin/mentions/block", ad.BlockDomain())
		st.Handle("GET /admin/syndication", ad.SyndicationPage())
		st.Handle("POST /admin/syndication/add", ad.AddTarget())
		st.Handle("POST /admin/syndication/edit", ad.EditTarget())
		st.Handle("POST /admin/syndication/remove", ad.RemoveTarget())
		st.Handle("POST /admin/syndication/test", ad.TestTarget())
		st.Handle("POST /admin/syndication/retry", ad.RetryCopy())
		st.Handle("GET /admin/write", ad.WritePage())
		st.Handle("POST /admin/write", ad.Write())
		st.Handle("GET /admin/posts", ad.PostList())
		st.Handle("GET /admin/posts/edit", ad.EditPage())
		st.Handle("POST /admin/posts/edit", ad.Edit())
		st.Handle("GET /admin/posts/delete", ad.DeletePage())
		st.Handle("POST /admin/posts/delete", ad.Delete())
		st.Handle("POST /admin/posts/undelete", ad.Undelete())
		st.Handle("GET /admin/media", ad.MediaLibrary())
		st.Handle("POST /admin/media/upload", ad.UploadMedia())
		st.Handle("POST /admin/media/delete", ad.DeleteMedia())
		st.Handle("GET /admin/studio.js", ad.Script())
		st.Handle("POST /admin/preview", ad.Preview())
		st.Handle("GET /admin/settings", ad.SettingsPage())
		st.Handle("POST /admin/settings", ad.SaveSettings())
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
	home, entry := http.Handler(nil), http.Handler(nil)
	if v := rt.Visitor; v != nil {
		mux.Handle("POST /visitor/signin", v.SameOrigin(v.SignIn()))
		mux.Handle("GET /visitor/callback", v.Callback())
		mux.Handle("POST /visitor/signout", v.SameOrigin(v.Sessions(v.SignOut())))
		mux.Handle("POST /visitor/respond", v.SameOrigin(v.Sessions(v.Respond())))
	}
	if s := rt.Site; s != nil {
		home, entry = s.Home(), s.Entry()
		if v := rt.Visitor; v != nil {
			home, entry = v.ClientDocument(home), v.Sessions(entry)
		}
		mux.Handle("GET /{$}", home)
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
		mux.Handle("GET /search", s.Search())
		mux.Handle("GET /", entry)
	}
	return owner
}

// ownerMux mounts the owner's pages and forms (every route under /admin/): each one sends a
// visitor to /login and refuses a form without the session's CSRF token, which
// TestOwnerRoutesRefuse checks for every pattern mounted here.
type ownerMux struct {
	mux      *http.ServeMux
	own      *owner.Service
	patterns *[]string
}

// Handle mounts an owner's page or form and records its pattern. A form posted by a
// browser without the owner's session (it may have ended while the page was open) is
// sent to sign in, as a page is; other clients get the handler's 403.
func (s ownerMux) Handle(pattern string, h http.Handler) {
	*s.patterns = append(*s.patterns, pattern)
	if s.own == nil {
		s.mux.Handle(pattern, h)
		return
	}
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "text/html") {
			if sess, err := s.own.Session(r); err == nil && sess == nil {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
}
