//go:build unix

package store

import "syscall"

// isMmapUnsupported recognises bbolt's failure to map the file. bbolt
// returns the errno of mmap bare, whereas file operations arrive wrapped in
// *os.PathError, so a bare ENODEV or EINVAL out of bolt.Open is the map (or
// fdatasync on a special file, which has the same remedy).
func isMmapUnsupported(err error) bool {
	errno, ok := err.(syscall.Errno)
	return ok && (errno == syscall.ENODEV || errno == syscall.EINVAL)
}
