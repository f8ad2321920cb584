package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/indiepub/indiepub/internal/post"
)

// A numbered create (CreateNumbered) whose URL is taken is stored at slug-2, slug-3…
// under the number its URL's counter (slug_counters) hands out. Taking the number is one
// upsert that locks the counter's row until the transaction ends, so creates of the same
// slug on several instances queue on that row and each gets its own number; none reads a
// number and writes it back in two steps. A number taken anyway (a client asked for the
// slug "hello-3" itself, or the posts came from a site whose counters started later)
// moves the counter past the run of taken numbers, found by lookups that double their
// step and then halve the gap.

// maxNumberRounds bounds the numbers one create tries.
const maxNumberRounds = 8

// maxNumber is beyond any number a slug reaches.
const maxNumber = 1 << 30

// nextNumberSQL hands out the next number of a URL's counter, creating it at 2.
const nextNumberSQL = `INSERT INTO slug_counters AS c (url, next) VALUES ($1, 3)
	ON CONFLICT (url) DO UPDATE SET next = c.next + 1 RETURNING next - 1`

// takeNumbersSQL hands out the next k numbers of a URL's counter, creating it at 2.
const takeNumbersSQL = `INSERT INTO slug_counters AS c (url, next) VALUES ($1, 2 + $2::bigint)
	ON CONFLICT (url) DO UPDATE SET next = c.next + $2::bigint RETURNING next - $2::bigint`

// numberAll stores reqs, whose URLs were taken, under numbered slugs: the creates of one
// URL take as many numbers from its counter at once and are inserted together, so a
// group of posts with one slug costs two statements, not two per post. A create whose
// number was taken anyway goes on alone (number).
func (db *DB) numberAll(ctx context.Context, q querier, reqs []*createReq) error {
	var keys []string
	byKey := map[string][]*createReq{}
	for _, req := range reqs {
		if req.urlOf(post.NthSlug(req.base, 2)) == req.key {
			// A URL pattern without the slug: no number makes a new URL.
			req.err = fmt.Errorf("post %s: %w", req.key, post.ErrExists)
			continue
		}
		if byKey[req.key] == nil {
			keys = append(keys, req.key)
		}
		byKey[req.key] = append(byKey[req.key], req)
	}
	for _, key := range keys {
		same := byKey[key]
		var n int
		if err := q.QueryRow(ctx, takeNumbersSQL, key, len(same)).Scan(&n); err != nil {
			return fmt.Errorf("slug counter: %w", err)
		}
		for i, req := range same {
			req.setNumber(n + i)
		}
		if err := insertPosts(ctx, q, same); err != nil {
			return err
		}
		for _, req := range same {
			if errors.Is(req.err, post.ErrExists) {
				req.err = nil
				if err := db.number(ctx, q, req); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// number stores req, whose URL was taken, under the next free numbered slug.
func (db *DB) number(ctx context.Context, tx querier, req *createReq) error {
	if req.urlOf(post.NthSlug(req.base, 2)) == req.key {
		// A URL pattern without the slug: no number makes a new URL.
		req.err = fmt.Errorf("post %s: %w", req.key, post.ErrExists)
		return nil
	}
	for range maxNumberRounds {
		var n int
		if err := tx.QueryRow(ctx, nextNumberSQL, req.key).Scan(&n); err != nil {
			return fmt.Errorf("slug counter: %w", err)
		}
		req.setNumber(n)
		req.err = nil
		if err := insertPosts(ctx, tx, []*createReq{req}); err != nil {
			return err
		}
		if req.err == nil {
			return nil
		}
		free, err := firstFree(ctx, tx, req, n+1)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE slug_counters SET next = greatest(next, $2) WHERE url = $1`,
			req.key, free); err != nil {
			return fmt.Errorf("slug counter: %w", err)
		}
	}
	req.err = fmt.Errorf("post %s: no free number: %w", req.key, post.ErrExists)
	return nil
}

// firstFree is a number n >= from whose URL is free: the lowest when the taken ones from
// from on are a run, as they nearly always are.
func firstFree(ctx context.Context, tx querier, req *createReq, from int) (int, error) {
	taken := func(n int) (bool, error) {
		var t bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM posts WHERE url = $1)`,
			req.urlOf(post.NthSlug(req.base, n))).Scan(&t)
		if err != nil {
			return false, fmt.Errorf("slug lookup: %w", err)
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
