//go:build !unix

package store

func isMmapUnsupported(error) bool { return false }
