package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/admin"
	"github.com/indiepub/indiepub/internal/authserver"
	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/micropub"
	"github.com/indiepub/indiepub/internal/move"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/settings"
	website "github.com/indiepub/indiepub/internal/site"
	"github.com/indiepub/indiepub/internal/store/sqlite"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/token"
	"github.com/indiepub/indiepub/internal/webmention"
)

// Store holds every method the handlers declare: when a handler's interface grows, this
// stops compiling until Store (and the suite) grow with it.
var (
	_ micropub.Store          = Store(nil)
	_ website.Store           = Store(nil)
	_ media.Records           = Store(nil)
	_ authserver.Store        = Store(nil)
	_ owner.Store             = Store(nil)
	_ admin.Store             = Store(nil)
	_ token.Store             = Store(nil)
	_ jobs.Store              = Store(nil)
	_ syndicate.PendingStore  = Store(nil)
	_ syndicate.Store         = Store(nil)
	_ syndicate.TargetStore   = Store(nil)
	_ webmention.SendStore    = Store(nil)
	_ webmention.MentionStore = Store(nil)
	_ move.Store              = Store(nil)
	_ settings.Store          = Store(nil)
	_ Store                   = (*sqlite.DB)(nil)
	// What the handler tree takes is no more than what the suite states.
	_ server.Store = Store(nil)
)

// TestContractsCatchBrokenStores runs each contract against a SQLite store broken in that
// contract's one respect and checks that the contract fails: every test of the suite can
// fail. (TestContract in internal/store/sqlite checks that each passes on the real store.)
func TestContractsCatchBrokenStores(t *testing.T) {
	for _, c := range contracts {
		b, ok := breakers[c.name]
		if !ok {
			t.Errorf("contract %s has no broken store to catch", c.name)
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			failures := runRecorded(t, c, b.wrap(fresh(t, openSQLite)))
			if len(failures) == 0 {
				t.Errorf("passes against a store that %s", b.what)
				return
			}
			t.Logf("catches a store that %s: %s", b.what, failures[0])
		})
	}
	for name := range breakers {
		if !slices.ContainsFunc(contracts, func(c contract) bool { return c.name == name }) {
			t.Errorf("broken store for %s, which is no contract", name)
		}
	}
}

