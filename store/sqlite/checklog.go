package sqlite

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/listsql"
)

// The check journal (核查日志预写文件). Every window check is logged (the check, its measures
// and its query-log entry) before its answer is served. Committed to the tables one group at
// a time, that logging was most of a check's cost on SQLite: each small transaction wrote
// again the last page of every table and index it touched (about four WAL pages a check), and
// each commit emptied every reader's page cache. Without it a check cost half the CPU.
//
// So a file-backed store appends each group of checks to a journal file of its own (one
// write, with the check ids already given), answers, and moves the journal into the tables
// in the background in large transactions (every ingestEvery, or sooner past ingestAt
// checks). A group is as durable in the journal as a commit is in the WAL with
// synchronous=NORMAL: it survives the process, and a crash is recovered at the next open by
// moving in what the tables lack. What reads the check log sees everything logged so far:
// every write transaction moves the journal in first (Update), and the reads of checks,
// their statistics and the query log wait for it (settle).
//
// The journal is a series of files next to the database, PATH-checklog.GEN. Table
// check_journal keeps how far the tables have it (gen, pos), written in the same transaction
// as the rows, so recovery neither loses nor repeats a group. A file wholly moved in is
// replaced by the next generation once it is past rotateBytes. Each file opens with a header
// naming the database's token (check_journal.token): files another database left at the same
// path are left alone.
//
// Each record is one group: 4 bytes length, 4 bytes CRC-32C of the payload, the payload
// (encodeGroup). A torn record at the end (a crash mid-write) fails its length or checksum
// and is cut off at recovery.

// Variables so that tests can make them small.
var (
	ingestEvery = 200 * time.Millisecond // how often pending checks are moved into the tables
	ingestAt    = 4096                   // pending checks that start a move at once
	maxPending  = 200_000                // past this a check waits for a move (moves failing or behind)
	rotateBytes = int64(64 << 20)        // a journal file past this is replaced once moved in
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// checkJournal is the store's journal; nil for an in-memory store, which logs checks straight
// into the tables.
type checkJournal struct {
	prefix string // PATH-checklog.
	header []byte // what each file opens with
	first  int64  // the first generation this process opened (older files of ours are gone)

	// moving is held from a move's start to when its groups leave pending (after the commit),
	// so two transactions never take the same groups.
	moving sync.Mutex

	mu      sync.Mutex
	f       *os.File
	gen     int64
	size    int64
	lastID  int64 // the last check id handed out
	pending []journalGroup
	npend   int   // checks pending
	broken  error // a write failed and the file could not be cut back: log straight to the tables
	buf     []byte

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
	// ingestErr is the last failed move (nil once one succeeds), returned by settle.
	ingestErr error
}

// journalGroup is one appended record: the checks and query-log entries of a group, and where
// the journal stands after it.
type journalGroup struct {
	checks []*store.Check
	qlogs  []*store.QueryLog
	gen    int64
	end    int64
}

func (j *checkJournal) fileName(gen int64) string { return j.prefix + strconv.FormatInt(gen, 10) }

// journalPos reads how far the tables have the journal, and the database's token.
func journalPos(ctx context.Context, q querier) (gen, pos int64, token string, err error) {
	err = q.QueryRowContext(ctx, `SELECT gen, pos, token FROM check_journal WHERE id = 1`).Scan(&gen, &pos, &token)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, "", nil
	}
	return gen, pos, token, err
}

func setJournalPos(ctx context.Context, t *tx, gen, pos int64, token string) error {
	_, err := t.sq.ExecContext(ctx, `INSERT INTO check_journal (id, gen, pos, token) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET gen = excluded.gen, pos = excluded.pos`, gen, pos, token)
	return err
}

func journalHeader(token string) []byte { return []byte("XINYONG-CHECKLOG 1 " + token + "\n") }

// create starts journal file gen with its header.
func (j *checkJournal) create(gen int64) (*os.File, int64, error) {
	f, err := os.OpenFile(j.fileName(gen), os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o600) // #nosec G304 -- next to the operator's database
	if err != nil {
		return nil, 0, err
	}
	if _, err := f.Write(j.header); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, int64(len(j.header)), nil
}

