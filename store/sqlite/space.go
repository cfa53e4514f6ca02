package sqlite

import (
	"errors"
	"path/filepath"

	sqlitedrv "modernc.org/sqlite"

	"github.com/xinyong/xinyong/store"
)

// SQLite result codes for a write that did not fit (sqlite3.h).
const (
	codeIOErr = 10 // SQLITE_IOERR; its extended codes keep 10 in the low byte
	codeFull  = 13 // SQLITE_FULL
)

// spaceError turns SQLite's "database or disk is full" and write I/O errors into a
// store.SpaceError that names the cause; other errors pass unchanged.
func (db *DB) spaceError(err error) error {
	var se *sqlitedrv.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	if c := se.Code(); c != codeFull && c&0xff != codeIOErr {
		return err
	}
	dir := "."
	if db.path != ":memory:" {
		dir = filepath.Dir(db.path)
	}
	zh, en := spaceCause(dir, se.Code() == codeFull)
	return &store.SpaceError{CauseZH: zh, CauseEN: en, Err: err}
}
