// Package server assembles indiepub's handler tree: the route table, the middleware and
// /healthz. Tests start it with httptest.NewServer on a real database.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/admin"
	"github.com/indiepub/indiepub/internal/authserver"
	gitstore "github.com/indiepub/indiepub/internal/contentstore/git"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/mediaendpoint"
	"github.com/indiepub/indiepub/internal/metrics"
	"github.com/indiepub/indiepub/internal/micropub"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/reqbody"
	"github.com/indiepub/indiepub/internal/secret"
	"github.com/indiepub/indiepub/internal/settings"
	"github.com/indiepub/indiepub/internal/site"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/token"
	"github.com/indiepub/indiepub/internal/webmention"
)

// Config is the server's configuration; cmd/indiepub fills it from flags and environment.
type Config struct {
	// URL is the site's absolute URL and the owner's "me", e.g. "http://127.0.0.1:8080/".
	URL string
	// DataDir holds the SQLite file and the media folder.
	DataDir string
	// MaxBody caps non-upload request bodies, in bytes.
	MaxBody int64
	// MaxUpload caps one uploaded file, in bytes.
	MaxUpload int64
	// Blobs is where uploaded files are kept; nil means the disk store (fsblob) in
	// DataDir/media. cmd/indiepub chooses it (--media-store).
	Blobs media.Blobs
	// MediaURL is the absolute URL the files are published under, with a trailing slash:
	// a public bucket or CDN that serves the blob store (--media-url). Empty means
	// URL + "media/", served by indiepub from the store.
	MediaURL string
	// MediaTypes lists the media types accepted as uploads ("image/*", "application/pdf");
	// nil means media.DefaultTypes.
	MediaTypes []string
	// URLPatterns maps post types to URL patterns; post.DefaultURLPattern otherwise.
	URLPatterns map[string]string
	// Verifier checks access tokens; nil means the one Auth chooses.
	Verifier indieauth.Verifier
	// Auth chooses the token verifier: AuthLocal (the default), indiepub's own token
	// store, or AuthExternal, the owner's IndieAuth server at TokenEndpoint or, without
	// one, the endpoint that URL advertises.
	Auth string
	// TokenEndpoint is the external token endpoint; empty means discover it from URL.
	TokenEndpoint string
	// IntrospectionEndpoint is the external introspection endpoint (IndieAuth §6.1),
	// asked first when set; TokenEndpoint is then the fallback for servers that answer
	// introspection with 404 or 405.
	IntrospectionEndpoint string
	// AuthorizationEndpoint is the external authorization endpoint that the website
	// advertises under external auth, so that clients sign in there.
	AuthorizationEndpoint string
	// TokenCacheTTL is how long external verification results are kept; 0 means
	// 5 minutes, negative turns the cache off.
	TokenCacheTTL time.Duration
	// IntrospectionAuth is the Authorization header sent to an external introspection
	// endpoint, for servers that require the resource server to authenticate.
	IntrospectionAuth string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RawUploadMin is for tests: non-zero, it is the smallest upload body received raw
	// (see mediaendpoint.Config.RawMin), whatever the file system under the media folder;
	// math.MaxInt64 receives none raw.
	RawUploadMin int64
	// Name, Photo and Note describe the owner in the home page's h-card.
	Name, Photo, Note string
	// Email is the owner's address, given only to apps granted the email scope.
	Email string
	// TrustedProxies are the reverse proxies in front of indiepub, whose X-Forwarded-For
	// names the client for the login rate limit.
	TrustedProxies []netip.Prefix
	// BodyTimeout bounds each wait for a request body's next bytes, and is the grace
	// before BodyMinRate applies (see reqbody.Limits); 0 means 30 seconds, negative no
	// bound.
	BodyTimeout time.Duration
	// BodyMinRate is the least average rate of a request body, in bytes per second,
	// once BodyTimeout has passed; 0 means 500, negative no minimum.
	BodyMinRate int64
	// Logger receives what the server logs: the owner's setup link, failed requests,
	// unavailable client information, the media service's warnings; nil means
	// slog.Default().
	Logger *slog.Logger
	// MediaLocker orders the media service's uploads against its deletes (media.Locker);
	// nil means a mutex of this process, which is enough while one process owns the
	// database. Instances sharing a database pass a lock of the database.
	MediaLocker media.Locker
	// WebSubHub is the WebSub hub the home page and the feeds advertise, and that
	// changes to public posts are published to; "" for none.
	WebSubHub string
	// AllowPrivateFetch lets outbound fetches (IndieAuth client information) reach
	// loopback and private addresses: tests and local setups only.
	AllowPrivateFetch bool
	// RefuseFetch, when set, is asked before every request the Webmention jobs make
	// (sending, verifying, reply contexts, authors' photos), redirects included; an error
	// it returns is the request's. servertest refuses every host that is not an IP
	// address, so that tests' example.org links make no DNS lookups.
	RefuseFetch func(*http.Request) error
	// WebmentionModeration is which verified webmentions show without the owner's
	// approval: webmention.ModerateAll, ModerateKnown (the default) or ModerateHold.
	WebmentionModeration string
	// WebmentionRateLimit is how many webmentions one source host may send a minute; 0
	// means 30.
	WebmentionRateLimit int
	// Enqueue adds the verification job of a webmention received; nil means the store's
	// job queue (tests take the jobs to run them themselves).
	Enqueue func(ctx context.Context, js ...*jobs.Job) (int, error)
	// Syndication are the targets posts can be copied to (POSSE), offered to Micropub
	// clients in q=config and q=syndicate-to.
	Syndication []syndicate.Target
	// Secrets seals what must not be kept in the clear (internal/secret), under a key kept
	// apart from the database: the credentials of the syndication targets the owner adds
	// in the owner's pages, and the visitors' sign-in cookies. cmd/indiepub loads the key
	// (INDIEPUB_SECRET_KEY or secret.key in the data directory). nil stores no target
	// credential, and seals visitors' cookies under a random key of this process, so that
	// their sign-ins end when it stops and do not carry over to other instances.
	Secrets *secret.Box
	// SyndicateSecret checks POST /syndicate's X-Webhook-Signature (hex HMAC-SHA256 of
	// the body); empty accepts only bearer tokens there.
	SyndicateSecret string
	// Jobs sets the background job runner (workers, deadline, retries); its Logger and
	// Now are the server's.
	Jobs jobs.Config
	// Metrics, when set, counts requests, post changes, uploads, token verifications and
	// storage errors, and reads the job queue and the webmentions at each scrape; cmd/indiepub serves it on its own listener (--metrics-addr). nil
	// counts nothing.
	Metrics *metrics.Metrics
	// ApproveVisitorMentions approves the verified webmentions from the hosts of visitors
	// who signed in with their website through the site (only the hosts are kept).
	ApproveVisitorMentions bool
	// Git, when set, keeps every post as a front-matter file in this git repository
	// (--content-store git): written and committed by jobs, pushed by jobs, and read back
	// into the store when the remote changes (POST /git/pull, and every GitPull).
	Git *gitstore.Repo
	// GitPull is how often the repository's remote is pulled; 0 means 5 minutes,
	// negative never (only the webhook).
	GitPull time.Duration
	// PublicURLCheck makes syndication and webmentions for a post wait until its public
	// URL answers 200 (--public-url-check): a static site is live only once its host has
	// built the commit.
	PublicURLCheck bool
	// AccessLog logs every request at INFO through Logger (request id, route pattern,
	// status, bytes, duration); without it they are logged only at DEBUG.
	AccessLog bool
}

