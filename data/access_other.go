//go:build !(linux || darwin || freebsd || openbsd || netbsd)

package data

// canWrite cannot ask cheaply here; the first write reports the problem.
func canWrite(string) bool { return true }