func openSQLite(t *testing.T) Store {
	db, err := sqlite.OpenWith(t.Context(), filepath.Join(t.TempDir(), "indiepub.db"), sqlite.Options{MediaURLs: []string{MediaURL}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// runRecorded runs one contract with a recorder for TB and returns its failures.
func runRecorded(t *testing.T, c contract, s Store) []string {
	r := &recorder{ctx: t.Context()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.test(r, s)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failures
}

// recorder is a TB that records failures instead of failing the test; Fatal ends the
// contract's goroutine, as testing.T's does.
type recorder struct {
	ctx      context.Context
	mu       sync.Mutex
	failures []string
}

func (r *recorder) Helper()                  {}
func (r *recorder) Context() context.Context { return r.ctx }
func (r *recorder) Error(args ...any)        { r.fail(fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) {
	r.fail(fmt.Sprint(args...))
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, msg)
}

// breakers hold, for each contract, a store that breaks it: a working store wrapped so
// that one method misbehaves the way a store written carelessly might.
var breakers = map[string]struct {
	what string
	wrap func(Store) Store
}{
	"Ping/OpenStoreAnswers":                     {"cannot be reached", func(s Store) Store { return unreachable{s} }},
	"Ping/OpenStoreIsMigrated":                  {"reports a migration missing", func(s Store) Store { return unmigrated{s} }},
	"Posts/CreateAndRead":                       {"loses syndication targets", func(s Store) Store { return losesSyndication{s} }},
	"Posts/NotFound":                            {"hides post.ErrNotFound", func(s Store) Store { return hidesNotFound{s} }},
	"Posts/URLTakenIsErrExists":                 {"hides post.ErrExists", func(s Store) Store { return hidesExists{s} }},
	"Posts/URLTakenInOneGroup":                  {"checks a URL is free, then creates", func(s Store) Store { return checksThenCreates{s} }},
	"Posts/NumberedSlugs":                       {"gives up on a taken slug", func(s Store) Store { return givesUpOnTakenSlug{s} }},
	"Posts/CreatingApp":                         {"forgets which app created a post", func(s Store) Store { return forgetsApp{s} }},
	"Posts/UpdateIsAllOrNothing":                {"writes an update whose fn failed", func(s Store) Store { return writesFailedUpdates{s} }},
	"Changes/CounterRisesOnEveryVisibleChange":  {"counts only creates", func(s Store) Store { return &countsCreates{Store: s} }},
	"List/OrderAndCursor":                       {"ignores the cursor", func(s Store) Store { return ignoresCursor{s} }},
	"List/Filters":                              {"lists deleted posts", func(s Store) Store { return listsDeleted{s} }},
	"List/TagListingFollowsUpdates":             {"keeps a post's tags through updates", func(s Store) Store { return keepsTags{s} }},
	"Tags/NormalizationAndCounts":               {"counts deleted posts' tags", func(s Store) Store { return countsDeleted{s} }},
	"Tags/Categories":                           {"ignores the prefix", func(s Store) Store { return ignoresPrefix{s} }},
	"Tokens/ByHash":                             {"loses the scope", func(s Store) Store { return losesScope{s} }},
	"Tokens/List":                               {"lists tokens oldest first", func(s Store) Store { return oldestFirst{s} }},
	"Tokens/Revocation":                         {"ignores RevokeToken", func(s Store) Store { return ignoresRevoke{s} }},
	"Tokens/RefreshRotation":                    {"ignores refresh expiry", func(s Store) Store { return ignoresRefreshExpiry{s} }},
	"Tokens/RefreshReplay":                      {"never sees a replay", func(s Store) Store { return missesReplay{s} }},
	"Codes/SingleUse":                           {"accepts a code twice", func(s Store) Store { return acceptsCodeTwice{s} }},
	"Codes/FailedCheckSpendsCode":               {"lets a refused code be retried", func(s Store) Store { return &retriesRefusedCode{Store: s} }},
	"Media/Records":                             {"ignores DeleteUpload", func(s Store) Store { return ignoresDeleteUpload{s} }},
	"Media/SameFileOneRecord":                   {"keeps the first upload's record as it was", func(s Store) Store { return keepsFirstUpload{s} }},
	"Media/PostsUsingAFile":                     {"matches only whole property values", func(s Store) Store { return wholeValuesOnly{s} }},
	"Media/FilesFollowChanges":                  {"matches only whole property values", func(s Store) Store { return wholeValuesOnly{s} }},
	"Owner/Password":                            {"gives an empty password when none is set", func(s Store) Store { return emptyPassword{s} }},
	"Owner/SetupLinkSingleUse":                  {"sets the password with any link", func(s Store) Store { return anySetupLink{s} }},
	"Sessions/Lifetime":                         {"ignores session expiry", func(s Store) Store { return ignoresSessionExpiry{s} }},
	"Sessions/NewPasswordEndsSessions":          {"keeps sessions through a new password", func(s Store) Store { return &keepsSessions{Store: s} }},
	"PKCE/Exemptions":                           {"ignores a withdrawal", func(s Store) Store { return ignoresWithdrawal{s} }},
	"Webmentions/SentLatestPerTarget":           {"forgets that a link was removed", func(s Store) Store { return forgetsUnlinked{s} }},
	"Mentions/OncePerSourceAndTarget":           {"gives a mention sent again a new status key", func(s Store) Store { return newKeyAgain{s} }},
	"Mentions/SaveAndList":                      {"lists held mentions as shown", func(s Store) Store { return showsHeld{s} }},
	"Jobs/BatchClaimAndCompletion":              {"completes a batch whatever its claims", func(s Store) Store { return completesLapsed{s} }},
	"Jobs/ConcurrentBatchClaimsTakeEachJobOnce": {"lists a batch, then claims it", func(s Store) Store { return readsThenClaimsBatch{s} }},
	"Mentions/DomainStanding":                   {"keeps the first standing set", func(s Store) Store { return firstStanding{s} }},
	"Mentions/CountsShownByType":                {"counts held mentions too", func(s Store) Store { return countsHeld{s} }},
	"Webmentions/RecentlySentNewestFirst":       {"lists them oldest first", func(s Store) Store { return sentOldestFirst{s} }},
	"Mentions/VisitorDomains":                   {"forgets visitor domains", func(s Store) Store { return forgetsVisitors{s} }},
	"SignIn/PerAddressLimit": {"lets every attempt through", func(s Store) Store {
		return signInLimit{s, func(l *owner.SignInLimit) { l.PerAddr, l.Overall = math.MaxInt32, math.MaxInt32 }}
	}},
	"SignIn/AttemptsExpire":                      {"never forgets an attempt", func(s Store) Store { return signInLimit{s, func(l *owner.SignInLimit) { l.Window *= 1000 }} }},
	"SignIn/OverallLimit":                        {"ignores the overall limit", func(s Store) Store { return signInLimit{s, func(l *owner.SignInLimit) { l.Overall = math.MaxInt32 }} }},
	"SignIn/ForgetTakesBack":                     {"ignores ForgetSignInAttempt", func(s Store) Store { return ignoresForget{s} }},
	"SignIn/SuccessClearsAddress":                {"forgets every attempt of an address that succeeded", func(s Store) Store { return forgetsAddress{s} }},
	"SignIn/OneAtATime":                          {"checks the limit, then counts", func(s Store) Store { return checksThenCounts{s} }},
	"Posts/AwaitingSyndication":                  {"lists deleted posts awaiting syndication", func(s Store) Store { return awaitsDeleted{s} }},
	"Jobs/EnqueueOncePerKindAndKey":              {"enqueues a kind and key twice", func(s Store) Store { return enqueuesTwice{s} }},
	"Jobs/ClaimHoldsALease":                      {"claims without a lease", func(s Store) Store { return claimsWithoutLease{s} }},
	"Jobs/FailAndRetry":                          {"forgets the last error", func(s Store) Store { return forgetsLastError{s} }},
	"Jobs/ConcurrentClaimsTakeEachJobOnce":       {"reads a due job, then marks it", func(s Store) Store { return readsThenClaims{s} }},
	"Jobs/PostChangesEnqueuedInTheirTransaction": {"enqueues a change outside its transaction", func(s Store) Store { return enqueuesOutside{s} }},
	"Jobs/EnqueueWakesTheRunner":                 {"never signals an enqueue", func(s Store) Store { return neverWakes{s} }},
	"Redirects/ExactPathLastTarget":              {"keeps a redirect's first target", func(s Store) Store { return keepsFirstRedirect{s} }},
	"Jobs/CountsByKindAndState":                  {"takes pending jobs to come as due", func(s Store) Store { return countsJobsToCome{s} }},
	"Mentions/CountsByState":                     {"counts held mentions as verified", func(s Store) Store { return countsHeldAsVerified{s} }},
	"Jobs/PruneDoneBefore":                       {"prunes nothing", func(s Store) Store { return prunesNothing{s} }},
	"SyndicationTargets/AddOnceByUID":            {"overwrites a target of a uid taken", func(s Store) Store { return overwritesTarget{s} }},
	"SyndicationTargets/UpdateAndDelete":         {"keeps a target's first secret", func(s Store) Store { return keepsFirstSecret{s} }},
	"Search/FindsNameContentAndTags":             {"finds posts with any one of the words", func(s Store) Store { return anyWord{s} }},
	"Search/FollowsChanges":                      {"ignores the status and visibility asked for", func(s Store) Store { return searchesAll{s} }},
	"Search/NewestFirstAndPaging":                {"ignores Before", func(s Store) Store { return searchIgnoresBefore{s} }},
	"Search/Prefix":                              {"ignores Prefix", func(s Store) Store { return searchIgnoresPrefix{s} }},
	"Search/TypeAndTag":                          {"ignores the tag", func(s Store) Store { return searchIgnoresTag{s} }},
	"List/PublishedBy":                           {"ignores PublishedBy", func(s Store) Store { return ignoresPublishedBy{s} }},
	"List/NextScheduled":                         {"counts drafts as scheduled", func(s Store) Store { return draftsScheduled{s} }},
	"Jobs/ScheduledChangesWait":                  {"runs a scheduled post's change at once", func(s Store) Store { return changesAtOnce{s} }},
	"Jobs/PostChangesFiltered":                   {"enqueues every change whatever its filter", func(s Store) Store { return unfiltered{s} }},
	"Settings/SavedWholeAndCounted":              {"merges saved URL patterns into the old ones", func(s Store) Store { return mergesPatterns{s} }},
}

// mergesPatterns keeps the URL patterns of earlier saves that a save does not name.
type mergesPatterns struct{ Store }

func (s mergesPatterns) SaveSettings(ctx context.Context, st settings.Settings) error {
	old, err := s.Store.Settings(ctx)
	if err != nil {
		return err
	}
	patterns := map[string]string{}
	maps.Copy(patterns, old.URLPatterns)
	maps.Copy(patterns, st.URLPatterns)
	st.URLPatterns = patterns
	return s.Store.SaveSettings(ctx, st)
}

type countsJobsToCome struct{ Store }

func (s countsJobsToCome) CountJobs(ctx context.Context, now time.Time) ([]jobs.Count, error) {
	return s.Store.CountJobs(ctx, now.Add(24*time.Hour))
}

type countsHeldAsVerified struct{ Store }

func (s countsHeldAsVerified) CountMentions(ctx context.Context) (map[string]int, error) {
	m, err := s.Store.CountMentions(ctx)
	if err == nil {
		m[webmention.Verified] += m[webmention.Held]
		delete(m, webmention.Held)
	}
	return m, err
}

type prunesNothing struct{ Store }

func (s prunesNothing) PruneJobs(ctx context.Context, before time.Time) (int64, error) { return 0, nil }

type overwritesTarget struct{ Store }

func (s overwritesTarget) AddSyndicationTarget(ctx context.Context, t *syndicate.StoredTarget) error {
	if err := s.Store.AddSyndicationTarget(ctx, t); !errors.Is(err, post.ErrExists) {
		return err
	}
	return s.Store.UpdateSyndicationTarget(ctx, t)
}

type keepsFirstSecret struct{ Store }

func (s keepsFirstSecret) UpdateSyndicationTarget(ctx context.Context, t *syndicate.StoredTarget) error {
	all, err := s.Store.SyndicationTargets(ctx)
	if err != nil {
		return err
	}
	c := *t
	for _, old := range all {
		if old.UID == t.UID {
			c.Secret = old.Secret
		}
	}
	return s.Store.UpdateSyndicationTarget(ctx, &c)
}

// draftsScheduled answers NextScheduled from every post not deleted, drafts included.
type draftsScheduled struct{ Store }

func (s draftsScheduled) NextScheduled(ctx context.Context, t time.Time) (time.Time, error) {
	posts, err := s.Store.ListPosts(ctx, post.Query{Limit: 1000})
	var next time.Time
	for _, p := range posts {
		if p.Published.After(t) && (next.IsZero() || p.Published.Before(next)) {
			next = p.Published
		}
	}
	return next, err
}

type ignoresPublishedBy struct{ Store }

func (s ignoresPublishedBy) ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error) {
	q.PublishedBy = time.Time{}
	return s.Store.ListPosts(ctx, q)
}

// changesAtOnce makes every pending post.changed job due now after each create.
type changesAtOnce struct{ Store }

func (s changesAtOnce) CreatePost(ctx context.Context, p *post.Post) error {
	if err := s.Store.CreatePost(ctx, p); err != nil {
		return err
	}
	js, err := s.Store.Jobs(ctx, []jobs.State{jobs.Pending}, 1000)
	for _, j := range js {
		if j.Kind == jobs.PostChanged {
			s.Store.RetryJob(ctx, j.ID, time.Now())
		}
	}
	return err
}

type keepsFirstRedirect struct{ Store }

func (s keepsFirstRedirect) AddRedirect(ctx context.Context, path, target string) error {
	if _, err := s.Store.Redirect(ctx, path); err == nil {
		return nil
	}
	return s.Store.AddRedirect(ctx, path, target)
}

type unreachable struct{ Store }

func (unreachable) Ping(context.Context) error { return errors.New("connection refused") }

type unmigrated struct{ Store }

func (unmigrated) Migrated(context.Context) error {
	return errors.New("migrations not applied: 0008_post_clients")
}

type losesSyndication struct{ Store }

func (s losesSyndication) PostByURL(ctx context.Context, url string) (*post.Post, error) {
	p, err := s.Store.PostByURL(ctx, url)
	if p != nil {
		p.SyndicateTo = nil
	}
	return p, err
}

type hidesNotFound struct{ Store }

func (s hidesNotFound) PostByURL(ctx context.Context, url string) (*post.Post, error) {
	p, err := s.Store.PostByURL(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("post %s: %v", url, err)
	}
	return p, nil
}

type hidesExists struct{ Store }

func (s hidesExists) CreatePost(ctx context.Context, p *post.Post) error {
	if err := s.Store.CreatePost(ctx, p); err != nil {
		return fmt.Errorf("create: %v", err)
	}
	return nil
}

// checksThenCreates looks a URL up before creating, and takes a conflict at insert as
// its own success: right one create at a time, wrong for concurrent ones.
type checksThenCreates struct{ Store }

func (s checksThenCreates) CreatePost(ctx context.Context, p *post.Post) error {
	if _, err := s.Store.PostByURL(ctx, p.URL); err == nil {
		return fmt.Errorf("post %s: %w", p.URL, post.ErrExists)
	}
	if err := s.Store.CreatePost(ctx, p); err != nil && !errors.Is(err, post.ErrExists) {
		return err
	}
	return nil
}

// givesUpOnTakenSlug answers a taken slug with post.ErrExists instead of numbering it.
type givesUpOnTakenSlug struct{ Store }

func (s givesUpOnTakenSlug) CreateNumbered(ctx context.Context, p *post.Post, _ func(string) string) error {
	return s.Store.CreatePost(ctx, p)
}

// forgetsApp drops the ClientID of the posts it creates.
type forgetsApp struct{ Store }

func (s forgetsApp) CreateNumbered(ctx context.Context, p *post.Post, urlOf func(string) string) error {
	p.ClientID = ""
	return s.Store.CreateNumbered(ctx, p, urlOf)
}

type writesFailedUpdates struct{ Store }

func (s writesFailedUpdates) UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error) {
	var fnErr error
	p, err := s.Store.UpdatePost(ctx, url, func(p *post.Post) error {
		fnErr = fn(p)
		return nil
	})
	if fnErr != nil {
		return nil, fnErr
	}
	return p, err
}

type countsCreates struct {
	Store
	mu sync.Mutex
	n  int64
}

func (s *countsCreates) CreatePost(ctx context.Context, p *post.Post) error {
	err := s.Store.CreatePost(ctx, p)
	if err == nil {
		s.mu.Lock()
		s.n++
		s.mu.Unlock()
	}
	return err
}

func (s *countsCreates) SiteChanges(context.Context) (int64, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n, time.Now(), nil
}

type ignoresCursor struct{ Store }

func (s ignoresCursor) ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error) {
	q.After = ""
	return s.Store.ListPosts(ctx, q)
}

type listsDeleted struct{ Store }

func (s listsDeleted) ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error) {
	q.Deleted = true
	return s.Store.ListPosts(ctx, q)
}

