//go:build linux

package linux

import "path/filepath"

// Roots are where the platform reads the kernel's and the image's files.
// Tests point them at fixture trees; a chroot-style install can point
// them elsewhere. Empty fields mean the system's.
type Roots struct {
	_    [0]func() // not comparable: spares the binary an equality function
	Proc string    // "/proc"
	Sys  string    // "/sys"
	Etc  string    // "/etc"
}

func (r Roots) withDefaults() Roots {
	if r.Proc == "" {
		r.Proc = "/proc"
	}
	if r.Sys == "" {
		r.Sys = "/sys"
	}
	if r.Etc == "" {
		r.Etc = "/etc"
	}
	return r
}

func (r Roots) proc(p ...string) string { return filepath.Join(append([]string{r.Proc}, p...)...) }
func (r Roots) sys(p ...string) string  { return filepath.Join(append([]string{r.Sys}, p...)...) }
func (r Roots) etc(p ...string) string  { return filepath.Join(append([]string{r.Etc}, p...)...) }
