package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Name search at scale (issue 4). subject_search (migration 0021) holds each organisation's
// search text and its grams (single characters and adjacent pairs) under one GIN index. A
// fragment's matches are wanted in id order, a page at a time, and neither way of reading them
// is good for every fragment:
//
//   - the GIN index finds every candidate at once but cannot stop early, so a common fragment
//     ("有限", "机械有限公司") reads hundreds of thousands of them;
//   - walking the table in id order stops after a page of matches, but a rare fragment walks
//     the whole table.
//
// The planner cannot tell the two apart reliably (its estimates for Chinese fragments were off
// by 100× either way at 1,000,000 organisations), so the store decides from the statistics
// ANALYZE keeps: the frequencies of the column's most common grams (a gram outside them is
// rarer than the least of them). When the rarest gram of a fragment has at most rareMax
// organisations, the index is asked for the one or two rarest grams only and the matches are
// sorted here. Otherwise the fragment is likely common: the first prewalk rows in id order are
// read (a common fragment has its page there), then the index, then the whole walk. An index
// look-up that finds more than rareMax gives up for the walk, which then finds its page
// quickly. Every path filters on the search text itself, so all give exactly the rows the
// SQLite store gives.

// rareMax is the most matches an index look-up collects before the fragment counts as common;
// prewalk is how many rows a fragment of common grams reads in id order before the index.
// Variables only so that a test can lower them.
var rareMax, prewalk = 5000, 5000

// statsTTL is how long the list of common grams is kept before it is read again.
const statsTTL = 10 * time.Minute

// gramStats caches what pg_stats knows of subject_search's grams.
type gramStats struct {
	mu    sync.Mutex
	read  time.Time
	freq  map[string]float64 // share of organisations holding each of the most common grams
	floor float64            // the least of those shares: any other gram is at most this common
	rows  float64            // organisations in subject_search (pg_class.reltuples)
}

// estimate returns how many organisations the statistics say hold gram.
func (g *gramStats) estimate(gram string) float64 {
	if f, ok := g.freq[gram]; ok {
		return f * g.rows
	}
	return g.floor * g.rows
}

// load reads the statistics again when they are older than statsTTL.
func (g *gramStats) load(ctx context.Context, q querier) error {
	if g.freq != nil && time.Since(g.read) < statsTTL {
		return nil
	}
	var elems []string
	var freqs []float64
	var rows float64
	err := q.QueryRow(ctx, `SELECT coalesce(s.most_common_elems::text::text[], '{}'), coalesce(s.most_common_elem_freqs, '{}'),
			greatest(c.reltuples, 0)
		FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = 'subject_search' AND s.attname = 'grams'
		WHERE c.oid = 'subject_search'::regclass`).Scan(&elems, &freqs, &rows)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	// most_common_elem_freqs holds one share per element, then the least and the greatest of
	// them and the share of NULL elements.
	g.freq, g.floor, g.rows, g.read = make(map[string]float64, len(elems)), 0, rows, time.Now()
	if len(freqs) < len(elems)+1 {
		return nil
	}
	for i, e := range elems {
		g.freq[e] = freqs[i]
	}
	g.floor = freqs[len(elems)]
	return nil
}

// rank returns keys from the rarest to the most common, and how many organisations hold the
// rarest, as the statistics estimate; with no statistics every key looks rare.
func (g *gramStats) rank(ctx context.Context, q querier, keys []string) ([]string, float64, error) {
	if g == nil {
		return keys, 0, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.load(ctx, q); err != nil {
		return nil, 0, err
	}
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(g.estimate(a), g.estimate(b)) })
	return keys, g.estimate(keys[0]), nil
}

// searchKeys are the grams every match of a normalised fragment holds: the fragment itself when
// it has one or two characters, otherwise its distinct adjacent pairs.
func searchKeys(name string) []string {
	r := []rune(name)
	if len(r) < 3 {
		return []string{name}
	}
	var keys []string
	for i := 0; i+1 < len(r); i++ {
		if k := string(r[i : i+2]); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// fragmentIDs returns the ids of the first limit organisations whose search text contains name,
// in id order.
func (r reader) fragmentIDs(ctx context.Context, name string, limit int) ([]int64, error) {
	pattern := "%" + escapeLike(name) + "%"
	keys, rarest, err := r.grams.rank(ctx, r.q, searchKeys(name))
	if err != nil {
		return nil, err
	}
	keys = keys[:min(2, len(keys))]
	if rarest > float64(rareMax) {
		ids, err := r.walk(ctx, pattern, limit, prewalk)
		if err != nil || len(ids) >= limit {
			return ids, err
		}
	}
	ids, err := r.probe(ctx, keys, pattern)
	if err != nil || ids != nil {
		return ids[:min(len(ids), limit)], err
	}
	return r.walk(ctx, pattern, limit, 0)
}

// probe reads every organisation holding all the grams keys and matching pattern from the GIN
// index, at most rareMax of them, and returns their ids sorted; nil when there are more.
func (r reader) probe(ctx context.Context, keys []string, pattern string) ([]int64, error) {
	var ids []int64
	err := r.planned(ctx, "enable_indexscan", func(q querier) error {
		rows, err := q.Query(ctx, `SELECT id FROM subject_search WHERE grams @> $1 AND search_text LIKE $2 LIMIT $3`,
			keys, pattern, rareMax+1)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil || len(ids) > rareMax {
		return nil, err
	}
	slices.Sort(ids)
	if ids == nil {
		ids = []int64{}
	}
	return ids, nil
}

// walk reads organisations in id order and returns the first limit matching pattern; with
// within > 0 it reads only the first within rows.
func (r reader) walk(ctx context.Context, pattern string, limit, within int) ([]int64, error) {
	var ids []int64
	err := r.planned(ctx, "enable_bitmapscan", func(q querier) error {
		query := `SELECT id FROM subject_search WHERE search_text LIKE $1 ORDER BY id LIMIT $2`
		args := []any{pattern, limit}
		if within > 0 {
			query = `SELECT id FROM (SELECT id, search_text FROM subject_search ORDER BY id LIMIT $3) s
				WHERE search_text LIKE $1 ORDER BY id LIMIT $2`
			args = append(args, within)
		}
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	return ids, err
}

// planned runs fn in a read-only transaction (a savepoint inside one) in which sequential
// scans and the access path named by off are disabled: the caller has already chosen the plan.
// Parallel workers are off too: a search wants its first page of a few rows, and each worker is
// a new server process whose first pattern match cost 130–230 ms at 5,000,000 organisations
// (a walk that took 48 ms alone took 150 ms with two workers).
func (r reader) planned(ctx context.Context, off string, fn func(q querier) error) error {
	b, ok := r.q.(interface {
		Begin(context.Context) (pgx.Tx, error)
	})
	if !ok {
		return fn(r.q)
	}
	tx, err := b.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // read only: nothing to keep
	if _, err := tx.Exec(ctx, `SELECT set_config('enable_seqscan', 'off', true), set_config($1, 'off', true),
		set_config('max_parallel_workers_per_gather', '0', true)`, off); err != nil {
		return err
	}
	return fn(tx)
}
