//go:build !unix

package sqlite

import (
	"errors"
	"os"
)

// errNoLock: files cannot be locked here, so the store logs checks straight into the tables.
var errNoLock = errors.New("check journal files cannot be locked on this system")

func lockFile(*os.File) error { return errNoLock }
