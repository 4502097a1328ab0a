package bbolt

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// newID returns a 24-hex-digit ID: 48 bits of milliseconds, then 48
// random bits. IDs sort by creation time, which keeps the tasks and faults
// buckets appending at the end (dense pages) instead of splitting pages
// all over the tree.
func newID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}
