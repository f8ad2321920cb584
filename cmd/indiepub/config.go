package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/reqbody"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/store/postgres"
	"github.com/indiepub/indiepub/internal/webmention"
)

// options are the settings shared by the subcommands; each can be set by flag or by an
// INDIEPUB_* environment variable (the flag wins).
type options struct {
	addr string
	// database is --database: a postgres:// URL, or empty for SQLite in the data directory.
	database string
	cfg      server.Config
	logJSON  bool
	debug    bool
	// mediaStore is --media-store: empty for the disk store, or s3://bucket/prefix?….
	mediaStore string
	// tokenCacheTTL is --token-cache-ttl, where 0 means off (server.Config says so with -1).
	tokenCacheTTL time.Duration
	// bodyTimeout and bodyMinRate are --body-timeout and --body-min-rate, where 0 means
	// off (server.Config says so with a negative value).
	bodyTimeout time.Duration
	bodyMinRate int64
	// envErr is a malformed environment setting, reported once the flags are parsed.
	envErr error
	// targets are the syndication targets given, built into cfg.Syndication by serve.
	targets []targetSpec
}

// setTrustedProxies adds comma-separated addresses or CIDR ranges to the trusted proxies.
func (o *options) setTrustedProxies(list string) error {
	for _, v := range splitList(list) {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return fmt.Errorf("%q: want an IP address or a CIDR range", v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		o.cfg.TrustedProxies = append(o.cfg.TrustedProxies, p.Masked())
	}
	return nil
}

// setURLPatterns adds type=pattern pairs, comma-separated, to the URL patterns.
func (o *options) setURLPatterns(list string) error {
	for _, pair := range splitList(list) {
		typ, pattern, ok := strings.Cut(pair, "=")
		typ, pattern = strings.TrimSpace(typ), strings.TrimSpace(pattern)
		switch {
		case !ok || typ == "":
			return fmt.Errorf("%q: want type=pattern, e.g. note=/{yyyy}/{slug}", pair)
		case !strings.HasPrefix(pattern, "/") || !strings.Contains(pattern, "{slug}"):
			return fmt.Errorf("%q: a pattern starts with / and contains {slug}", pair)
		case strings.Contains(pattern, "..") || strings.ContainsAny(pattern, "?#\\ "):
			return fmt.Errorf("%q: a pattern is a plain path", pair)
		}
		if o.cfg.URLPatterns == nil {
			o.cfg.URLPatterns = map[string]string{}
		}
		o.cfg.URLPatterns[typ] = pattern
	}
	return nil
}

// bind declares the shared flags on fs with defaults taken from the environment.
func (o *options) bind(fs *flag.FlagSet) {
	fs.StringVar(&o.addr, "addr", env("INDIEPUB_ADDR", "127.0.0.1:8080"), "listen address (INDIEPUB_ADDR)")
	fs.StringVar(&o.cfg.DataDir, "data", env("INDIEPUB_DATA", "data"), "data directory: SQLite file and media folder (INDIEPUB_DATA)")
	fs.StringVar(&o.database, "database", env("INDIEPUB_DATABASE", ""), "PostgreSQL database URL, postgres://user:pass@host/db, shared by several instances; default: SQLite in the data directory (INDIEPUB_DATABASE)")
	fs.StringVar(&o.cfg.URL, "url", env("INDIEPUB_URL", ""), `the site's public URL and the owner's "me" (INDIEPUB_URL; default http://<addr>/)`)
	fs.Int64Var(&o.cfg.MaxBody, "max-body", envInt("INDIEPUB_MAX_BODY", 10<<20), "largest request body in bytes, uploads aside (INDIEPUB_MAX_BODY)")
	fs.Int64Var(&o.cfg.MaxUpload, "max-upload", envInt("INDIEPUB_MAX_UPLOAD", 100<<20), "largest uploaded file in bytes (INDIEPUB_MAX_UPLOAD)")
	fs.StringVar(&o.mediaStore, "media-store", env("INDIEPUB_MEDIA_STORE", ""), "where uploaded files are kept: empty for the media folder in the data directory, or s3://bucket/prefix?endpoint=host:port&region=name&insecure=1 with credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (INDIEPUB_MEDIA_STORE)")
	fs.StringVar(&o.cfg.MediaURL, "media-url", env("INDIEPUB_MEDIA_URL", ""), "URL the uploaded files are published under, a public bucket or CDN that serves the media store; default <url>media/, served by indiepub (INDIEPUB_MEDIA_URL)")
	o.cfg.MediaTypes = splitList(env("INDIEPUB_MEDIA_TYPES", ""))
	fs.Func("media-types", "accepted upload types, comma-separated, e.g. image/*,application/pdf; default images, audio, video and PDF (INDIEPUB_MEDIA_TYPES)",
		func(s string) error { o.cfg.MediaTypes = splitList(s); return nil })
	fs.StringVar(&o.cfg.Auth, "auth", env("INDIEPUB_AUTH", server.AuthLocal), `token verification: "local" (indiepub's own tokens) or "external" (the owner's IndieAuth server) (INDIEPUB_AUTH)`)
	fs.StringVar(&o.cfg.TokenEndpoint, "token-endpoint", env("INDIEPUB_TOKEN_ENDPOINT", ""), "with --auth external: the token endpoint that verifies tokens, also advertised by the website (INDIEPUB_TOKEN_ENDPOINT)")
	fs.StringVar(&o.cfg.IntrospectionEndpoint, "introspection-endpoint", env("INDIEPUB_INTROSPECTION_ENDPOINT", ""), "with --auth external: the introspection endpoint that verifies tokens, asked before --token-endpoint (INDIEPUB_INTROSPECTION_ENDPOINT)")
	fs.StringVar(&o.cfg.AuthorizationEndpoint, "authorization-endpoint", env("INDIEPUB_AUTHORIZATION_ENDPOINT", ""), "with --auth external: the authorization endpoint the website advertises, where clients sign in (INDIEPUB_AUTHORIZATION_ENDPOINT)")
	fs.DurationVar(&o.tokenCacheTTL, "token-cache-ttl", envDuration("INDIEPUB_TOKEN_CACHE_TTL", indieauth.DefaultCacheTTL), "with --auth external: how long a verified token is remembered; 0 turns the cache off (INDIEPUB_TOKEN_CACHE_TTL)")
	fs.StringVar(&o.cfg.IntrospectionAuth, "introspection-auth", env("INDIEPUB_INTROSPECTION_AUTH", ""), `with --auth external: Authorization header for the introspection endpoint, e.g. "Bearer <token>"; prefer the environment, which ps does not show (INDIEPUB_INTROSPECTION_AUTH)`)
	fs.BoolVar(&o.cfg.AllowPrivateFetch, "allow-private-fetch", envBool("INDIEPUB_ALLOW_PRIVATE_FETCH"), "let outbound requests reach loopback and private addresses: tests and local setups only (INDIEPUB_ALLOW_PRIVATE_FETCH)")
	fs.StringVar(&o.cfg.Name, "name", env("INDIEPUB_NAME", ""), "the owner's name for the home page's h-card; default: the site's host (INDIEPUB_NAME)")
	fs.StringVar(&o.cfg.Photo, "photo", env("INDIEPUB_PHOTO", ""), "URL of the owner's photo for the h-card (INDIEPUB_PHOTO)")
	fs.StringVar(&o.cfg.Email, "email", env("INDIEPUB_EMAIL", ""), "the owner's email address, shared only with apps granted the email scope (INDIEPUB_EMAIL)")
	fs.StringVar(&o.cfg.Note, "note", env("INDIEPUB_NOTE", ""), "a line about the owner for the h-card and feeds (INDIEPUB_NOTE)")
	if err := o.setURLPatterns(env("INDIEPUB_URL_PATTERNS", "")); err != nil {
		o.envErr = fmt.Errorf("INDIEPUB_URL_PATTERNS: %w", err)
	}
	fs.Func("url-pattern", `where posts of a type live, as type=pattern, e.g. "note=/{yyyy}/{mm}/{slug}"; repeat for more types; placeholders {type}s {yyyy} {mm} {dd} {slug}; default `+post.DefaultURLPattern+` (INDIEPUB_URL_PATTERNS, comma-separated)`,
		o.setURLPatterns)
	if err := o.setTrustedProxies(env("INDIEPUB_TRUSTED_PROXIES", "")); err != nil {
		o.envErr = fmt.Errorf("INDIEPUB_TRUSTED_PROXIES: %w", err)
	}
	fs.Func("trusted-proxy", "address or CIDR range of a reverse proxy in front of indiepub, whose X-Forwarded-For names the client for the login rate limit; repeat for more (INDIEPUB_TRUSTED_PROXIES, comma-separated)",
		o.setTrustedProxies)
	fs.DurationVar(&o.bodyTimeout, "body-timeout", envDuration("INDIEPUB_BODY_TIMEOUT", reqbody.DefaultIdle), "longest wait for a request body's next bytes, and the grace before --body-min-rate applies; 0 turns it off (INDIEPUB_BODY_TIMEOUT)")
	fs.Int64Var(&o.bodyMinRate, "body-min-rate", envInt("INDIEPUB_BODY_MIN_RATE", reqbody.DefaultMinRate), "least average rate of a request body in bytes per second, after --body-timeout; 0 turns it off (INDIEPUB_BODY_MIN_RATE)")
	fs.StringVar(&o.cfg.WebmentionModeration, "webmention-moderation", env("INDIEPUB_WEBMENTION_MODERATION", webmention.ModerateKnown), `which verified webmentions show without your approval: "all", "known" (from hosts you approved before) or "hold" (none) (INDIEPUB_WEBMENTION_MODERATION)`)
	fs.BoolVar(&o.cfg.ApproveVisitorMentions, "webmention-approve-visitors", envBool("INDIEPUB_WEBMENTION_APPROVE_VISITORS"), "show at once the verified webmentions from the sites of visitors who signed in here with their website (only their host names are kept) (INDIEPUB_WEBMENTION_APPROVE_VISITORS)")
	for _, service := range []string{"mastodon", "bluesky"} {
		envName := "INDIEPUB_SYNDICATE_" + strings.ToUpper(service)
		if err := o.addTargetSpecs(service, env(envName, "")); err != nil {
			o.envErr = fmt.Errorf("%s: %w", envName, err)
		}
		fs.Func("syndicate-"+service, targetUsage[service]+" ("+envName+", several separated by ;)",
			func(v string) error { return o.addTargetSpecs(service, v) })
	}
	fs.StringVar(&o.cfg.WebSubHub, "websub-hub", env("INDIEPUB_WEBSUB_HUB", ""), "WebSub hub that the home page and feeds advertise and that changes to public posts are published to (INDIEPUB_WEBSUB_HUB)")
	fs.StringVar(&o.cfg.SyndicateSecret, "syndicate-secret", env("INDIEPUB_SYNDICATE_SECRET", ""), "secret of POST /syndicate's X-Webhook-Signature (hex HMAC-SHA256 of the body); prefer the environment, which ps does not show (INDIEPUB_SYNDICATE_SECRET)")
	fs.IntVar(&o.cfg.Jobs.Workers, "jobs-workers", int(envInt("INDIEPUB_JOBS_WORKERS", 2)), "how many background jobs (syndication and the like) run at once (INDIEPUB_JOBS_WORKERS)")
	fs.DurationVar(&o.cfg.Jobs.Retention, "jobs-retention", envDuration("INDIEPUB_JOBS_RETENTION", 7*24*time.Hour), "how long done background jobs are kept before they are deleted; negative keeps them all (INDIEPUB_JOBS_RETENTION)")
	fs.BoolVar(&o.logJSON, "log-json", envBool("INDIEPUB_LOG_JSON"), "log as JSON (INDIEPUB_LOG_JSON)")
	fs.BoolVar(&o.debug, "debug", envBool("INDIEPUB_DEBUG"), "log every request (INDIEPUB_DEBUG)")
}

var targetUsage = map[string]string{
	"mastodon": `a Mastodon (or GoToSocial, Akkoma) target: "uid=URL,name=NAME,server=URL,token-file=PATH" or token-env=VAR for the access token; add ",always" to copy every new post; repeat for more`,
	"bluesky":  `a Bluesky target: "uid=URL,name=NAME,handle=HANDLE,password-file=PATH" or password-env=VAR for the app password, pds=URL (default https://bsky.social); add ",always" to copy every new post; repeat for more`,
}

// finishBodyLimits turns --body-timeout and --body-min-rate into server.Config's terms.
func (o *options) finishBodyLimits() error {
	if o.bodyTimeout < 0 || o.bodyMinRate < 0 {
		return fmt.Errorf("--body-timeout %v, --body-min-rate %d: must not be negative", o.bodyTimeout, o.bodyMinRate)
	}
	o.cfg.BodyTimeout, o.cfg.BodyMinRate = o.bodyTimeout, o.bodyMinRate
	if o.bodyTimeout == 0 {
		o.cfg.BodyTimeout = -1
	}
	if o.bodyMinRate == 0 {
		o.cfg.BodyMinRate = -1
	}
	return nil
}

// finish completes the configuration after flags are parsed.
func (o *options) finish() error {
	if o.envErr != nil {
		return o.envErr
	}
	if o.cfg.URL == "" {
		o.cfg.URL = "http://" + o.addr + "/"
	}
	if !strings.HasPrefix(o.cfg.URL, "http://") && !strings.HasPrefix(o.cfg.URL, "https://") {
		return fmt.Errorf("--url %q: must start with http:// or https://", o.cfg.URL)
	}
	if err := o.finishAuth(); err != nil {
		return err
	}
	if err := o.finishBodyLimits(); err != nil {
		return err
	}
	if o.database != "" && !postgres.IsURL(o.database) {
		return errors.New("--database: want a postgres:// URL")
	}
	if err := checkMediaURL(&o.cfg.MediaURL); err != nil {
		return err
	}
	switch o.cfg.WebmentionModeration {
	case webmention.ModerateAll, webmention.ModerateKnown, webmention.ModerateHold:
	default:
		return fmt.Errorf("--webmention-moderation %q: want all, known or hold", o.cfg.WebmentionModeration)
	}
	if h := o.cfg.WebSubHub; h != "" {
		if u, err := url.Parse(h); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--websub-hub %q: must be an http:// or https:// URL", h)
		}
	}
	o.cfg.Defaults()
	return os.MkdirAll(o.cfg.DataDir, 0o755)
}

