//go:build !linux

package sqlite

// spaceCause without the means to look: SQLite's own code.
func spaceCause(dir string, full bool) (zh, en string) {
	if full {
		return "磁盘已满", "the disk is full"
	}
	return "写入失败（磁盘已满或 I/O 错误）", "a write failed (disk full or I/O error)"
}

// freeBytes cannot look here.
func freeBytes(dir string) (int64, bool) { return 0, false }
