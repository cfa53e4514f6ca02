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
// moving in what the tables lack. What reads the check log sees everything this process
// logged so far: every write transaction moves the journal in first (Update), and the reads
// of checks, their statistics and the query log wait for it (settle).
//
// More than one process may have the database open (the server, and `xinyong check`,
// `verify` or `backup` beside it). Each process writes files of its own, PATH-checklog.GEN,
// and holds an exclusive lock (flock) on the one it appends to; a file nobody holds was left
// by a process that stopped, and the next open moves in the groups the tables lack (a group
// goes in whole, so one whose first check is there is there already) and removes it. Check
// ids come from blocks reserved in table check_journal in transactions of their own, so no
// two processes hand out the same id. Each file opens with a header naming the database's
// token (check_journal.token): files another database left at the same path are left alone.
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
	idBlock     = int64(8192)            // check ids reserved at a time, at most (the first block is 64; each next doubles)
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// checkJournal is the store's journal; nil for an in-memory store (or where files cannot be
// locked), which logs checks straight into the tables.
type checkJournal struct {
	prefix string // PATH-checklog.
	header []byte // what each file opens with

	// moving is held from a move's start to when its groups leave pending (after the commit),
	// so two transactions never take the same groups.
	moving sync.Mutex

	mu      sync.Mutex
	f       *os.File // the file appended to, locked
	gen     int64
	size    int64
	retired []*retiredFile // this process's earlier files, kept locked until their groups are in
	lastID  int64          // the last check id handed out
	hi      int64          // the end of the reserved block
	block   int64          // the size of the last block reserved
	need    int64          // ids a waiting group needs beyond the block
	pending []journalGroup
	npend   int   // checks pending
	broken  error // a write failed and the file could not be cut back: log straight to the tables
	buf     []byte

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// retiredFile is a journal file no longer appended to. It stays open, so locked, until its
// groups are in the tables: another process must not take it for a stopped one's.
type retiredFile struct {
	gen int64
	f   *os.File
}

// journalGroup is one appended record: the checks and query-log entries of a group, and the
// file it is in.
type journalGroup struct {
	checks []*store.Check
	qlogs  []*store.QueryLog
	gen    int64
}

func (j *checkJournal) fileName(gen int64) string { return j.prefix + strconv.FormatInt(gen, 10) }

func journalHeader(token string) []byte { return []byte("XINYONG-CHECKLOG 1 " + token + "\n") }

// reserveCheckIDs reserves n check ids in t, after every id reserved or used so far, and
// returns the last; the ids are the caller's once t commits.
func reserveCheckIDs(t *tx, n int64) (int64, error) {
	var hi int64
	err := t.sq.QueryRowContext(t.ctx, `UPDATE check_journal SET reserved = max(reserved, (SELECT coalesce(max(id), 0) FROM checks)) + ?
		WHERE id = 1 RETURNING reserved`, n).Scan(&hi)
	return hi, err
}

// journalToken returns the database's token, making it the first time (in t).
func journalToken(t *tx) (string, error) {
	var token string
	err := t.sq.QueryRowContext(t.ctx, `SELECT token FROM check_journal WHERE id = 1`).Scan(&token)
	if !errors.Is(err, sql.ErrNoRows) {
		return token, err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	token = hex.EncodeToString(b[:])
	_, err = t.sq.ExecContext(t.ctx, `INSERT INTO check_journal (id, token, reserved) VALUES (1, ?, 0)`, token)
	return token, err
}

// create makes a new journal file after every generation there is, locked, with its header.
func (j *checkJournal) create() (*os.File, int64, int64, error) {
	gen := int64(0)
	for _, f := range journalFiles(j.prefix) {
		gen = max(gen, f.gen)
	}
	for {
		gen++
		f, err := os.OpenFile(j.fileName(gen), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600) // #nosec G304 -- next to the operator's database
		if errors.Is(err, os.ErrExist) {
			continue // another process took it meanwhile
		}
		if err != nil {
			return nil, 0, 0, err
		}
		err = lockFile(f)
		if err == nil {
			_, err = f.Write(j.header)
		}
		if err == nil {
			return f, gen, int64(len(j.header)), nil
		}
		f.Close()
		os.Remove(j.fileName(gen))
		return nil, 0, 0, err
	}
}

type journalFile struct {
	gen  int64
	name string
}

// journalFiles lists the journal files next to the database, oldest first.
func journalFiles(prefix string) []journalFile {
	names, _ := filepath.Glob(prefix + "*")
	var files []journalFile
	for _, n := range names {
		g, err := strconv.ParseInt(strings.TrimPrefix(n, prefix), 10, 64)
		if err != nil || g < 0 {
			continue // not a journal file
		}
		files = append(files, journalFile{gen: g, name: n})
	}
	slices.SortFunc(files, func(a, b journalFile) int { return cmp.Compare(a.gen, b.gen) })
	return files
}

// openJournal moves into the tables what journals of stopped processes hold and the tables
// lack, and starts a journal file for this process.
func (db *DB) openJournal(ctx context.Context) error {
	j := &checkJournal{prefix: db.path + "-checklog.", kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	// Opening writes nothing unless there is something to recover (commands beside a busy
	// server open the store too): the token is made once, and ids are reserved at the first
	// check (LogChecks finds the block empty).
	var token string
	err := db.write.QueryRowContext(ctx, `SELECT token FROM check_journal WHERE id = 1`).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		err = db.Update(ctx, func(t store.Tx) (err error) { token, err = journalToken(t.(*tx)); return err })
	}
	if err != nil {
		return fmt.Errorf("check journal: %w", err)
	}
	j.header = journalHeader(token)
	// Files nobody holds: read them (locked, so no other process recovers them meanwhile).
	var groups []journalGroup
	var held []*os.File
	defer func() {
		for _, f := range held {
			f.Close()
		}
	}()
	for _, jf := range journalFiles(j.prefix) {
		f, gs, err := recoverFile(jf, j.header)
		if err != nil {
			return fmt.Errorf("check journal %s: %w", jf.name, err)
		}
		if f != nil {
			held = append(held, f)
			groups = append(groups, gs...)
		}
	}
	if len(held) > 0 {
		err = db.Update(ctx, func(t store.Tx) error { return insertMissing(ctx, t.(*tx), groups) })
	}
	if err != nil {
		return fmt.Errorf("check journal recovery: %w", err)
	}
	for _, f := range held {
		_ = os.Remove(f.Name())
	}
	if j.f, j.gen, j.size, err = j.create(); err != nil {
		if errors.Is(err, errNoLock) {
			return nil // no journal here: checks go straight into the tables
		}
		return fmt.Errorf("check journal: %w", err)
	}
	db.journal = j
	go db.ingestLoop() // #nosec G118 -- the mover lives as long as the store, not the Open call that starts it; Close stops it
	return nil
}

// insertMissing inserts the groups the tables lack: a group goes in whole, so one whose first
// check is there is there already.
func insertMissing(ctx context.Context, tx *tx, groups []journalGroup) error {
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
	return insertGroups(tx, missing)
}

// recoverFile locks journal file jf and reads its groups, cutting off a torn end. It returns
// a nil file when the file is another live process's (locked) or another database's (its
// header is not header): those are left as they are.
func recoverFile(jf journalFile, header []byte) (*os.File, []journalGroup, error) {
	f, err := os.OpenFile(jf.name, os.O_RDWR, 0) // #nosec G304 -- the journal next to the database
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil // removed meanwhile by the process that wrote it
	}
	if err != nil {
		return nil, nil, err
	}
	if lockFile(f) != nil {
		f.Close()
		return nil, nil, nil
	}
	head := make([]byte, len(header))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, header) {
		f.Close()
		return nil, nil, nil
	}
	r := bufio.NewReaderSize(f, 1<<20)
	var out []journalGroup
	at := int64(len(header))
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
		out = append(out, journalGroup{checks: cs, qlogs: qs, gen: jf.gen})
	}
	// Whatever follows the last whole record was torn by a crash: cut it off, so the file
	// holds only what was recovered.
	if st, err := f.Stat(); err == nil && st.Size() > at {
		if err := f.Truncate(at); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	return f, out, nil
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
	if err := t.execStatements(listsql.CheckStatements(cs, ids)); err != nil {
		return err
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
	for {
		j.mu.Lock()
		if j.broken != nil {
			j.mu.Unlock()
			return db.logChecksNow(ctx, cs, qs)
		}
		if j.lastID+int64(len(cs)) <= j.hi {
			break
		}
		// The block is used up (the mover tops it up; it did not keep pace): a move now
		// reserves more.
		j.need = max(j.need, int64(len(cs)))
		j.mu.Unlock()
		if err := db.Update(ctx, func(store.Tx) error { return nil }); err != nil {
			return err
		}
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
	j.pending = append(j.pending, journalGroup{checks: cs, qlogs: qs, gen: j.gen})
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

// checkIDsIn reserves n check ids in t for checks inserted in t (batch verification): taken
// from the table's reservation, not from this process's block, so a rolled-back t leaves
// nothing behind.
func checkIDsIn(t *tx, n int) ([]int64, error) {
	hi, err := reserveCheckIDs(t, int64(n))
	if err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = hi - int64(n) + int64(i) + 1
	}
	return ids, nil
}

// moveState is what a move did in its transaction, applied once it commits (ingested).
type moveState struct {
	groups int   // pending groups moved in
	hi     int64 // a new reserved block's end (0: none)
	block  int64 // and its size
}

// ingest moves the pending groups into the tables in t (the start of a write transaction)
// and tops up the reserved ids; the caller applies the result once t commits (ingested).
// When the groups are all there is and the file is past rotateBytes, appends move to a new
// file now; the old one is removed once its groups are in.
func (j *checkJournal) ingest(t *tx) (moveState, error) {
	var m moveState
	j.mu.Lock()
	k := len(j.pending)
	groups := j.pending[:k:k]
	// A process that logs few checks (a command beside the server) reserves few ids: the
	// blocks grow from 64 as the process uses them, so few numbers are left unused when it
	// stops.
	left := j.hi - j.lastID
	low := left <= j.block/2 || left < j.need
	next := max(min(max(2*j.block, 64), idBlock), j.need)
	if k > 0 && j.size >= rotateBytes && j.broken == nil {
		if f, gen, size, err := j.create(); err == nil {
			j.retired = append(j.retired, &retiredFile{gen: j.gen, f: j.f})
			j.f, j.gen, j.size = f, gen, size
		}
	}
	j.mu.Unlock()
	if err := insertGroups(t, groups); err != nil {
		return m, err
	}
	m.groups = k
	if low {
		hi, err := reserveCheckIDs(t, next)
		if err != nil {
			return m, err
		}
		m.hi, m.block = hi, next
	}
	return m, nil
}

// ingested applies a committed move: its groups leave pending, a new block of ids is ours,
// and this process's files whose groups are all in are removed.
func (j *checkJournal) ingested(m moveState) {
	j.mu.Lock()
	for _, g := range j.pending[:m.groups] {
		j.npend -= len(g.checks)
	}
	j.pending = slices.Delete(j.pending, 0, m.groups)
	if m.hi > 0 {
		// The block reserved is (m.hi-m.block, m.hi]; ids left in the old one are skipped.
		j.lastID, j.hi, j.block, j.need = max(j.lastID, m.hi-m.block), m.hi, m.block, 0
	}
	oldest := j.gen
	if len(j.pending) > 0 {
		oldest = j.pending[0].gen
	}
	var gone []*retiredFile
	j.retired = slices.DeleteFunc(j.retired, func(r *retiredFile) bool {
		if r.gen < oldest {
			gone = append(gone, r)
			return true
		}
		return false
	})
	j.mu.Unlock()
	for _, r := range gone {
		_ = os.Remove(j.fileName(r.gen)) // removed while still locked, then closed
		r.f.Close()
	}
}

func (j *checkJournal) pendingGroups() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.pending)
}

// settle waits until everything journaled so far is in the tables (a move runs if needed).
func (db *DB) settle(ctx context.Context) error {
	j := db.journal
	if j == nil || j.pendingGroups() == 0 {
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
		if j.pendingGroups() == 0 {
			continue
		}
		// A failed move leaves the groups pending: the next round, and every Update and
		// settle, tries again and returns its error to its caller.
		db.background.Lock()
		_ = db.Update(context.Background(), func(store.Tx) error { return nil })
		db.background.Unlock()
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
	// Everything is in the tables: a clean stop leaves no journal file behind (each removed
	// while still locked).
	if err == nil && len(j.pending) == 0 {
		_ = os.Remove(j.fileName(j.gen))
		for _, r := range j.retired {
			_ = os.Remove(j.fileName(r.gen))
		}
	}
	for _, r := range j.retired {
		r.f.Close()
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
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

// CountQueryLogs implements store.Accounts.
func (db *DB) CountQueryLogs(ctx context.Context, f store.QueryLogFilter) (int64, error) {
	if err := db.settle(ctx); err != nil {
		return 0, err
	}
	return db.reader.CountQueryLogs(ctx, f)
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
