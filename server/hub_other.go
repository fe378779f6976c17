//go:build !unix

package server

import "syscall"

// tryWrite writes nothing where sockets are not file descriptors: every message then goes
// through the writing goroutine.
func tryWrite(rc syscall.RawConn, b []byte) (n int, err error) { return 0, nil }
