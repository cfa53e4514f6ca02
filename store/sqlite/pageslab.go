package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// The page cache of a long-running process (页缓存).
//
// Every SQLite connection caches database pages. By default each page is allocated on its own
// and freed on its own, and a connection frees its whole cache whenever another connection
// has committed since its last read (SQLite cannot tell which pages changed). With the check
// journal committing several times a second, each reader threw away up to 64 MiB of pages
// several times a second, and the allocator handed most of them back to the kernel and
// faulted them in again on the next read: at 10,000,000 list entries that was about a fifth of
// the server's CPU per window check (pprof: pager_reset, madvise, page allocation).
//
// ReservePageCache gives SQLite one slab of page slots for the whole process
// (SQLITE_CONFIG_PAGECACHE): a freed page goes back to the slab, nothing goes back to the
// kernel, and an allocation takes a slot from a list. The slab is also the bound on all the
// connections' caches together: once it is nearly used up, a connection reuses its own least
// recently used pages rather than taking more (and allocates normally only when it has none
// to reuse). The memory is committed when it is reserved (SQLite threads a list through every
// slot), so only long-running processes (serve, demo, import, verify, bench) reserve one; other
// commands and tests allocate per page as before.

// ErrPageCacheLate is returned by ReservePageCache once a database has been opened in the
// process, or a page cache was already reserved: SQLite takes the setting only before it starts.
var ErrPageCacheLate = errors.New("SQLite 页缓存须在打开数据库之前设置 / the SQLite page cache must be reserved before any database is opened")

// pageSize is the database page size the store uses (SQLite's default).
const pageSize = 4096

var (
	opened atomic.Bool // a database was opened in this process (see Open)
	slab   struct {
		mu    sync.Mutex
		done  bool
		bytes int64
	}
)

// DefaultPageCacheMiB is the page cache a server reserves unless told otherwise: 64 MiB for
// each connection of one store (the readers and the writer), the most their caches could
// hold without a slab, but at most 1 GiB: on a machine with many cores (two readers a core)
// the slab is committed at start whatever the size of the database.
func DefaultPageCacheMiB() int {
	return min(64*(readerConns()+1), 1024)
}

// bulkWriterExtraMiB is what a bulk load's page cache holds beyond a server's, all of it for the
// writer: a 10,000,000-record import ran about 6 % faster with a 510 MiB writer cache than with
// 64 MiB, and no faster with 766 or 1,278 MiB (docs/performance.md, thirteenth session; 10–12 %
// in the twelfth's test on another instance), the B-trees of its indexes outgrowing a small
// cache long before the tables do.
const bulkWriterExtraMiB = 448

// BulkPageCacheMiB is the page cache a bulk load (import, bench) reserves unless told
// otherwise: DefaultPageCacheMiB and bulkWriterExtraMiB for the writer, but at most an eighth
// of the machine's memory and never less than the default.
func BulkPageCacheMiB() int {
	mib := DefaultPageCacheMiB() + bulkWriterExtraMiB
	if m := physicalMiB(); m > 0 {
		mib = min(mib, m/8)
	}
	return max(mib, DefaultPageCacheMiB())
}

// Each reader's page cache (cache_size, KiB): with the writer's, what the default slab holds.
const readerCacheKiB = 64 << 10

// checkpointerCacheKiB is the checkpointer's page cache; it reads the WAL's index, not the tables.
const checkpointerCacheKiB = 2 << 10

// writerCacheKiB is the writer connection's page cache (cache_size, KiB): 64 MiB, or all that
// the reserved slab holds beyond the readers' and the checkpointer's caches if that is more.
// The readers keep 64 MiB each whatever the slab: a connection's cache can take slots only up
// to its own size, and a reader free to take the whole slab could leave the writer, which
// cannot evict pages it has changed before its commit, none to grow into.
func writerCacheKiB() int64 { return writerCacheFor(PageCacheReserved(), readerConns()) }

// writerCacheFor is writerCacheKiB for a slab of slabBytes and that many readers.
func writerCacheFor(slabBytes int64, readers int) int64 {
	rest := slabBytes>>10 - int64(readers)*readerCacheKiB - checkpointerCacheKiB
	return max(rest, 64<<10)
}

// readerConns is how many read connections a file store keeps open.
func readerConns() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// ReservePageCache reserves mib MiB of page slots for every SQLite connection of the process.
// It must be called before the first Open; mib ≤ 0 reserves nothing.
func ReservePageCache(mib int) error {
	if mib <= 0 {
		return nil
	}
	slab.mu.Lock()
	defer slab.mu.Unlock()
	if slab.done || opened.Load() {
		return ErrPageCacheLate
	}
	slab.done = true
	tls := libc.NewTLS()
	defer tls.Close()
	// Room for the variadic arguments of sqlite3_config and for the header size it returns.
	va := libc.Xmalloc(tls, types.Size_t(4*unsafe.Sizeof(uintptr(0))))
	if va == 0 {
		return errors.New("SQLite 页缓存：内存不足 / SQLite page cache: out of memory")
	}
	defer libc.Xfree(tls, va)
	hdr := libc.Xcalloc(tls, 1, types.Size_t(unsafe.Sizeof(int64(0))))
	if hdr == 0 {
		return errors.New("SQLite 页缓存：内存不足 / SQLite page cache: out of memory")
	}
	defer libc.Xfree(tls, hdr)
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PCACHE_HDRSZ, libc.VaList(va, hdr)); rc != sqlite3.SQLITE_OK {
		return configError(rc)
	}
	// A slot holds a page and SQLite's headers (a few hundred bytes), rounded up to 8.
	hdrSize := binary.NativeEndian.Uint32(libc.GoBytes(hdr, 4))
	if hdrSize > pageSize {
		return fmt.Errorf("SQLite 页缓存：页头 %d 字节 / SQLite page cache: page header of %d bytes", hdrSize, hdrSize)
	}
	slot := int32(pageSize+hdrSize+7) &^ 7 // #nosec G115 -- at most 8,200: checked above
	n := min(int64(mib)<<20/int64(slot), 1<<31-1)
	mem := libc.Xmalloc(tls, types.Size_t(n)*types.Size_t(slot)) // #nosec G115 -- both positive
	if mem == 0 {
		return fmt.Errorf("SQLite 页缓存：无法分配 %d MiB / SQLite page cache: cannot allocate %d MiB", mib, mib)
	}
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PAGECACHE, libc.VaList(va, mem, slot, int32(n))); rc != sqlite3.SQLITE_OK { // #nosec G115 -- n ≤ 2³¹−1
		libc.Xfree(tls, mem)
		return configError(rc)
	}
	// The slab lives as long as the process: SQLite holds on to it.
	slab.bytes = n * int64(slot)
	return nil
}

func configError(rc int32) error {
	if rc == sqlite3.SQLITE_MISUSE {
		return ErrPageCacheLate // SQLite had started already
	}
	return fmt.Errorf("SQLite 页缓存：sqlite3_config 返回 %d / SQLite page cache: sqlite3_config returned %d", rc, rc)
}

// PageCacheReserved is the size of the reserved page cache in bytes (0: none).
func PageCacheReserved() int64 {
	slab.mu.Lock()
	defer slab.mu.Unlock()
	return slab.bytes
}
