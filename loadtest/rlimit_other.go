//go:build !unix

package loadtest

// RaiseOpenFiles has nothing to raise on this system.
func RaiseOpenFiles(need int) (uint64, string) { return 0, "" }
