package store

import "fmt"

// SpaceError is a write the database could not make for lack of room: the disk (or the
// database's quota) is full, or the file grew past the process's file size limit. The
// transaction was rolled back; what was committed before stays, so an import resumes from its
// checkpoint once there is room again.
type SpaceError struct {
	// CauseZH and CauseEN say which: the disk is full, a file reached the size limit (ulimit -f),
	// or a write failed (where the cause could not be told apart).
	CauseZH, CauseEN string
	Err              error
}

func (e *SpaceError) Error() string {
	return fmt.Sprintf("数据库无法写入：%s；腾出空间后重新运行即可继续 / the database cannot write: %s; make room and run again to resume (%v)",
		e.CauseZH, e.CauseEN, e.Err)
}

func (e *SpaceError) Unwrap() error { return e.Err }
