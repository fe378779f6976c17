//go:build unix

package server

import "syscall"

// tryWrite makes one non-blocking write of b to a socket and reports how much of it went;
// a full socket buffer is not an error (n is then what fitted, maybe 0).
func tryWrite(rc syscall.RawConn, b []byte) (n int, err error) {
	var werr error
	if err := rc.Write(func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), b)
		return true // one attempt; never wait for room
	}); err != nil {
		return 0, err
	}
	if n < 0 {
		n = 0
	}
	if werr == syscall.EAGAIN || werr == syscall.EINTR {
		werr = nil
	}
	return n, werr
}
