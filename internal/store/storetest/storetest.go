// Package storetest is indiepub's storage contract written as tests: one suite that every
// store passes. The SQLite store runs it in its own tests; a second store (PostgreSQL, say)
// is done when it passes it too.
//
// The tests are black-box: they use only the methods of Store, which are those the
// handlers declare in their own small interfaces (micropub.Store, site.Store,
// media.Records, authserver.Store, owner.Store, admin.Store, token.Store, jobs.Store,
// webmention.SendStore, webmention.MentionStore, move.Store), those cmd/indiepub calls, and Ping.
// Each test states one contract in plain Go; the suite's own test runs each one against a
// store broken in that one respect and checks that it fails.
package storetest

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/media"
	"github.com/indiepub/indiepub/internal/owner"
	"github.com/indiepub/indiepub/internal/pkce"
	"github.com/indiepub/indiepub/internal/post"
	"github.com/indiepub/indiepub/internal/settings"
	"github.com/indiepub/indiepub/internal/syndicate"
	"github.com/indiepub/indiepub/internal/token"
	"github.com/indiepub/indiepub/internal/webmention"
)

// Store is what indiepub needs from storage: the union of the interfaces its consumers
// declare, plus Ping.
type Store interface {
	// Posts (micropub.Store, site.Store).
	CreatePost(ctx context.Context, p *post.Post) error
	// CreateNumbered stores p at p.URL or, when that is taken, at the first free numbered
	// slug (post.NthSlug), whose URL urlOf gives; it sets p.Slug, p.URL and p.ID.
	CreateNumbered(ctx context.Context, p *post.Post, urlOf func(slug string) string) error
	// PostClient returns the ClientID the post at url was created with, "" when none;
	// post.ErrNotFound when there is no post.
	PostClient(ctx context.Context, url string) (string, error)
	PostByURL(ctx context.Context, url string) (*post.Post, error)
	UpdatePost(ctx context.Context, url string, fn func(*post.Post) error) (*post.Post, error)
	ListPosts(ctx context.Context, q post.Query) ([]*post.Post, error)
	Categories(ctx context.Context, prefix string) ([]string, error)
	TagCounts(ctx context.Context, q post.Query) ([]post.TagCount, error)
	SiteTag(ctx context.Context, tag string) (string, error)
	SiteChanges(ctx context.Context) (version int64, changed time.Time, err error)
	// NextScheduled (site.Store) returns the earliest published time after t of a
	// published, not deleted post; zero when there is none.
	NextScheduled(ctx context.Context, t time.Time) (time.Time, error)
	// PostsAwaitingSyndication (syndicate.PendingStore) lists the posts, not deleted,
	// whose SyndicateTo is not empty, oldest first.
	PostsAwaitingSyndication(ctx context.Context, limit int) ([]*post.Post, error)
	// SearchPosts (site.Store) lists the posts, not deleted, whose name, content or tags
	// hold every word of q.Text, newest stored first.
	SearchPosts(ctx context.Context, q post.Search) ([]*post.Post, error)

	// Redirects from old paths of imported posts (site.Store, move.Store).
	AddRedirect(ctx context.Context, path, target string) error
	Redirect(ctx context.Context, path string) (string, error)
	// RedirectsTo (the git content store) lists the paths redirecting to a URL, in order.
	RedirectsTo(ctx context.Context, target string) ([]string, error)

	// Media records (media.Records).
	SaveUpload(ctx context.Context, u *media.Upload) error
	Upload(ctx context.Context, url string) (*media.Upload, error)
	Uploads(ctx context.Context, limit, offset int) ([]*media.Upload, error)
	DeleteUpload(ctx context.Context, url string) error
	PostsReferencing(ctx context.Context, url string, limit int) ([]string, error)

	// Tokens (authserver.Store, admin.Store, token.Store, cmd/indiepub).
	CreateToken(ctx context.Context, t *token.Token) error
	TokenByHash(ctx context.Context, hash string) (*token.Token, error)
	TouchToken(ctx context.Context, id int64) error
	ListTokens(ctx context.Context) ([]*token.Token, error)
	RevokeToken(ctx context.Context, id int64) error
	RevokeTokenHash(ctx context.Context, hash string) (bool, error)
	RevokeClientTokens(ctx context.Context, clientID string) (int64, error)
	CreateCode(ctx context.Context, c *token.Code) error
	RedeemCode(ctx context.Context, hash string, check func(*token.Code) (*token.Grant, error)) (*token.Code, error)
	RotateRefresh(ctx context.Context, refreshHash string, now time.Time, check func(*token.Token) (*token.Grant, error)) error
	RevokeAfterRefreshReuse(ctx context.Context, refreshHash string) (bool, error)

	// The owner: password, setup links, sessions (owner.Store), apps allowed without PKCE
	// (authserver.Store, admin.Store), cmd/indiepub.
	OwnerPassword(ctx context.Context) (string, error)
	SetOwnerPassword(ctx context.Context, hash string, now time.Time) error
	ReplaceSetupToken(ctx context.Context, hash string, expires time.Time) error
	SetupTokenValid(ctx context.Context, hash string, now time.Time) (bool, error)
	UseSetupToken(ctx context.Context, hash, passwordHash string, now time.Time) error
	CreateSession(ctx context.Context, s *owner.Session) error
	SessionByHash(ctx context.Context, hash string, now time.Time) (*owner.Session, error)
	DeleteSession(ctx context.Context, hash string) error
	AddPKCEExemption(ctx context.Context, e *pkce.Exemption) error
	PKCEExempt(ctx context.Context, clientID string) (bool, error)
	ListPKCEExemptions(ctx context.Context) ([]*pkce.Exemption, error)
	RemovePKCEExemption(ctx context.Context, clientID string) error

	// Webmentions sent from the owner's posts (webmention.SendStore, micropub.Store).
	WebmentionsSent(ctx context.Context, source string) ([]webmention.Sent, error)
	RecordSent(ctx context.Context, s webmention.Sent) error
	// The latest outcomes of all posts, for the owner's page (admin.Store).
	RecentlySent(ctx context.Context, limit int) ([]webmention.Sent, error)
	// Webmentions received (webmention.MentionStore).
	ReceiveMention(ctx context.Context, m *webmention.Mention) error
	MentionByKey(ctx context.Context, key string) (*webmention.Mention, error)
	MentionByID(ctx context.Context, id int64) (*webmention.Mention, error)
	SaveMention(ctx context.Context, m *webmention.Mention) error
	Mentions(ctx context.Context, q webmention.MentionQuery) ([]*webmention.Mention, error)
	MentionCounts(ctx context.Context, targets []string) (map[string]map[string]int, error)
	DomainStanding(ctx context.Context, domain string) (string, error)
	SetDomainStanding(ctx context.Context, domain, standing string) error
	// Hosts of visitors who signed in with their website (webmention.VisitorDomains).
	RememberVisitorDomain(ctx context.Context, domain string, at time.Time) error
	IsVisitorDomain(ctx context.Context, domain string) (bool, error)
	// Sign-in limits (owner.Store), shared by every instance on one store.
	SignInAttempt(ctx context.Context, addr string, now time.Time, lim owner.SignInLimit) (id int64, retry time.Time, err error)
	ForgetSignInAttempt(ctx context.Context, id int64) error
	SignInSucceeded(ctx context.Context, addr string, id int64) error

	// The job queue (jobs.Store): the runner, the command line, the syndication jobs.
	EnqueueJobs(ctx context.Context, js ...*jobs.Job) (int, error)
	ClaimJob(ctx context.Context, now time.Time, lease time.Duration, kinds []string) (*jobs.Job, error)
	CompleteJob(ctx context.Context, j *jobs.Job, result string) error
	ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, kinds []string, limit int) ([]*jobs.Job, error)
	CompleteJobs(ctx context.Context, js []*jobs.Job) error
	FailJob(ctx context.Context, j *jobs.Job, msg string, next time.Time) error
	Jobs(ctx context.Context, states []jobs.State, limit int) ([]*jobs.Job, error)
	JobByID(ctx context.Context, id int64) (*jobs.Job, error)
	RetryJob(ctx context.Context, id int64, now time.Time) error
	PruneJobs(ctx context.Context, before time.Time) (int64, error)
	JobsEnqueued() <-chan struct{}
	// Which post changes get a PostChanged job (jobs.ChangeFilter): what the runner's
	// listeners may act on.
	WatchChanges(wants jobs.Interest)

	// What the metrics count at each scrape (server.Reports): jobs by kind and state with
	// the earliest run time of those pending and due at now, and received webmentions by
	// state (their status, or webmention.Held).
	CountJobs(ctx context.Context, now time.Time) ([]jobs.Count, error)
	CountMentions(ctx context.Context) (map[string]int, error)
	// Syndication targets added in the owner's pages (syndicate.TargetStore).
	SyndicationTargets(ctx context.Context) ([]*syndicate.StoredTarget, error)
	AddSyndicationTarget(ctx context.Context, t *syndicate.StoredTarget) error
	UpdateSyndicationTarget(ctx context.Context, t *syndicate.StoredTarget) error
	DeleteSyndicationTarget(ctx context.Context, uid string) error
	// The site's settings from the owner's settings page (settings.Store).
	Settings(ctx context.Context) (settings.Settings, error)
	SaveSettings(ctx context.Context, s settings.Settings) error

	// Ping reports whether the store can be reached (the server's /readyz).
	Ping(ctx context.Context) error
	// Migrated reports whether the store's schema is the one this binary needs (the
	// server's /readyz): nil once every migration has been applied.
	Migrated(ctx context.Context) error
}

