package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinyong/xinyong/store"
)

// TestCheckpointerRestartsTheWAL: with commits coming steadily and readers reading between
// them, SQLite never rewinds the WAL by itself; the background checkpointer must, and nothing
// written may be lost by it.
func TestCheckpointerRestartsTheWAL(t *testing.T) {
	defer func(e time.Duration, f int) { checkpointEvery, restartFrames = e, f }(checkpointEvery, restartFrames)
	checkpointEvery, restartFrames = 5*time.Millisecond, 32
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "wal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					_, _ = db.Meta(ctx, "k1")
				}
			}
		}()
	}
	value := func(i int) string { return fmt.Sprintf("%d:%s", i, strings.Repeat("x", 3000)) }
	deadline := time.Now().Add(20 * time.Second)
	i := 0
	for ; i < 300 || (db.restarts.Load() == 0 && time.Now().Before(deadline)); i++ {
		if err := db.Update(ctx, func(tx store.Tx) error { return tx.SetMeta(fmt.Sprintf("k%d", i%40), value(i)) }); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Microsecond)
	}
	close(stop)
	wg.Wait()
	if db.restarts.Load() == 0 {
		t.Fatalf("no WAL restart after %d commits", i)
	}
	for k := range 40 {
		last := i - 1 - (i-1-k)%40 // the last i written to key k
		if got, err := db.Meta(ctx, fmt.Sprintf("k%d", k)); err != nil || got != value(last) {
			t.Fatalf("k%d after %d restarts: %.20q, %v; want the value of write %d", k, db.restarts.Load(), got, err, last)
		}
	}
}
