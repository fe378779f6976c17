//go:build unix

package loadtest

import (
	"syscall"
	"time"
)

// ownCPU is this tool's CPU time so far, user and system.
func ownCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