// openJournal recovers the journal next to the database (moving into the tables whatever
// they lack) and opens a new generation for appends.
func (db *DB) openJournal(ctx context.Context) error {
	j := &checkJournal{prefix: db.path + "-checklog.", kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	gen, pos, token, err := journalPos(ctx, db.write)
	if err != nil {
		return fmt.Errorf("check journal: %w", err)
	}
	if token == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		token = hex.EncodeToString(b[:])
	}
	j.header = journalHeader(token)
	names, err := filepath.Glob(j.prefix + "*")
	if err != nil {
		return err
	}
	type file struct {
		gen  int64
		name string
		ours bool
	}
	var files []file
	for _, n := range names {
		g, err := strconv.ParseInt(strings.TrimPrefix(n, j.prefix), 10, 64)
		if err != nil || g < 0 {
			continue // not a journal file
		}
		files = append(files, file{gen: g, name: n})
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Compare(a.gen, b.gen) })
	var groups []journalGroup
	last := gen
	for i := range files {
		f := &files[i]
		last = max(last, f.gen) // a new file never overwrites an old one, ours or not
		if f.gen < gen {
			f.ours = hasHeader(f.name, j.header) // if ours, the tables are past it
			continue
		}
		from := int64(0)
		if f.gen == gen {
			from = pos
		}
		gs, ours, err := readJournal(f.name, j.header, f.gen, from)
		if err != nil {
			return fmt.Errorf("check journal %s: %w", f.name, err)
		}
		f.ours = ours
		groups = append(groups, gs...)
	}
	// Appends go to a new generation; the recovery transaction records that everything before
	// it is in the tables.
	j.gen, j.first = last+1, last+1
	if j.f, j.size, err = j.create(j.gen); err != nil {
		return fmt.Errorf("check journal: %w", err)
	}
	err = db.Update(ctx, func(t store.Tx) error {
		tx := t.(*tx)
		// A group goes into the tables whole, so one whose first check is there is there
		// already: a journal older than the database (a backup restored next to it) adds only
		// what the database lacks.
		missing := groups[:0]
		for _, g := range groups {
			if len(g.checks) > 0 {
				var n int
				if err := tx.sq.QueryRowContext(ctx, `SELECT count(*) FROM checks WHERE id = ?`, g.checks[0].ID).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					continue
				}
			}
			missing = append(missing, g)
		}
		if err := insertGroups(tx, missing); err != nil {
			return err
		}
		return setJournalPos(ctx, tx, j.gen, j.size, token)
	})
	if err != nil {
		j.f.Close()
		return fmt.Errorf("check journal recovery: %w", err)
	}
	for _, f := range files {
		if f.ours {
			_ = os.Remove(f.name)
		}
	}
	if err := db.write.QueryRowContext(ctx, nextIDQuery("checks")).Scan(&j.lastID); err != nil {
		j.f.Close()
		return err
	}
	db.journal = j
	go db.ingestLoop() // #nosec G118 -- the mover lives as long as the store, not the Open call that starts it; Close stops it
	return nil
}

// hasHeader tells whether file name opens with header.
func hasHeader(name string, header []byte) bool {
	f, err := os.Open(name) // #nosec G304 -- the journal next to the database
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(header))
	_, err = io.ReadFull(f, head)
	return err == nil && bytes.Equal(head, header)
}

// readJournal reads the groups of file name from offset from (0: after the header),
// cutting off a torn end. A file whose header is not header is another database's: ours is
// false and it is left as it is.
func readJournal(name string, header []byte, gen, from int64) (groups []journalGroup, ours bool, err error) {
	f, err := os.OpenFile(name, os.O_RDWR, 0) // #nosec G304 -- the journal next to the database
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	head := make([]byte, len(header))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, header) {
		return nil, false, nil
	}
	from = max(from, int64(len(header)))
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return nil, true, err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	var out []journalGroup
	at := from
	var rh [8]byte
	for {
		if _, err := io.ReadFull(r, rh[:]); err != nil {
			break // the end, or a torn header
		}
		n := binary.LittleEndian.Uint32(rh[:4])
		if n > maxRecord {
			break
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil || crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(rh[4:]) {
			break
		}
		cs, qs, err := decodeGroup(payload)
		if err != nil {
			break
		}
		at += 8 + int64(n)
		out = append(out, journalGroup{checks: cs, qlogs: qs, gen: gen, end: at})
	}
	// Whatever follows the last whole record was torn by a crash: cut it off, so the file
	// holds only what was recovered.
	if st, err := f.Stat(); err == nil && st.Size() > at {
		if err := f.Truncate(at); err != nil {
			return nil, true, err
		}
	}
	return out, true, nil
}

