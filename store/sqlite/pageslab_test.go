package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain runs the package's tests, the contract suite among them, on a reserved page cache
// small enough to run out: pages come from the slab, go back to it, and once it is nearly used
// up the connections reuse their own pages or allocate beside it.
func TestMain(m *testing.M) {
	if err := ReservePageCache(8); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func TestPageCacheReservedOnce(t *testing.T) {
	if got := PageCacheReserved(); got < 7<<20 || got > 8<<20 {
		t.Fatalf("reserved %d bytes, want about 8 MiB", got)
	}
	if err := ReservePageCache(8); !errors.Is(err, ErrPageCacheLate) {
		t.Fatalf("second reservation: %v, want ErrPageCacheLate", err)
	}
	if err := ReservePageCache(0); err != nil {
		t.Fatalf("reserving nothing: %v", err)
	}
	if DefaultPageCacheMiB() < 64*5 {
		t.Fatalf("default %d MiB, want 64 MiB for each of at least 5 connections", DefaultPageCacheMiB())
	}
}

// TestPageCacheOverflow writes and reads back more pages than the slab holds, through the
// writer and the readers, and checks the file.
func TestPageCacheOverflow(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const rows = 6000               // about 3,000 pages of 4 KiB: 12 MiB against the slab's 8
	pad := strings.Repeat("页", 600) // 1,800 bytes
	for i := range rows {
		if _, err := db.write.ExecContext(ctx, `INSERT INTO big VALUES (?, ?)`, i, pad); err != nil {
			t.Fatal(err)
		}
	}
	var n, total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*), sum(length(v)) FROM big`).Scan(&n, &total); err != nil {
		t.Fatal(err)
	}
	if n != rows || total != rows*600 {
		t.Fatalf("read back %d rows, %d bytes", n, total)
	}
	var ok string
	if err := db.write.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
}

// TestWriterCache: the writer's cache is 64 MiB unless the slab holds more than the readers'
// and the checkpointer's caches; then it is the rest. A bulk load's default slab gives the
// writer the extra and stays within the machine.
func TestWriterCache(t *testing.T) {
	for _, c := range []struct {
		slabMiB int64
		readers int
		want    int64 // KiB
	}{
		{0, 4, 64 << 10},
		{8, 4, 64 << 10},
		{320, 4, 64 << 10},  // the default on two cores
		{768, 4, 510 << 10}, // a bulk load's on two cores: 768 − 4 × 64 − 2
		{1024, 16, 64 << 10},
		{1472, 16, 446 << 10},
	} {
		if got := writerCacheFor(c.slabMiB<<20, c.readers); got != c.want {
			t.Errorf("slab %d MiB, %d readers: writer cache %d KiB, want %d", c.slabMiB, c.readers, got, c.want)
		}
	}
	bulk, def := BulkPageCacheMiB(), DefaultPageCacheMiB()
	if bulk < def || bulk > def+bulkWriterExtraMiB {
		t.Fatalf("bulk load's slab %d MiB, default %d", bulk, def)
	}
	if m := physicalMiB(); m > 0 && bulk > max(m/8, def) {
		t.Fatalf("bulk load's slab %d MiB on a machine of %d MiB", bulk, m)
	}
	// An open store's writer has the cache its slab (8 MiB here: TestMain) gives it.
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var kib int64
	if err := db.write.QueryRow(`PRAGMA cache_size`).Scan(&kib); err != nil {
		t.Fatal(err)
	}
	if kib != -writerCacheKiB() || kib != -(64<<10) {
		t.Fatalf("writer cache_size %d, want -%d", kib, writerCacheKiB())
	}
}
