//go:build !linux

package bench

import "time"

// machineCPU is only read on Linux; elsewhere the figure reads 0.
func machineCPU() time.Duration { return 0 }
