// Package buildinfo carries the version stamped into every Gatewarden binary
// at link time (make build sets Version with -ldflags -X).
package buildinfo

import "runtime/debug"

// Version is set by the linker; "dev" marks an unstamped build.
var Version = "dev"

// String returns the version, falling back to the VCS revision that the Go
// toolchain records when the linker did not stamp one.
func String() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return Version
}