// maxRecord bounds a record's length: a group is at most a few hundred checks.
const maxRecord = 64 << 20

// insertGroups writes the groups' rows in tx: the checks keep the ids they were given.
func insertGroups(t *tx, groups []journalGroup) error {
	if len(groups) == 0 {
		return nil
	}
	var cs []*store.Check
	var qs []*store.QueryLog
	for _, g := range groups {
		cs = append(cs, g.checks...)
		qs = append(qs, g.qlogs...)
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	for _, st := range listsql.CheckStatements(cs, ids) {
		s, err := t.stmt(st.SQL)
		if err != nil {
			return err
		}
		if _, err := s.ExecContext(t.ctx, st.Args...); err != nil {
			return err
		}
	}
	return t.AppendCheckQueryLogs(qs)
}

// LogChecks implements store.CheckLogger: with a journal, the group is appended to it and the
// checks get their ids; without one (in memory, or after a failed write), it is committed to
// the tables.
func (db *DB) LogChecks(ctx context.Context, cs []*store.Check, qs []*store.QueryLog) error {
	j := db.journal
	if j == nil {
		return db.logChecksNow(ctx, cs, qs)
	}
	j.mu.Lock()
	if j.broken != nil {
		j.mu.Unlock()
		return db.logChecksNow(ctx, cs, qs)
	}
	for _, c := range cs {
		j.lastID++
		c.ID = j.lastID
	}
	j.buf = appendRecord(j.buf[:0], cs, qs)
	if _, err := j.f.Write(j.buf); err != nil {
		// Cut a partial record back off, so the next append follows a whole one; if even that
		// fails, stop using the journal (recovery stops at the damage).
		if terr := j.f.Truncate(j.size); terr != nil {
			j.broken = err
		}
		j.mu.Unlock()
		return db.journalError(err)
	}
	j.size += int64(len(j.buf))
	j.pending = append(j.pending, journalGroup{checks: cs, qlogs: qs, gen: j.gen, end: j.size})
	j.npend += len(cs)
	n := j.npend
	j.mu.Unlock()
	switch {
	case n >= maxPending:
		// The moves are failing or far behind: wait for one, and pass on its error.
		return db.settle(ctx)
	case n >= ingestAt:
		select {
		case j.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// journalError names a full disk under the journal as spaceError does SQLite's.
func (db *DB) journalError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		zh, en := spaceCause(filepath.Dir(db.path), true)
		return &store.SpaceError{CauseZH: zh, CauseEN: en, Err: err}
	}
	return fmt.Errorf("check journal: %w", err)
}

// logChecksNow commits checks and their query-log entries to the tables.
func (db *DB) logChecksNow(ctx context.Context, cs []*store.Check, qs []*store.QueryLog) error {
	return db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertChecks(cs); err != nil {
			return err
		}
		return tx.AppendCheckQueryLogs(qs)
	})
}

// reserveIDs hands out n check ids from the journal's counter (batch verification inserts
// checks in its own transactions; their ids must not meet the journal's).
func (j *checkJournal) reserveIDs(n int) []int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	ids := make([]int64, n)
	for i := range ids {
		j.lastID++
		ids[i] = j.lastID
	}
	return ids
}