type keepsTags struct{ Store }

func (s keepsTags) UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error) {
	return s.Store.UpdatePost(ctx, url, func(p *post.Post) error {
		tags := p.Categories
		err := fn(p)
		p.Categories = tags
		return err
	})
}

type countsDeleted struct{ Store }

func (s countsDeleted) TagCounts(ctx context.Context, q post.Query) ([]post.TagCount, error) {
	q.Deleted = true
	return s.Store.TagCounts(ctx, q)
}

type ignoresPrefix struct{ Store }

func (s ignoresPrefix) Categories(ctx context.Context, _ string) ([]string, error) {
	return s.Store.Categories(ctx, "")
}

type losesScope struct{ Store }

func (s losesScope) TokenByHash(ctx context.Context, hash string) (*token.Token, error) {
	tok, err := s.Store.TokenByHash(ctx, hash)
	if tok != nil {
		tok.Scope = nil
	}
	return tok, err
}

type oldestFirst struct{ Store }

func (s oldestFirst) ListTokens(ctx context.Context) ([]*token.Token, error) {
	list, err := s.Store.ListTokens(ctx)
	slices.Reverse(list)
	return list, err
}

type ignoresRevoke struct{ Store }

func (ignoresRevoke) RevokeToken(context.Context, int64) error { return nil }

