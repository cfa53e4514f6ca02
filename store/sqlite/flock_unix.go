//go:build unix

package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// errNoLock: the file is another process's (or files cannot be locked here).
var errNoLock = errors.New("check journal file is held by another process")

// lockFile takes an exclusive lock on f for as long as f is open, without waiting.
func lockFile(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil { // #nosec G115 -- a file descriptor fits an int
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return errNoLock
		}
		return err
	}
	return nil
}
