package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/post"
)

// A numbered create (CreateNumbered) whose URL is taken is stored at slug-2, slug-3…
// under the first URL the slug's counter (slug_counters, 0007_slug_counters.sql) has not
// handed out, chosen in the group's own transaction: one read of the counters and one
// write of them per group that has a taken URL (none for a group of new slugs), whatever
// the number of posts that share the slug. Looking for a free number one URL at a time,
// as indiepub did before, cost a lookup per post with the slug, and racing creates
// retried each other's numbers.
//
// A URL without a counter row has never clashed since the table exists; its first clash
// finds the lowest free number by lookups that double their step (2, 3, 5, 9…) and then
// halve the gap, a few reads once per URL, which also numbers correctly after posts
// stored before the counters were. A number taken anyway (a client asked for the slug
// "hello-3" itself) sends the create to the next free one, found the same way.

// maxNumberRounds bounds the inserts of one group's numbered creates: every round stores
// all of them but those whose number a client took by asking for that slug.
const maxNumberRounds = 8

// maxNumber is beyond any number a slug reaches.
const maxNumber = 1 << 30

// numbering is the state of one group's numbered creates inside its transaction.
type numbering struct {
	db   *DB
	tx   *sql.Tx
	ctx  context.Context
	next map[string]int // by base URL: the next number to try
}

// newNumbering starts the numbering of a group's creates in tx. The counters are read
// only for the creates whose URL turns out to be taken (number): a group of new slugs, the
// common case, reads none.
func (db *DB) newNumbering(ctx context.Context, tx *sql.Tx) *numbering {
	return &numbering{db: db, tx: tx, ctx: ctx, next: map[string]int{}}
}

// number stores the numbered creates reqs, whose base URL was taken (or repeated in the
// group), under numbered slugs: it reads their URLs' counters, and records them after.
func (nb *numbering) number(reqs []*createReq) error {
	if err := nb.loadCounters(reqs); err != nil {
		return err
	}
	for round := 0; len(reqs) > 0; round++ {
		if round == maxNumberRounds {
			for _, req := range reqs {
				req.err = fmt.Errorf("post %s: no free number: %w", req.key, post.ErrExists)
			}
			break
		}
		var err error
		if reqs, err = nb.round(reqs); err != nil {
			return err
		}
	}
	return nb.saveCounters()
}

// round gives each create the next number of its URL and inserts them; it returns the
// creates whose numbered URL was taken too, after moving their counters past it.
func (nb *numbering) round(reqs []*createReq) ([]*createReq, error) {
	live := reqs[:0:0]
	for _, req := range reqs {
		if req.urlOf(post.NthSlug(req.base, 2)) == req.key {
			// A URL pattern without the slug: no number makes a new URL.
			req.err = fmt.Errorf("post %s: %w", req.key, post.ErrExists)
			continue
		}
		n, ok := nb.next[req.key]
		if !ok {
			var err error
			if n, err = nb.firstFree(req, 2); err != nil {
				return nil, err
			}
		}
		req.setNumber(n)
		nb.next[req.key] = n + 1
		live = append(live, req)
	}
	if err := nb.db.insertPosts(nb.ctx, nb.tx, live); err != nil {
		return nil, err
	}
	var again []*createReq
	moved := map[string]bool{}
	for _, req := range live {
		if !errors.Is(req.err, post.ErrExists) {
			continue
		}
		req.err = nil
		again = append(again, req)
		if !moved[req.key] {
			moved[req.key] = true
			n, err := nb.firstFree(req, nb.next[req.key])
			if err != nil {
				return nil, err
			}
			nb.next[req.key] = n
		}
	}
	return again, nil
}

// loadCounters reads the counters of the numbered creates' base URLs.
func (nb *numbering) loadCounters(reqs []*createReq) error {
	keys := make([]string, 0, len(reqs))
	for _, req := range reqs {
		if req.numbered() {
			keys = append(keys, req.key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	arg, err := json.Marshal(keys)
	if err != nil {
		return fmt.Errorf("create post: slug counters: %w", err)
	}
	st := nb.tx.StmtContext(nb.ctx, nb.db.stmts.slugCounters)
	defer st.Close()
	rows, err := st.QueryContext(nb.ctx, string(arg))
	if err != nil {
		return fmt.Errorf("create post: slug counters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var next int
		if err := rows.Scan(&key, &next); err != nil {
			return fmt.Errorf("create post: slug counters: %w", err)
		}
		nb.next[key] = max(next, 2)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("create post: slug counters: %w", err)
	}
	return nil
}

// saveCounters records the next number of every URL numbered in this transaction.
func (nb *numbering) saveCounters() error {
	if len(nb.next) == 0 {
		return nil
	}
	arg, err := json.Marshal(nb.next)
	if err != nil {
		return fmt.Errorf("create post: slug counters: %w", err)
	}
	if err := execIn(nb.ctx, nb.tx, nb.db.stmts.saveSlugCounters, []any{string(arg)}); err != nil {
		return fmt.Errorf("create post: slug counters: %w", err)
	}
	return nil
}

// firstFree is a number n >= from whose URL is free: the lowest when the taken ones from
// from on are a run, as they nearly always are. It gallops ahead (from+1, +2, +4…) to a
// free one and then halves the gap: a few reads however long the run.
func (nb *numbering) firstFree(req *createReq, from int) (int, error) {
	st := nb.tx.StmtContext(nb.ctx, nb.db.stmts.urlTaken)
	defer st.Close()
	taken := func(n int) (bool, error) {
		nb.db.urlLookups.Add(1)
		var t bool
		err := st.QueryRowContext(nb.ctx, req.urlOf(post.NthSlug(req.base, n))).Scan(&t)
		if err != nil {
			return false, fmt.Errorf("create post: %w", err)
		}
		return t, nil
	}
	if t, err := taken(from); err != nil || !t {
		return from, err
	}
	lo, hi := from, from+1 // lo is taken; hi is a candidate
	for step := 1; ; step *= 2 {
		if hi > maxNumber {
			return 0, fmt.Errorf("post %s: no free number: %w", req.key, post.ErrExists)
		}
		t, err := taken(hi)
		if err != nil {
			return 0, err
		}
		if !t {
			break
		}
		lo, hi = hi, from+2*step
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		t, err := taken(mid)
		if err != nil {
			return 0, err
		}
		if t {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}
