package postgres

import (
	"context"

	"github.com/xinyong/xinyong/store"
)

// SetSearchThresholds lowers name search's thresholds so a small test table exercises every
// path (index look-up, look-up giving up, walk of the first rows, whole walk); it returns a
// function that restores them.
func SetSearchThresholds(rare, pre int) (restore func()) {
	oldRare, oldPre := rareMax, prewalk
	rareMax, prewalk = rare, pre
	return func() { rareMax, prewalk = oldRare, oldPre }
}

// LogChecksThenFail sends the batch LogChecks would send for cs and qs, followed by a
// statement that fails, and returns that failure: the batch's atomicity under test.
func (db *DB) LogChecksThenFail(ctx context.Context, cs []*store.Check, qs []*store.QueryLog) error {
	ids, err := db.checkIDs.take(ctx, db.pool, len(cs))
	if err != nil {
		return err
	}
	b := checkLogBatch(cs, ids, qs)
	b.QueuedQueries = b.QueuedQueries[:len(b.QueuedQueries)-1] // before the COMMIT
	b.Queue(`SELECT 1 / 0`)
	b.Queue(`COMMIT`)
	return sendBatch(ctx, db.pool, b)
}