type ignoresRefreshExpiry struct{ Store }

func (s ignoresRefreshExpiry) RotateRefresh(ctx context.Context, hash string, _ time.Time, check func(*token.Token) (*token.Grant, error)) error {
	return s.Store.RotateRefresh(ctx, hash, time.Time{}, check)
}

type missesReplay struct{ Store }

func (missesReplay) RevokeAfterRefreshReuse(context.Context, string) (bool, error) { return false, nil }

type acceptsCodeTwice struct{ Store }

func (s acceptsCodeTwice) RedeemCode(ctx context.Context, hash string, check func(*token.Code) (*token.Grant, error)) (*token.Code, error) {
	c, err := s.Store.RedeemCode(ctx, hash, check)
	if errors.Is(err, token.ErrCodeUsed) {
		return c, nil
	}
	return c, err
}

// retriesRefusedCode remembers codes whose check failed and lets them be redeemed again.
type retriesRefusedCode struct {
	Store
	mu      sync.Mutex
	refused map[string]bool
}

func (s *retriesRefusedCode) RedeemCode(ctx context.Context, hash string, check func(*token.Code) (*token.Grant, error)) (*token.Code, error) {
	c, err := s.Store.RedeemCode(ctx, hash, func(c *token.Code) (*token.Grant, error) {
		g, err := check(c)
		if err != nil {
			s.mu.Lock()
			if s.refused == nil {
				s.refused = map[string]bool{}
			}
			s.refused[hash] = true
			s.mu.Unlock()
		}
		return g, err
	})
	s.mu.Lock()
	retry := errors.Is(err, token.ErrCodeUsed) && s.refused[hash]
	if retry {
		delete(s.refused, hash)
	}
	s.mu.Unlock()
	if !retry {
		return c, err
	}
	g, err := check(c)
	if err == nil && g != nil {
		err = s.Store.CreateToken(ctx, g.Token)
	}
	return c, err
}

