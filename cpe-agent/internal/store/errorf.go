package store

import "fmt"

// errorf is fmt.Errorf kept out of line. Since Go 1.26 fmt.Errorf inlines
// its no-formatting fast path into every caller, about 70 bytes of router
// code per call site; called through here, that code exists once.
//
//go:noinline
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
