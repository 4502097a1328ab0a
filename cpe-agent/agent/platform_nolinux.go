//go:build !linux

package agent

import (
	"errors"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/platform"
)

// linuxPlatform: the Linux platform reads a Linux kernel's netlink, /proc
// and /sys; elsewhere only the sim runs.
func linuxPlatform(Config, clock.Clock) (platform.Platform, error) {
	return nil, errors.New(`platform "linux" needs a Linux kernel (use --platform sim)`)
}