// Defaults fills in unset fields.
func (c *Config) Defaults() {
	if c.URL == "" {
		c.URL = "http://127.0.0.1:8080/"
	}
	if !strings.HasSuffix(c.URL, "/") {
		c.URL += "/"
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.MaxBody == 0 {
		c.MaxBody = 10 << 20
	}
	if c.MaxUpload == 0 {
		c.MaxUpload = 100 << 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MediaURL != "" && !strings.HasSuffix(c.MediaURL, "/") {
		c.MediaURL += "/"
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = reqbody.DefaultIdle
	}
	if c.BodyMinRate == 0 {
		c.BodyMinRate = reqbody.DefaultMinRate
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Handler is indiepub's whole handler tree, and the job runner behind it.
type Handler struct {
	http.Handler
	media  *mediaendpoint.Handler
	site   *site.Handler
	jobs   *jobs.Runner
	logger *slog.Logger
	// stopPulls ends the git repository's pull schedule.
	stopPulls func()
	// jobHandlers and listeners are the Webmention job handlers by kind and post-change
	// listener registered with the runner, for tests that stop it and run jobs themselves.
	jobHandlers map[string]jobs.Handler
	listeners   []jobs.Listener
	ownerRoutes []string
}

// OwnerRoutes returns the patterns of the owner's pages and forms (Routes.Mount).
func (h *Handler) OwnerRoutes() []string { return h.ownerRoutes }

// JobHandlers returns the Webmention job handlers the runner runs, by kind.
func (h *Handler) JobHandlers() map[string]jobs.Handler { return h.jobHandlers }

// PostListeners returns the Webmention post-change listener the runner runs.
func (h *Handler) PostListeners() []jobs.Listener { return h.listeners }

// StopJobs stops the job runner that New started, letting running jobs finish until ctx
// ends (see jobs.Runner.Stop). Call it after the HTTP server has shut down and before the
// store is closed.
func (h *Handler) StopJobs(ctx context.Context) error {
	h.stopPulls()
	return h.jobs.Stop(ctx)
}

// Warm renders the home page into the website's cache, so that the first visitor after a
// start does not wait for it. It is meant to run in the background once the server is
// listening, never before: New does not warm, so that nothing a post holds can delay the
// start. Cancelling ctx (on shutdown) stops it at its next store query.
func (h *Handler) Warm(ctx context.Context) {
	if err := h.site.Warm(ctx); err != nil && ctx.Err() == nil {
		h.logger.Warn("render the home page at start", "err", err)
	}
}

// WaitUploads waits for the uploads that http.Server.Shutdown does not wait for (see
// mediaendpoint.Handler.WaitUploads).
func (h *Handler) WaitUploads(ctx context.Context) error { return h.media.WaitUploads(ctx) }

// Store is what the handler tree needs from storage: the union of what each handler
// package declares for itself, and Ping for /healthz. cmd/indiepub chooses the store;
// internal/store/storetest states its contract.
type Store interface {
	micropub.Store
	site.Store
	media.Records
	authserver.Store
	owner.Store
	admin.Store
	token.Store
	webmention.SendStore
	webmention.ReceiverStore
	jobs.Store
	syndicate.PendingStore
	Reports
	syndicate.TargetStore
	webmention.VisitorDomains
	// Settings and SaveSettings keep the owner's settings page (settings.Store).
	Settings(ctx context.Context) (settings.Settings, error)
	SaveSettings(ctx context.Context, s settings.Settings) error
	// RememberVisitorDomain records the host of a visitor who signed in (visitor.Config).
	RememberVisitorDomain(ctx context.Context, domain string, at time.Time) error
	// Ping reports whether the store can be reached, and Migrated whether its schema is
	// current: /readyz.
	Ping(ctx context.Context) error
	Migrated(ctx context.Context) error
}

// savesCounter is a store that counts saves of the settings as revocationCounter does
// revocations (settings.Service.Saves).
type savesCounter interface {
	SettingsGeneration() uint64
}

// New returns indiepub's whole handler tree on db. ctx bounds the start-up work (the
// owner's setup link); the handler outlives it.
func New(ctx context.Context, cfg Config, db Store) (*Handler, error) {
	cfg.Defaults()
	cfg.Logger = withRequestIDs(cfg.Logger)
	// Asked of the store itself: the metrics' wrapper below has only Store's methods.
	revocations, _ := db.(revocationCounter)
	saves, _ := db.(savesCounter)
	if cfg.Metrics != nil {
		db = countedStore{Store: db, m: cfg.Metrics}
	}
	verifier := cfg.Verifier
	if verifier == nil {
		verifier = newVerifier(cfg, db, revocations)
	}
	if hits, ok := verifier.(interface{ Hits() uint64 }); ok {
		cfg.Metrics.CacheHits(hits.Hits)
	}
	if cfg.Metrics != nil {
		verifier = countedVerifier{Verifier: verifier, m: cfg.Metrics}
		addReports(cfg.Metrics, db, cfg.Now)
	}
	auth := &indieauth.Authenticator{Verifier: verifier, MaxBody: cfg.MaxBody, Logger: cfg.Logger}
	blobs, err := diskBlobs(cfg.Blobs, cfg.DataDir, cfg.Logger)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics != nil {
		blobs = countBlobs(blobs, cfg.Metrics)
	}
	var records media.Records = db
	if cfg.Git != nil && cfg.Git.CommitsMedia() {
		records = gitMediaRecords{Records: db, queue: db, now: cfg.Now}
	}
	mediaService := media.NewService(media.ServiceConfig{URL: cfg.URL, FilesURL: cfg.MediaURL, Types: cfg.MediaTypes,
		MaxSize: cfg.MaxUpload, Locker: cfg.MediaLocker, Now: cfg.Now, Logger: cfg.Logger}, blobs, records)
	mediaEndpoint := mediaendpoint.New(mediaendpoint.Config{URL: cfg.URL, MaxBody: cfg.MaxBody,
		BodyTimeout: max(cfg.BodyTimeout, 0), BodyMinRate: max(cfg.BodyMinRate, 0),
		RawMin: cfg.RawUploadMin, RawAnywhere: cfg.RawUploadMin != 0 && cfg.RawUploadMin != math.MaxInt64,
		Logger: cfg.Logger}, mediaService)
	synd := newSyndicator(cfg, db, mediaService)
	// A stored target whose credential does not open (another key) stops the start here,
	// with its uid, rather than failing every job later.
	if err := synd.CheckStored(ctx); err != nil {
		return nil, err
	}
	// The owner's settings: stored, changed in the studio, with those given by flag in
	// their place.
	siteSettings := settings.NewService(db, settings.Settings{Name: cfg.Name, Photo: cfg.Photo, Note: cfg.Note,
		URLPatterns: cfg.URLPatterns})
	if saves != nil {
		siteSettings.Saves = saves.SettingsGeneration
	}
	mp := micropub.New(micropub.Config{
		URL:           cfg.URL,
		MediaEndpoint: mediaEndpoint.EndpointURL(),
		Settings:      siteSettings.Current,
		MaxBody:       cfg.MaxBody,
		MaxUpload:     cfg.MaxUpload,
		SyndicateTo:   micropubTargets(synd),
		Now:           cfg.Now,
		Logger:        cfg.Logger,
		Changed:       cfg.Metrics.PostChanged,
	}, db, mediaService)

	// The owner's identity: the login and setup pages, and the session the consent page,
	// the owner's pages and the website ask about.
	logger := cfg.Logger
	own := owner.New(owner.Config{URL: cfg.URL, Now: cfg.Now, Logger: logger, TrustedProxies: cfg.TrustedProxies,
		SetupLinkFile: setupLinkFile(cfg.DataDir)}, db)
	if err := own.Start(ctx); err != nil {
		return nil, fmt.Errorf("check owner password: %w", err)
	}
	studio := StudioLinks(cfg.URL)
	pageCfg := owner.PageConfig{URL: cfg.URL, Now: cfg.Now, Logger: logger, Links: studio}
	as := authserver.New(authserver.Config{
		PageConfig: pageCfg,
		Fetch:      indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: cfg.AllowPrivateFetch}),
		Verifier:   issuedTokens(cfg, db, verifier),
		Profile: func(ctx context.Context) authserver.Profile {
			cur, err := siteSettings.Current(ctx)
			if err != nil {
				logger.WarnContext(ctx, "read settings for the profile", "err", err)
				cur = siteSettings.Fixed()
			}
			return authserver.Profile{Name: cur.Name, Photo: cur.Photo, Email: cfg.Email}
		},
	}, db, own)

	// The website: home, tags, feeds and the posts at their URLs.
	siteCfg := site.Config{
		URL: cfg.URL, Name: cfg.Name, Photo: cfg.Photo, Note: cfg.Note,
		Profile: func(ctx context.Context, version int64) (site.Profile, error) {
			cur, err := siteSettings.At(ctx, version)
			return site.Profile{Name: cur.Name, Photo: cur.Photo, Note: cur.Note}, err
		},
		ThemeDir:  filepath.Join(cfg.DataDir, "theme"),
		MediaURL:  cfg.MediaURL,
		IsOwner:   own.IsOwner,
		OwnerCSRF: own.CSRF,
		LoginURL:  cfg.URL + "login",
		Hub:       cfg.WebSubHub,
		Now:       cfg.Now,
		Logger:    cfg.Logger,
	}
	if cfg.Auth == AuthExternal {
		// Clients must sign in where the tokens are verified, not at indiepub's own server.
		siteCfg.ExternalAuth = true
		siteCfg.AuthorizationEndpoint = cfg.AuthorizationEndpoint
		siteCfg.TokenEndpoint = cfg.TokenEndpoint
	}
	// Webmention: received at /webmention, verified and sent by jobs, through the
	// guarded client.
	fetch := indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: cfg.AllowPrivateFetch, Timeout: 10 * time.Second})
	if cfg.RefuseFetch != nil {
		fetch.Transport = refusing{refuse: cfg.RefuseFetch, next: fetch.Transport}
	}
	enqueue := cfg.Enqueue
	if enqueue == nil {
		enqueue = db.EnqueueJobs
	}
	receiverCfg := webmention.ReceiverConfig{URL: cfg.URL, Store: db, Enqueue: enqueue,
		Client: fetch, Sanitize: func(s string) string { return string(site.SanitizeHTML(s)) }, Photos: mediaService,
		Moderation: cfg.WebmentionModeration, RateLimit: cfg.WebmentionRateLimit, Now: cfg.Now, Logger: logger}
	if cfg.ApproveVisitorMentions {
		receiverCfg.Visitors = db
	}
	receiver := webmention.NewReceiver(receiverCfg)
	siteCfg.WebmentionEndpoint = receiver.Endpoint()
	for _, l := range studio {
		siteCfg.OwnerLinks = append(siteCfg.OwnerLinks, site.OwnerLink{Label: l.Label, URL: l.URL})
	}
	visitors, err := newVisitors(cfg, db, &siteCfg, fetch)
	if err != nil {
		return nil, err
	}
	website := site.New(siteCfg, db)
	visitors.show = website.ShowNotice
	sender := webmention.NewSender(webmention.SenderConfig{Client: fetch, Store: db, ContentHTML: website.ContentHTML,
		Photos: mediaService, Now: cfg.Now, Logger: logger})
	// The studio writes and edits through the Micropub endpoint's own create and update.
	adminPages := admin.New(admin.Config{PageConfig: pageCfg, Studio: admin.Studio{
		Targets: studioTargets(synd), Preview: website.ContentHTML, FetchContext: sender.FetchContext,
		Files: mediaService, MaxBody: cfg.MaxBody, MaxUpload: cfg.MaxUpload,
	}, Syndication: syndicationAdmin{synd, db}, Settings: siteSettings,
		Media: mediaService, MaxUpload: mediaService.MaxSize()}, db, own, mp)
	runner := newRunner(cfg, db, synd, website)
	var gitHook http.Handler
	stopPulls := func() {}
	if cfg.Git != nil {
		pub := gitPublisher(cfg, db, runner, mediaService)
		gitHook = syndicate.Authenticated(syndicate.WebhookConfig{Secret: []byte(cfg.SyndicateSecret),
			MaxBody: cfg.MaxBody, Logger: logger}, auth, gitPullHook(pub, cfg.Logger))
		stopPulls = pullEvery(pub, cfg.GitPull, cfg.Logger)
	}
	mux := http.NewServeMux()
	ownerRoutes := Routes{Owner: own, AuthServer: as, Admin: adminPages, Micropub: mp, Media: mediaEndpoint, Auth: auth,
		Site: website, Webmention: receiver, Visitor: visitors.Service, Health: alive(), Ready: ready(db, blobs, cfg.Logger),
		Syndicate: synd.Webhook(syndicate.WebhookConfig{Secret: []byte(cfg.SyndicateSecret), MaxBody: cfg.MaxBody,
			Logger: logger}, db, auth),
		GitPull: gitHook,
	}.Mount(mux)
	bodies := reqbody.Limits{Idle: max(cfg.BodyTimeout, 0), MinRate: max(cfg.BodyMinRate, 0)}
	listener := func(ctx context.Context, c jobs.PostChange) ([]*jobs.Job, error) { return sender.PostChanged(ctx, c) }
	handlers := map[string]jobs.Handler{webmention.KindSend: sender.Send, webmention.KindVerify: receiver.Verify,
		webmention.KindContext: sender.Context}
	if cfg.PublicURLCheck {
		handlers[webmention.KindSend] = waitLive(liveClient(cfg), cfg.Jobs.Backoff, sender.Send, payloadURL("source"))
	}
	runner.ListenFor(sender.Wants, listener)
	for kind, h := range handlers {
		runner.Handle(kind, h)
	}
	// Nothing outbound happens on a request's path: changes enqueue jobs in their own
	// transaction, and the runner's workers take them from the store.
	runner.Start(context.WithoutCancel(ctx))
	return &Handler{Handler: observe(cfg.Logger, cfg.AccessLog, cfg.Metrics, bodies.Handler(mux)),
		media: mediaEndpoint, site: website, jobs: runner, logger: cfg.Logger, stopPulls: stopPulls,
		jobHandlers: handlers, listeners: []jobs.Listener{listener}, ownerRoutes: ownerRoutes,
	}, nil
}

// refusing asks refuse before each request it lets through to next (Config.RefuseFetch).
type refusing struct {
	refuse func(*http.Request) error
	next   http.RoundTripper
}

func (rt refusing) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := rt.refuse(r); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	return rt.next.RoundTrip(r)
}

// setupLinkFile is where the owner's one-time setup link is written (owner.Config): in
// the data directory, none without one.
func setupLinkFile(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Join(dataDir, "setup-link")
}