type ignoresDeleteUpload struct{ Store }

func (ignoresDeleteUpload) DeleteUpload(context.Context, string) error { return nil }

type keepsFirstUpload struct{ Store }

func (s keepsFirstUpload) SaveUpload(ctx context.Context, u *media.Upload) error {
	if _, err := s.Store.Upload(ctx, u.URL); err == nil {
		return nil
	}
	return s.Store.SaveUpload(ctx, u)
}

// wholeValuesOnly finds a file's URL only as a whole property value, missing it inside
// HTML content or {"value","alt"} objects.
type wholeValuesOnly struct{ Store }

func (s wholeValuesOnly) PostsReferencing(ctx context.Context, url string, limit int) ([]string, error) {
	posts, err := s.Store.ListPosts(ctx, post.Query{Limit: 1000})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range posts {
		for _, values := range p.Item.Properties {
			if slices.Contains(values, any(url)) && len(out) < limit {
				out = append(out, p.URL)
				break
			}
		}
	}
	return out, nil
}

type emptyPassword struct{ Store }

func (s emptyPassword) OwnerPassword(ctx context.Context) (string, error) {
	h, err := s.Store.OwnerPassword(ctx)
	if errors.Is(err, owner.ErrNoPassword) {
		return "", nil
	}
	return h, err
}