// ingest moves the pending groups into the tables in t (the start of a write transaction)
// and returns how many it took; the caller drops them from pending once t commits
// (ingested). When they are all there is and the file is past rotateBytes, appends move to
// a new generation now, and the position recorded is its start.
func (j *checkJournal) ingest(t *tx) (int, error) {
	j.mu.Lock()
	k := len(j.pending)
	if k == 0 {
		j.mu.Unlock()
		return 0, nil
	}
	groups := j.pending[:k:k]
	gen, pos := groups[k-1].gen, groups[k-1].end
	if gen == j.gen && pos == j.size && j.size >= rotateBytes && j.broken == nil {
		if f, size, err := j.create(j.gen + 1); err == nil {
			j.f.Close()
			j.f, j.gen, j.size = f, j.gen+1, size
			gen, pos = j.gen, size
		}
	}
	j.mu.Unlock()
	if err := insertGroups(t, groups); err != nil {
		return 0, err
	}
	if err := setJournalPos(t.ctx, t, gen, pos, ""); err != nil {
		return 0, err
	}
	return k, nil
}

// ingested drops the first k pending groups, committed to the tables, and removes the
// journal files wholly moved in.
func (j *checkJournal) ingested(k int) {
	j.mu.Lock()
	for _, g := range j.pending[:k] {
		j.npend -= len(g.checks)
	}
	j.pending = slices.Delete(j.pending, 0, k)
	cur := j.gen
	if len(j.pending) > 0 {
		cur = j.pending[0].gen
	}
	j.ingestErr = nil
	j.mu.Unlock()
	for g := cur - 1; g >= j.first; g-- {
		if err := os.Remove(j.fileName(g)); err != nil {
			break // removed already (older ones too)
		}
	}
}

func (j *checkJournal) pendingChecks() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.pending)
}

// settle waits until everything journaled so far is in the tables (a move runs if needed).
func (db *DB) settle(ctx context.Context) error {
	j := db.journal
	if j == nil || j.pendingChecks() == 0 {
		return nil
	}
	return db.Update(ctx, func(store.Tx) error { return nil })
}

// ingestLoop moves the journal into the tables every ingestEvery, or when kicked.
func (db *DB) ingestLoop() {
	j := db.journal
	defer close(j.done)
	t := time.NewTicker(ingestEvery)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-j.kick:
		case <-t.C:
		}
		if j.pendingChecks() == 0 {
			continue
		}
		db.background.Lock()
		err := db.Update(context.Background(), func(store.Tx) error { return nil })
		db.background.Unlock()
		if err != nil {
			j.mu.Lock()
			j.ingestErr = err
			j.mu.Unlock()
		}
	}
}

// closeJournal stops the mover, moves in what is pending, and closes and removes the file.
// What cannot be moved in stays in the journal for the next open.
func (db *DB) closeJournal() error {
	j := db.journal
	if j == nil {
		return nil
	}
	close(j.stop)
	<-j.done
	err := db.settle(context.Background())
	j.mu.Lock()
	defer j.mu.Unlock()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	// Everything is in the tables: a clean stop leaves no journal file behind.
	if err == nil && len(j.pending) == 0 {
		_ = os.Remove(j.fileName(j.gen))
	}
	return err
}

// Check, Checks, CheckStats and QueryLogs read what is logged so far.

// Check implements store.Lists.
func (db *DB) Check(ctx context.Context, id int64) (*store.Check, error) {
	if err := db.settle(ctx); err != nil {
		return nil, err
	}
	return db.reader.Check(ctx, id)
}

// Checks implements store.Lists.
func (db *DB) Checks(ctx context.Context, f store.CheckFilter) ([]*store.Check, error) {
	if err := db.settle(ctx); err != nil {
		return nil, err
	}
	return db.reader.Checks(ctx, f)
}

// CheckStats implements store.Lists.
func (db *DB) CheckStats(ctx context.Context, f store.CheckFilter) (*store.CheckStats, error) {
	if err := db.settle(ctx); err != nil {
		return nil, err
	}
	return db.reader.CheckStats(ctx, f)
}

// QueryLogs implements store.Accounts.
func (db *DB) QueryLogs(ctx context.Context, f store.QueryLogFilter, fn func(*store.QueryLog) error) error {
	if err := db.settle(ctx); err != nil {
		return err
	}
	return db.reader.QueryLogs(ctx, f, fn)
}