// settings are a subcommand's options: they declare their flags and, once parsed, check
// and complete themselves.
type settings interface {
	bind(fs *flag.FlagSet)
	finish() error
}

// parseFlags declares o's flags (and any more a subcommand adds), parses args and completes
// o. Flags may follow positional arguments, which it returns. synopsis is the command's
// usage line after "indiepub ". Asked for help (-h, --help), it prints the usage to stdout
// and returns flag.ErrHelp, which Main turns into success; a bad flag prints it to stderr.
func parseFlags(synopsis string, o settings, args []string, stdout, stderr io.Writer, more ...func(*flag.FlagSet)) ([]string, error) {
	fs := flag.NewFlagSet(synopsis, flag.ContinueOnError)
	var out bytes.Buffer // where it goes depends on why the flag package printed it
	fs.SetOutput(&out)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: indiepub %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	o.bind(fs)
	for _, m := range more {
		m(fs)
	}
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		stdout.Write(out.Bytes())
		return nil, err
	}
	stderr.Write(out.Bytes())
	if err != nil {
		return nil, err
	}
	return positional, o.finish()
}

// parseInterspersed parses flags that may come before or after positional arguments
// ("token revoke 3 --data dir" as well as "token revoke --data dir 3") and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// finishAuth checks the token verification settings.
func (o *options) finishAuth() error {
	switch o.cfg.Auth {
	case server.AuthLocal, server.AuthExternal:
	default:
		return fmt.Errorf("--auth %q: must be local or external", o.cfg.Auth)
	}
	if o.cfg.Auth == server.AuthExternal && o.cfg.TokenEndpoint == "" && o.cfg.IntrospectionEndpoint == "" {
		// Discovery from --url would find nothing: under external auth the website served
		// here advertises only the endpoints given to it.
		return fmt.Errorf("--auth external needs --token-endpoint or --introspection-endpoint")
	}
	for flagName, ep := range map[string]string{"--token-endpoint": o.cfg.TokenEndpoint,
		"--introspection-endpoint": o.cfg.IntrospectionEndpoint,
		"--authorization-endpoint": o.cfg.AuthorizationEndpoint} {
		if ep == "" {
			continue
		}
		if u, err := url.Parse(ep); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s %q: must be an http:// or https:// URL", flagName, ep)
		}
	}
	switch {
	case o.tokenCacheTTL < 0:
		return fmt.Errorf("--token-cache-ttl %v: must not be negative", o.tokenCacheTTL)
	case o.tokenCacheTTL == 0:
		o.cfg.TokenCacheTTL = -1
	default:
		o.cfg.TokenCacheTTL = o.tokenCacheTTL
	}
	return nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envBool(name string) bool {
	v, _ := strconv.ParseBool(os.Getenv(name))
	return v
}
