//go:build unix

package loadtest

import (
	"fmt"
	"syscall"
)

// RaiseOpenFiles raises this process's open-files soft limit to its hard limit, since every
// phone's stream is one open connection. It returns the limit in force and, when need is
// above it, a message saying so.
func RaiseOpenFiles(need int) (uint64, string) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Sprintf("cannot read the open-files limit: %v", err)
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			lim = raised
		}
	}
	if uint64(need) > uint64(lim.Cur) {
		return uint64(lim.Cur), fmt.Sprintf("open-files limit %d is below the %d connections needed: raise the hard limit (ulimit -Hn, /etc/security/limits.conf) or use fewer --phones; phones beyond it will fail to connect", lim.Cur, need)
	}
	return uint64(lim.Cur), ""
}