type anySetupLink struct{ Store }

func (s anySetupLink) UseSetupToken(ctx context.Context, hash, passwordHash string, now time.Time) error {
	err := s.Store.UseSetupToken(ctx, hash, passwordHash, now)
	if errors.Is(err, token.ErrNotFound) {
		return s.Store.SetOwnerPassword(ctx, passwordHash, now)
	}
	return err
}

type ignoresSessionExpiry struct{ Store }

func (s ignoresSessionExpiry) SessionByHash(ctx context.Context, hash string, _ time.Time) (*owner.Session, error) {
	return s.Store.SessionByHash(ctx, hash, time.Time{})
}

// keepsSessions stores again the sessions a new password ended.
type keepsSessions struct {
	Store
	mu       sync.Mutex
	sessions []*owner.Session
}

func (s *keepsSessions) CreateSession(ctx context.Context, sess *owner.Session) error {
	s.mu.Lock()
	s.sessions = append(s.sessions, sess)
	s.mu.Unlock()
	return s.Store.CreateSession(ctx, sess)
}

func (s *keepsSessions) SetOwnerPassword(ctx context.Context, hash string, now time.Time) error {
	return s.restore(ctx, s.Store.SetOwnerPassword(ctx, hash, now))
}

func (s *keepsSessions) UseSetupToken(ctx context.Context, hash, passwordHash string, now time.Time) error {
	return s.restore(ctx, s.Store.UseSetupToken(ctx, hash, passwordHash, now))
}

func (s *keepsSessions) restore(ctx context.Context, err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		err = errors.Join(err, s.Store.CreateSession(ctx, sess))
	}
	return err
}

type ignoresWithdrawal struct{ Store }

func (ignoresWithdrawal) RemovePKCEExemption(context.Context, string) error { return nil }

// signInLimit applies another limit than the one asked for.
type signInLimit struct {
	Store
	change func(*owner.SignInLimit)
}

func (s signInLimit) SignInAttempt(ctx context.Context, addr string, now time.Time, lim owner.SignInLimit) (int64, time.Time, error) {
	s.change(&lim)
	return s.Store.SignInAttempt(ctx, addr, now, lim)
}

type ignoresForget struct{ Store }

func (ignoresForget) ForgetSignInAttempt(context.Context, int64) error { return nil }

// forgetsAddress takes back every attempt the address made, not only the right one: its
// failures no longer count overall either.
type forgetsAddress struct{ Store }

func (s forgetsAddress) SignInSucceeded(ctx context.Context, addr string, id int64) error {
	// The rows are not reachable through Store; taking back the earlier IDs, which
	// the suite's fresh store numbers from 1, is what such a store does.
	for prev := id - 1; prev > 0; prev-- {
		if err := s.Store.ForgetSignInAttempt(ctx, prev); err != nil {
			return err
		}
	}
	return s.Store.SignInSucceeded(ctx, addr, id)
}

