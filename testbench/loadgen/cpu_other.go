//go:build !unix

package loadgen

import "time"

// processCPU is unknown here; the report then shows zero CPU.
func processCPU() time.Duration { return 0 }