// appendRecord appends one journal record (length, CRC-32C, payload) for a group to b.
func appendRecord(b []byte, cs []*store.Check, qs []*store.QueryLog) []byte {
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b = encodeGroup(b, cs, qs)
	payload := b[8:]
	binary.LittleEndian.PutUint32(b[:4], uint32(len(payload))) // #nosec G115 -- a group is far below 4 GiB
	binary.LittleEndian.PutUint32(b[4:8], crc32.Checksum(payload, crcTable))
	return b
}

// encodeGroup appends the payload of a group: the checks with their measures, then the
// query-log entries, as varints and length-prefixed strings.
func encodeGroup(b []byte, cs []*store.Check, qs []*store.QueryLog) []byte {
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	flag := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(cs)))
	for _, c := range cs {
		b = binary.AppendVarint(b, c.ID)
		b = binary.AppendVarint(b, c.At.UnixNano())
		str(c.Actor)
		str(c.Dept)
		str(c.Matter)
		str(c.SubjectKey)
		flag(c.Found)
		str(string(c.Verdict))
		b = binary.AppendVarint(b, c.BatchID)
		b = binary.AppendUvarint(b, uint64(len(c.Measures)))
		for _, m := range c.Measures {
			str(m.Measure)
			str(m.Dept)
			str(string(m.Direction))
			str(string(m.Effect))
			flag(m.Mandatory)
			b = binary.AppendVarint(b, m.EntryID)
			str(m.List)
			flag(m.Pending)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(qs)))
	for _, q := range qs {
		b = binary.AppendVarint(b, q.At.UnixNano())
		str(q.Actor)
		str(q.Dept)
		str(q.Purpose)
		str(q.SubjectKey)
		str(q.Route)
		str(q.Returned)
		str(q.RemoteAddr)
	}
	return b
}

var errBadRecord = errors.New("bad journal record")

// decodeGroup reads a payload encodeGroup wrote; anything else is an error, never a panic.
func decodeGroup(b []byte) (cs []*store.Check, qs []*store.QueryLog, err error) {
	bad := false
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	sv := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	str := func() string {
		n := uv()
		if bad || n > uint64(len(b)) {
			bad = true
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	flag := func() bool {
		if len(b) == 0 || b[0] > 1 {
			bad = true
			return false
		}
		v := b[0]
		b = b[1:]
		return v == 1
	}
	// Each check takes at least 10 bytes and each entry 9, so a count past the payload's
	// length is damage, not a reason to allocate.
	n := uv()
	if bad || n > uint64(len(b)) {
		return nil, nil, errBadRecord
	}
	for range n {
		c := &store.Check{ID: sv()}
		c.At = time.Unix(0, sv()).UTC()
		c.Actor, c.Dept, c.Matter, c.SubjectKey = str(), str(), str(), str()
		c.Found = flag()
		c.Verdict = credit.Verdict(str())
		c.BatchID = sv()
		nm := uv()
		if bad || nm > uint64(len(b)) {
			return nil, nil, errBadRecord
		}
		for range nm {
			var m store.CheckMeasure
			m.Measure, m.Dept = str(), str()
			m.Direction, m.Effect = credit.Direction(str()), credit.Effect(str())
			m.Mandatory = flag()
			m.EntryID = sv()
			m.List = str()
			m.Pending = flag()
			c.Measures = append(c.Measures, m)
		}
		if bad {
			return nil, nil, errBadRecord
		}
		cs = append(cs, c)
	}
	n = uv()
	if bad || n > uint64(len(b)) {
		return nil, nil, errBadRecord
	}
	for range n {
		q := &store.QueryLog{}
		q.At = time.Unix(0, sv()).UTC()
		q.Actor, q.Dept, q.Purpose, q.SubjectKey = str(), str(), str(), str()
		q.Route, q.Returned, q.RemoteAddr = str(), str(), str()
		if bad {
			return nil, nil, errBadRecord
		}
		qs = append(qs, q)
	}
	if len(b) != 0 {
		return nil, nil, errBadRecord
	}
	return cs, qs, nil
}