// checksThenCounts checks the limit and counts the attempt in two steps, with a pause
// between them in which parallel attempts pass the same check.
type checksThenCounts struct{ Store }

func (s checksThenCounts) SignInAttempt(ctx context.Context, addr string, now time.Time, lim owner.SignInLimit) (int64, time.Time, error) {
	id, retry, err := s.Store.SignInAttempt(ctx, addr, now, lim)
	if err != nil || id == 0 {
		return id, retry, err
	}
	if err := s.Store.ForgetSignInAttempt(ctx, id); err != nil {
		return 0, time.Time{}, err
	}
	time.Sleep(100 * time.Millisecond)
	lim.PerAddr, lim.Overall = math.MaxInt32, math.MaxInt32
	return s.Store.SignInAttempt(ctx, addr, now, lim)
}

// TestRecorder checks the recorder the test above relies on: failures are recorded and
// Fatal stops the contract where it is.
func TestRecorder(t *testing.T) {
	c := contract{"Meta/Recorder", func(t TB, _ Store) {
		t.Errorf("first %d", 1)
		t.Fatal("second")
		t.Error("never reached")
	}}
	got := strings.Join(runRecorded(t, c, nil), "; ")
	if got != "first 1; second" {
		t.Errorf("recorded %q, want %q", got, "first 1; second")
	}
}

// forgetsUnlinked reads every target back as still linked: a removed link would be sent
// to again on every change.
type forgetsUnlinked struct{ Store }

func (s forgetsUnlinked) WebmentionsSent(ctx context.Context, source string) ([]webmention.Sent, error) {
	sent, err := s.Store.WebmentionsSent(ctx, source)
	for i := range sent {
		sent[i].Linked = true
	}
	return sent, err
}

// sentOldestFirst lists the latest outcomes oldest first: the owner's page would show
// last week's failures above today's.
type sentOldestFirst struct{ Store }

func (s sentOldestFirst) RecentlySent(ctx context.Context, limit int) ([]webmention.Sent, error) {
	sent, err := s.Store.RecentlySent(ctx, limit)
	slices.Reverse(sent)
	return sent, err
}

// newKeyAgain names a mention received again with a new status key: the status URL
// handed out before would stop answering.
type newKeyAgain struct{ Store }

func (s newKeyAgain) ReceiveMention(ctx context.Context, m *webmention.Mention) error {
	err := s.Store.ReceiveMention(ctx, m)
	m.Key += "-again"
	return err
}

// showsHeld ignores the Shown filter.
type showsHeld struct{ Store }

func (s showsHeld) Mentions(ctx context.Context, q webmention.MentionQuery) ([]*webmention.Mention, error) {
	q.Shown = false
	return s.Store.Mentions(ctx, q)
}

// firstStanding never changes a standing once set: a known domain could not be blocked.
type firstStanding struct{ Store }

func (s firstStanding) SetDomainStanding(ctx context.Context, domain, standing string) error {
	if cur, err := s.Store.DomainStanding(ctx, domain); err != nil || cur != "" {
		return err
	}
	return s.Store.SetDomainStanding(ctx, domain, standing)
}

// forgetsVisitors remembers no visitor's domain.
type forgetsVisitors struct{ Store }

func (forgetsVisitors) RememberVisitorDomain(context.Context, string, time.Time) error { return nil }

// countsHeld counts every verified mention, approved or not.
type countsHeld struct{ Store }

func (s countsHeld) MentionCounts(ctx context.Context, targets []string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	for _, t := range targets {
		ms, err := s.Store.Mentions(ctx, webmention.MentionQuery{Target: t})
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Status == webmention.Verified {
				if out[t] == nil {
					out[t] = map[string]int{}
				}
				out[t][m.Type]++
			}
		}
	}
	return out, nil
}

type enqueuesTwice struct{ Store }

func (s enqueuesTwice) EnqueueJobs(ctx context.Context, js ...*jobs.Job) (int, error) {
	for _, j := range js {
		c := *j
		c.Key = fmt.Sprintf("%s#%d", j.Key, time.Now().UnixNano())
		if _, err := s.Store.EnqueueJobs(ctx, &c); err != nil {
			return 0, err
		}
	}
	return len(js), nil
}

type claimsWithoutLease struct{ Store }

