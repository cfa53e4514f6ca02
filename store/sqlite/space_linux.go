package sqlite

import "syscall"

// spaceCause tells apart a full disk and a file size limit (RLIMIT_FSIZE, ulimit -f) from what
// the system reports now; SQLite itself reports both as one of two codes.
func spaceCause(dir string, full bool) (zh, en string) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err == nil {
		// Less than 1 MiB or 0.1 % left for the user: full.
		free := st.Bavail * uint64(st.Bsize) // #nosec G115 -- a block size is positive
		if free < 1<<20 || (st.Blocks > 0 && st.Bavail*1000 < st.Blocks) {
			return "磁盘已满", "the disk is full"
		}
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err == nil && lim.Cur != ^uint64(0) {
		return "文件超过进程的文件大小上限（ulimit -f）", "a file reached the process's file size limit (ulimit -f)"
	}
	if full {
		return "磁盘已满", "the disk is full"
	}
	return "写入失败（磁盘已满或 I/O 错误）", "a write failed (disk full or I/O error)"
}

// freeBytes is the room left for this user on dir's file system.
func freeBytes(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * st.Bsize, true // #nosec G115 -- block counts fit in int64
}
