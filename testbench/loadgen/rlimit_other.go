//go:build !unix

package loadgen

// RaiseOpenFiles has no limit to raise here; zero means unknown.
func RaiseOpenFiles() (uint64, error) { return 0, nil }