// TB is the part of testing.TB that the contracts use. It is an interface so that the
// suite's own test can run a contract against a broken store and observe it failing;
// *testing.T implements it.
type TB interface {
	Helper()
	Error(args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Context() context.Context
}

// contract is one rule every store keeps, as a test. name is the subtest's name under
// Run, "Area/Rule".
type contract struct {
	name string
	test func(t TB, s Store)
}

// contracts is the suite, in the order Run runs it.
var contracts = []contract{
	{"Ping/OpenStoreAnswers", testPing},
	{"Ping/OpenStoreIsMigrated", testMigrated},

	{"Posts/CreateAndRead", testCreateAndRead},
	{"Posts/NotFound", testPostNotFound},
	{"Posts/URLTakenIsErrExists", testURLTaken},
	{"Posts/URLTakenInOneGroup", testURLTakenInOneGroup},
	{"Posts/NumberedSlugs", testNumberedSlugs},
	{"Posts/CreatingApp", testCreatingApp},
	{"Posts/UpdateIsAllOrNothing", testUpdateAllOrNothing},
	{"Posts/AwaitingSyndication", testAwaitingSyndication},

	{"Changes/CounterRisesOnEveryVisibleChange", testChangesRise},

	{"Search/FindsNameContentAndTags", testSearchFinds},
	{"Search/FollowsChanges", testSearchFollowsChanges},
	{"Search/NewestFirstAndPaging", testSearchPaging},
	{"Search/Prefix", testSearchPrefix},
	{"Search/TypeAndTag", testSearchTypeAndTag},

	{"Redirects/ExactPathLastTarget", testRedirects},

	{"List/OrderAndCursor", testListOrderAndCursor},
	{"List/Filters", testListFilters},
	{"List/PublishedBy", testListPublishedBy},
	{"List/NextScheduled", testNextScheduled},
	{"List/TagListingFollowsUpdates", testTagListingFollowsUpdates},

	{"Tags/NormalizationAndCounts", testTagCounts},
	{"Tags/Categories", testCategories},

	{"Tokens/ByHash", testTokenByHash},
	{"Tokens/List", testListTokens},
	{"Tokens/Revocation", testRevocation},
	{"Tokens/RefreshRotation", testRefreshRotation},
	{"Tokens/RefreshReplay", testRefreshReplay},
	{"Codes/SingleUse", testCodeSingleUse},
	{"Codes/FailedCheckSpendsCode", testCodeFailedCheck},

	{"Media/Records", testMediaRecords},
	{"Media/SameFileOneRecord", testMediaSameFile},
	{"Media/PostsUsingAFile", testPostsUsingAFile},
	{"Media/FilesFollowChanges", testFilesFollowChanges},

	{"Owner/Password", testOwnerPassword},
	{"Owner/SetupLinkSingleUse", testSetupLink},
	{"Sessions/Lifetime", testSessionLifetime},
	{"Sessions/NewPasswordEndsSessions", testPasswordEndsSessions},
	{"PKCE/Exemptions", testPKCEExemptions},

	{"Webmentions/SentLatestPerTarget", testWebmentionsSent},
	{"Webmentions/RecentlySentNewestFirst", testRecentlySent},
	{"Mentions/OncePerSourceAndTarget", testMentionOncePerPair},
	{"Mentions/SaveAndList", testMentionSaveAndList},
	{"Mentions/DomainStanding", testDomainStanding},
	{"Mentions/CountsShownByType", testMentionCounts},
	{"Mentions/CountsByState", testMentionStates},
	{"Mentions/VisitorDomains", testVisitorDomains},
	{"SignIn/PerAddressLimit", testSignInPerAddress},
	{"SignIn/AttemptsExpire", testSignInExpiry},
	{"SignIn/OverallLimit", testSignInOverall},
	{"SignIn/ForgetTakesBack", testSignInForget},
	{"SignIn/SuccessClearsAddress", testSignInSuccess},
	{"SignIn/OneAtATime", testSignInOneAtATime},

	{"Jobs/EnqueueOncePerKindAndKey", testJobsEnqueueOnce},
	{"Jobs/ClaimHoldsALease", testJobsClaimLease},
	{"Jobs/FailAndRetry", testJobsFailAndRetry},
	{"Jobs/ConcurrentClaimsTakeEachJobOnce", testJobsConcurrentClaims},
	{"Jobs/BatchClaimAndCompletion", testJobsBatch},
	{"Jobs/ConcurrentBatchClaimsTakeEachJobOnce", testJobsConcurrentBatchClaims},
	{"Jobs/PostChangesEnqueuedInTheirTransaction", testJobsPostChanges},
	{"Jobs/PostChangesFiltered", testJobsPostChangesFiltered},
	{"Jobs/EnqueueWakesTheRunner", testJobsEnqueueWakes},
	{"Jobs/CountsByKindAndState", testJobsCounts},
	{"Jobs/PruneDoneBefore", testJobsPrune},

	{"SyndicationTargets/AddOnceByUID", testTargetsAddOnce},
	{"SyndicationTargets/UpdateAndDelete", testTargetsUpdateDelete},
	{"Jobs/ScheduledChangesWait", testJobsScheduledChangesWait},

	{"Settings/SavedWholeAndCounted", testSettings},
}

// Run runs the whole suite against stores that open makes. open returns a fresh, empty
// store on every call (one per subtest); Run closes it when the subtest ends if it is an
// io.Closer.
func Run(t *testing.T, open func(t *testing.T) Store) {
	for _, c := range contracts {
		t.Run(c.name, func(t *testing.T) {
			c.test(t, fresh(t, open))
		})
	}
}

// fresh opens a store for one test and closes it when the test ends.
func fresh(t *testing.T, open func(t *testing.T) Store) Store {
	t.Helper()
	s := open(t)
	if c, ok := s.(io.Closer); ok {
		t.Cleanup(func() {
			if err := c.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
	}
	return s
}

func testMigrated(t TB, s Store) {
	if err := s.Migrated(t.Context()); err != nil {
		t.Errorf("Migrated on a store just opened: %v", err)
	}
}

func testPing(t TB, s Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping on an open store: %v", err)
	}
}
