package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/indiepub/indiepub/internal/jobs"
	"github.com/indiepub/indiepub/internal/post"
)

// A group is stored in one round trip: BEGIN, the tags, the posts' insert with their
// links to tags, apps, files and PostChanged jobs, the NOTIFY and COMMIT go to
// PostgreSQL as one pipeline, and the writer waits once, for the commit. Two things make
// that possible:
//
//   - the posts' ids are needed by no statement sent after the insert: one statement
//     inserts the posts and, in data-modifying CTEs, their tags' links, apps, files and
//     jobs, taking the ids from the insert's RETURNING; the ids come back with the
//     statement's rows, read once the pipeline has run. The tags themselves are inserted
//     first, by a statement of their own: rows a CTE inserts are invisible to the rest of
//     its statement, a previous statement's are not. (Joining the posts table by URL in
//     later statements instead made PostgreSQL scan the whole table of a young site,
//     whose cached plan chose a sequential scan.)
//   - a URL taken stops nothing: the insert skips it (ON CONFLICT (url) DO NOTHING: the
//     unique index decides, between instances too), the CTEs join only the rows it
//     inserted, and a create whose URL is missing from them learns it was taken:
//     post.ErrExists, or for a numbered create (CreateNumbered) a number, which a CTE
//     of the same statement takes from its URL's counter (slugs.go) for all the creates
//     of that URL that found it taken, in one upsert.
//
// The numbered creates then go, at their numbered URLs, through a second pipeline of the
// same kind: a group whose slugs clash costs two round trips, however many clash, where
// each clash used to cost a failed pipeline and two statements. The first group that
// clashes commits twice: its numbers commit with the first transaction, so a crash
// between the two only leaves them unused (no other create could have had them), and a
// second transaction that fails (a deadlock victim) leaves them to the long way, which
// tries them first (createReq.kept). After
// a group that clashed the writer expects the next to clash too (one text posted again
// and again, a batch of posts sent again) and holds its transaction open after the first
// pipeline: the second, or a COMMIT alone if nothing clashed, ends it, and the group
// commits once. A numbered URL taken anyway (a client asked for "hello-3" itself) sends
// its create the long way (tryGroup), which looks for the next free number.
//
// Two creates of one URL in a group: only the first is inserted; a later one is
// post.ErrExists, or numbered after the first, in the order of arrival.
//
// The tags go in before the insert decides which URLs are free, so a create refused
// (post.ErrExists: CreatePost of a URL taken, or a URL pattern without the slug) can leave
// a tag no post carries, which SiteTag then finds; the tags in use (Categories, TagCounts)
// ignore it. A numbered create's tags are its post's wherever it goes. (Filtering the tags
// by a lookup of the posts' URLs made PostgreSQL scan the whole posts table at every group:
// the cached plan of a young site.)

// insertGroupSQL inserts posts given as one array per column (postsArgs), skipping those
// whose URL is taken, and with them:
//   - their links to tags: an array of URLs, $12, and one of the tags' norms, $13 (the
//     tags exist), in the order insertPostTagsSQL takes;
//   - their apps: URLs $14, client IDs $15;
//   - the files they use: URLs $16, file URLs $17;
//   - their PostChanged jobs: URLs $18 and insertJobsSQL's columns $19 to $23;
//   - the numbers of the numbered creates whose URL is taken: for each URL $24, the
//     count of creates besides the first, $25, and whether the first is numbered, $26
//     (it needs a number only if its URL was taken).
//
// Its rows are (id, url, false) for each post inserted and (next, url, true) for each
// counter moved, next being the counter's new value.
const insertGroupSQL = `WITH ins AS (` + insertPostsFrom + ` ON CONFLICT (url) DO NOTHING
		RETURNING id, url, published, post_type, deleted, status, visibility),
	linked AS (INSERT INTO post_tags (post_id, tag_id, published, post_type, deleted, status, visibility)
		SELECT ins.id, t.id, ins.published, ins.post_type, ins.deleted, ins.status, ins.visibility
		FROM unnest($12::text[], $13::text[]) AS v(url, norm)
		JOIN ins ON ins.url = v.url JOIN tags t ON t.norm = v.norm
		ORDER BY ins.id, t.id ON CONFLICT DO NOTHING),
	apps AS (INSERT INTO post_clients (post_id, client_id)
		SELECT ins.id, v.client_id FROM unnest($14::text[], $15::text[]) AS v(url, client_id)
		JOIN ins ON ins.url = v.url ORDER BY 1),
	files AS (INSERT INTO post_files (url, post_id)
		SELECT v.file, ins.id FROM unnest($16::text[], $17::text[]) AS v(url, file)
		JOIN ins ON ins.url = v.url ORDER BY 1, 2 ON CONFLICT DO NOTHING),
	changed AS (INSERT INTO jobs (kind, key, payload, run_at, created, updated)
		SELECT v.kind, v.key, v.payload, v.run_at, $23, $23
		FROM unnest($18::text[], $19::text[], $20::text[], $21::text[], $22::text[]) WITH ORDINALITY
			AS v(url, kind, key, payload, run_at, ord)
		JOIN ins ON ins.url = v.url
		ORDER BY v.kind, v.key, v.ord ON CONFLICT (kind, key) DO NOTHING),
	numbers AS (INSERT INTO slug_counters AS c (url, next)
		SELECT url, 2 + n FROM (
			SELECT v.url, v.more + (v.first AND NOT EXISTS (SELECT 1 FROM ins WHERE ins.url = v.url))::int AS n
			FROM unnest($24::text[], $25::int[], $26::bool[]) AS v(url, more, first)) v
		WHERE n > 0 ORDER BY url
		ON CONFLICT (url) DO UPDATE SET next = c.next + excluded.next - 2
		RETURNING url, next)
	SELECT id, url, false FROM ins UNION ALL SELECT next, url, true FROM numbers`

