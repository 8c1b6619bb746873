//go:build linux || darwin || freebsd || openbsd || netbsd

package data

import "syscall"

// canWrite asks the kernel, because SQLite silently opens a file it may not
// write read-only and fails only at the first write.
func canWrite(path string) bool { return syscall.Access(path, 0x2 /* W_OK */) == nil }
