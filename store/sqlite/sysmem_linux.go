package sqlite

import "syscall"

// physicalMiB is the machine's memory in MiB (0: unknown).
func physicalMiB() int {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	return int(uint64(si.Totalram) * uint64(si.Unit) >> 20) // #nosec G115 -- MiB of a machine's memory fit an int
}