// trip says what one pipeline of tryOneTrip does besides storing its creates.
type trip struct {
	// number moves the numbered creates whose URL is taken to numbers it takes.
	number bool
	// begun: the transaction is open already (no BEGIN); hold: it stays open (no COMMIT).
	begun, hold bool
}

// tryOneTrip stores group on conn as one pipeline, giving each create its id or
// post.ErrExists, and returns the numbered creates it did not store: with t.number,
// those whose URL was taken, moved to the numbers it took for them; without, those whose
// numbered URL was taken, left as they are. An error leaves nothing of the transaction
// stored. An empty group sends only what ends or begins the transaction.
func (db *DB) tryOneTrip(ctx context.Context, conn *pgx.Conn, group []*createReq, t trip) ([]*createReq, error) {
	b := &pgx.Batch{}
	if !t.begun {
		b.Queue(`BEGIN`)
	}
	firsts, later := splitFirsts(group)
	tags, clients := freshExtras(firsts)
	if len(tags.norms) > 0 {
		b.Queue(insertTagsSQL, tags.norms, tags.displays)
	}
	if len(group) > 0 {
		args, jobs, err := db.groupArgs(firsts, later, tags, clients, t.number)
		if err != nil {
			return nil, err
		}
		b.Queue(insertGroupSQL, args...)
		if jobs > 0 {
			b.Queue(notifyJobsSQL)
		}
	}
	if !t.hold {
		b.Queue(`COMMIT`)
	}
	br := conn.SendBatch(ctx, b)
	var err error
	if !t.begun {
		_, err = br.Exec()
	}
	if err == nil && len(tags.norms) > 0 {
		_, err = br.Exec()
	}
	var ids, next map[string]int64
	if err == nil && len(group) > 0 {
		ids, next, err = readGroupRows(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if !t.hold {
		db.wakeJobs()
	}
	return outcomes(group, ids, next, t.number), nil
}

// groupArgs are insertGroupSQL's arguments for the creates firsts (of distinct URLs),
// their tags and their apps (freshExtras), and the creates later of the same URLs; jobs
// is how many PostChanged jobs they hold.
func (db *DB) groupArgs(firsts, later []*createReq, tags, clients byURL, number bool) (args []any, jobs int, err error) {
	_, args = postsArgs(firsts)
	var fileOf, files []string
	for _, req := range firsts {
		for _, f := range req.files {
			fileOf, files = append(fileOf, req.p.URL), append(files, f)
		}
	}
	clock := db.Now()
	cols, jobURLs, err := db.postChangeJobs(changesOf(firsts), postsOf(firsts), clock)
	if err != nil {
		return nil, 0, err
	}
	counts := countersOf(firsts, later, number)
	return append(args, tags.urls, tags.norms, clients.urls, clients.ids, nonNil(fileOf), nonNil(files),
		nonNil(jobURLs), nonNil(cols.kinds), nonNil(cols.keys), nonNil(cols.payloads), nonNil(cols.runAts),
		formatTime(clock), counts.urls, counts.more, counts.first), len(jobURLs), nil
}

// splitFirsts returns the first create of each URL in group and the later ones, each in
// the group's order.
func splitFirsts(group []*createReq) (firsts, later []*createReq) {
	seen := make(map[string]bool, len(group))
	for _, req := range group {
		if seen[req.p.URL] {
			later = append(later, req)
			continue
		}
		seen[req.p.URL] = true
		firsts = append(firsts, req)
	}
	return firsts, later
}

// counters are insertGroupSQL's columns of the counters that may move: per URL, how many
// numbered creates besides the first have it and whether the first is numbered.
type counters struct {
	urls  []string
	more  []int32
	first []bool
}

// countersOf returns the counters of the URLs that numbered creates of firsts and later
// have, none without number.
func countersOf(firsts, later []*createReq, number bool) counters {
	c := counters{urls: []string{}, more: []int32{}, first: []bool{}}
	if !number {
		return c
	}
	at := map[string]int{}
	for _, req := range firsts {
		if req.numberable() {
			at[req.p.URL] = len(c.urls)
			c.urls, c.more, c.first = append(c.urls, req.p.URL), append(c.more, 0), append(c.first, true)
		}
	}
	for _, req := range later {
		if !req.numberable() {
			continue
		}
		i, ok := at[req.p.URL]
		if !ok {
			i = len(c.urls)
			at[req.p.URL] = i
			c.urls, c.more, c.first = append(c.urls, req.p.URL), append(c.more, 0), append(c.first, false)
		}
		c.more[i]++
	}
	return c
}

// readGroupRows reads insertGroupSQL's rows: the ids of the posts inserted and the new
// values of the counters moved, by URL.
func readGroupRows(br pgx.BatchResults) (ids, next map[string]int64, err error) {
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	ids, next = map[string]int64{}, map[string]int64{}
	for rows.Next() {
		var n int64
		var url string
		var counter bool
		if err := rows.Scan(&n, &url, &counter); err != nil {
			return nil, nil, err
		}
		if counter {
			next[url] = n
		} else {
			ids[url] = n
		}
	}
	return ids, next, rows.Err()
}

// outcomes gives each create of group, stored by tryOneTrip, its id or post.ErrExists,
// and returns the numbered creates not stored, in the group's order: with number, moved
// to their numbers, the counters' new values next less as many numbers as their URL's
// creates took, in the order of arrival; without, as they are.
func outcomes(group []*createReq, ids, next map[string]int64, number bool) []*createReq {
	var rest []*createReq
	seen := make(map[string]bool, len(group))
	n := map[string]int64{} // the numbers each URL's creates take
	for _, req := range group {
		url := req.p.URL
		if id, ok := ids[url]; ok && !seen[url] {
			seen[url], req.id = true, id
			continue
		}
		seen[url] = true
		if !req.numberable() {
			req.err = fmt.Errorf("post %s: %w", url, post.ErrExists)
			continue
		}
		n[url]++
		rest = append(rest, req)
	}
	if !number {
		return rest
	}
	for _, req := range rest {
		// A counter missing (never, unless the statement and this disagree) leaves the
		// create as it is, to the long way, which numbers it.
		key := req.p.URL
		if nx, ok := next[key]; ok {
			req.setNumber(int(nx - n[key]))
			n[key]--
		}
	}
	return rest
}

// byURL are columns of rows that name their post by URL.
type byURL struct{ urls, norms, displays, ids []string }

// freshExtras are the tags (urls, norms, displays; in the order of the norms) and the apps
// (urls, ids) of group's posts, for insertTagsSQL and insertGroupSQL.
func freshExtras(group []*createReq) (tags, clients byURL) {
	rows := tagRows(postsOf(group))
	slices.SortStableFunc(rows, func(a, b tagRow) int { return cmp.Compare(a.norm, b.norm) })
	// Empty arrays, not NULL: the statement's unnest then gives no rows.
	tags = byURL{urls: []string{}, norms: []string{}, displays: []string{}}
	for _, r := range rows {
		tags.urls = append(tags.urls, r.p.URL)
		tags.norms = append(tags.norms, r.norm)
		tags.displays = append(tags.displays, r.display)
	}
	clients = byURL{urls: []string{}, ids: []string{}}
	for _, req := range group {
		if req.p.ClientID != "" {
			clients.urls = append(clients.urls, req.p.URL)
			clients.ids = append(clients.ids, req.p.ClientID)
		}
	}
	return tags, clients
}

// postsOf returns the posts of group's creates.
func postsOf(group []*createReq) []*post.Post {
	posts := make([]*post.Post, len(group))
	for i, req := range group {
		posts[i] = req.p
	}
	return posts
}

// changesOf returns the PostChanged changes of group's creates.
func changesOf(group []*createReq) []jobs.PostChange {
	changes := make([]jobs.PostChange, len(group))
	for i, req := range group {
		changes[i] = jobs.PostChange{URL: req.p.URL, Action: jobs.ActionCreate}
	}
	return changes
}
