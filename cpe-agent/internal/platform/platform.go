// Package platform is the seam between the agent and the device it runs
// on: which TR-181 parameters the device supports and where their values
// come from, how it reboots and resets, and what it is. The Linux platform
// reads the running system; the sim platform (package sim) simulates a
// router for tests, `make run` and the testbench.
package platform

import (
	"context"

	"gatewarden/cpe-agent/internal/model"
)

// Platform is what the agent needs from a device.
type Platform interface {
	// Name is the --platform value that selects it ("linux", "sim").
	Name() string
	// Register binds the platform's parameters, tables and factory
	// instances. The platform-independent ones (ManagementServer, the
	// DeviceInfo identity) are bound by Registry.
	Register(r *model.Registry) error
	// BootID identifies the current boot: a new value means the device
	// booted since the last call (1 BOOT); the same value means only the
	// agent restarted.
	BootID() (string, error)
	// Reboot reboots the device (the sim starts a new simulated boot and
	// returns; the agent then restarts itself in-process).
	Reboot(ctx context.Context) error
	// FactoryReset resets what the platform itself keeps (the agent wipes
	// its own store); it includes a reboot, as on a real device.
	FactoryReset(ctx context.Context) error
	// Identity is what the device says it is, from the build and the
	// configuration.
	Identity() model.Identity
}

// Registry returns a registry with everything bound: the
// platform-independent ManagementServer parameters with their factory
// settings, the DeviceInfo identity, and the platform's own bindings.
func Registry(p Platform, defaults model.ManagementDefaults) (*model.Registry, error) {
	r := model.NewRegistry()
	model.BindManagementServer(r, defaults)
	model.BindDeviceInfo(r, p.Identity())
	if err := p.Register(r); err != nil {
		return nil, err
	}
	return r, r.Err()
}