func (s claimsWithoutLease) ClaimJob(ctx context.Context, now time.Time, _ time.Duration, kinds []string) (*jobs.Job, error) {
	return s.Store.ClaimJob(ctx, now, 0, kinds)
}

type forgetsLastError struct{ Store }

func (s forgetsLastError) FailJob(ctx context.Context, j *jobs.Job, _ string, next time.Time) error {
	return s.Store.FailJob(ctx, j, "", next)
}

// readsThenClaims finds the first due job by listing and returns it without taking it:
// what a store that selects, then updates, in two transactions does under concurrency.
type readsThenClaims struct{ Store }

func (s readsThenClaims) ClaimJob(ctx context.Context, now time.Time, lease time.Duration, kinds []string) (*jobs.Job, error) {
	js, err := s.Store.Jobs(ctx, []jobs.State{jobs.Pending}, 1)
	if err != nil || len(js) == 0 {
		return nil, err
	}
	time.Sleep(time.Millisecond)
	j := js[0]
	j.State, j.Attempts = jobs.Running, j.Attempts+1
	return j, nil
}

// completesLapsed marks a batch done whatever holds its jobs, the way a completion that
// ignores the attempt would.
type completesLapsed struct{ Store }

func (s completesLapsed) CompleteJobs(ctx context.Context, js []*jobs.Job) error {
	for _, j := range js {
		if latest, err := s.Store.JobByID(ctx, j.ID); err == nil {
			c := *j
			c.Attempts = latest.Attempts
			if err := s.Store.CompleteJobs(ctx, []*jobs.Job{&c}); err != nil {
				return err
			}
		}
	}
	return nil
}

// readsThenClaimsBatch lists the due jobs and returns them without taking them.
type readsThenClaimsBatch struct{ Store }

func (s readsThenClaimsBatch) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, kinds []string, limit int) ([]*jobs.Job, error) {
	js, err := s.Store.Jobs(ctx, []jobs.State{jobs.Pending}, limit)
	if err != nil {
		return nil, err
	}
	time.Sleep(time.Millisecond)
	for _, j := range js {
		j.State, j.Attempts = jobs.Running, j.Attempts+1
	}
	return js, nil
}

// enqueuesOutside enqueues a create's post.changed job on its own, before the post is
// stored: a create that fails (a taken URL) leaves its job behind.
// unfiltered takes a filter of post changes and never uses it.
type unfiltered struct{ Store }

func (unfiltered) WatchChanges(jobs.Interest) {}

type enqueuesOutside struct{ Store }

func (s enqueuesOutside) CreatePost(ctx context.Context, p *post.Post) error {
	change, _ := json.Marshal(jobs.PostChange{URL: p.URL, Action: jobs.ActionCreate, Change: p.URL + " outside"})
	if _, err := s.Store.EnqueueJobs(ctx, &jobs.Job{Kind: jobs.PostChanged, Key: p.URL + " outside", Payload: change}); err != nil {
		return err
	}
	return s.Store.CreatePost(ctx, p)
}

type neverWakes struct{ Store }

func (neverWakes) JobsEnqueued() <-chan struct{} { return nil }

// awaitsDeleted lists every post with a pending list, deleted or not.
type awaitsDeleted struct{ Store }

func (s awaitsDeleted) PostsAwaitingSyndication(ctx context.Context, limit int) ([]*post.Post, error) {
	all, err := s.Store.ListPosts(ctx, post.Query{Deleted: true, Limit: limit})
	var out []*post.Post
	for _, p := range all {
		if len(p.SyndicateTo) > 0 {
			out = append(out, p)
		}
	}
	return out, err
}

// anyWord searches for each word alone and gives every post found.
type anyWord struct{ Store }

func (s anyWord) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	var out []*post.Post
	seen := map[int64]bool{}
	for _, w := range post.SearchTerms(q.Text) {
		q.Text = w
		posts, err := s.Store.SearchPosts(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, p := range posts {
			if !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

type searchesAll struct{ Store }

func (s searchesAll) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	q.Status, q.Visibility = "", nil
	return s.Store.SearchPosts(ctx, q)
}

type searchIgnoresBefore struct{ Store }

type searchIgnoresPrefix struct{ Store }

type searchIgnoresTag struct{ Store }

func (s searchIgnoresTag) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	q.Category = ""
	return s.Store.SearchPosts(ctx, q)
}

func (s searchIgnoresPrefix) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	q.Prefix = false
	return s.Store.SearchPosts(ctx, q)
}

func (s searchIgnoresBefore) SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error) {
	q.Before = 0
	return s.Store.SearchPosts(ctx, q)
}
