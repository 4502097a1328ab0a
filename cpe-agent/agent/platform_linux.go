//go:build linux

package agent

import (
	"strings"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/linux"
	"gatewarden/protocol/buildinfo"
)

// linuxPlatform builds the real device. The identity the configuration
// leaves open comes from the image (release files, the first Ethernet
// MAC); only then does the agent's own version stand in for the
// firmware's.
func linuxPlatform(cfg Config, _ clock.Clock) (platform.Platform, error) {
	id := cfg.identity()
	id.SoftwareVersion = cfg.SoftwareVersion
	return linux.New(linux.Options{
		DataDir:                 cfg.DataDir,
		Identity:                id,
		SoftwareVersionFallback: strings.TrimPrefix(buildinfo.String(), "v"),
	})
}
