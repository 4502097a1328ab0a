package session

import (
	"context"

	"gatewarden/protocol/cwmp"
)

// Model is the live Device.* tree as the session uses it; *model.Tree
// satisfies it. Errors of type *cwmp.Fault are sent to the ACS as they
// are; any other error becomes 9002 Internal error.
type Model interface {
	GetParameterValues(ctx context.Context, names []string) ([]cwmp.ParameterValueStruct, error)
	SetParameterValues(ctx context.Context, list []cwmp.ParameterValueStruct, parameterKey string) (status int32, err error)
	GetParameterNames(ctx context.Context, path string, nextLevel bool) ([]cwmp.ParameterInfoStruct, error)
	SetParameterAttributes(ctx context.Context, list []cwmp.SetParameterAttributesStruct) error
	GetParameterAttributes(ctx context.Context, names []string) ([]cwmp.ParameterAttributeStruct, error)
	AddObject(ctx context.Context, object, parameterKey string) (instance uint32, status int32, err error)
	DeleteObject(ctx context.Context, object, parameterKey string) (status int32, err error)

	// DeviceID is the Inform's DeviceId.
	DeviceID(ctx context.Context) (cwmp.DeviceIdStruct, error)
	// InformParameters is the Inform's ParameterList for these events.
	InformParameters(ctx context.Context, events []cwmp.EventCode) ([]cwmp.ParameterValueStruct, error)
	// InformDelivered: the ACS acknowledged the Inform built by the last
	// InformParameters call.
	InformDelivered(ctx context.Context) error
	// HasPendingChanges: changes not yet reported, so the next Inform
	// carries "4 VALUE CHANGE".
	HasPendingChanges() bool

	// Value reads a parameter without masking hidden values.
	Value(ctx context.Context, path string) (string, error)
	// SetLocal is a change by the agent itself (not by the ACS).
	SetLocal(ctx context.Context, values map[string]string) error
	// Watch runs fn after every committed change of path.
	Watch(path string, fn func(value string))
}

// The parameters the session reads (TR069-DIGEST §7.2).
const (
	paramURL                  = "Device.ManagementServer.URL"
	paramUsername             = "Device.ManagementServer.Username"
	paramPassword             = "Device.ManagementServer.Password"
	paramEnableCWMP           = "Device.ManagementServer.EnableCWMP"
	paramPeriodicEnable       = "Device.ManagementServer.PeriodicInformEnable"
	paramPeriodicInterval     = "Device.ManagementServer.PeriodicInformInterval"
	paramPeriodicTime         = "Device.ManagementServer.PeriodicInformTime"
	paramRetryMinimumWait     = "Device.ManagementServer.CWMPRetryMinimumWaitInterval"
	paramRetryMultiplier      = "Device.ManagementServer.CWMPRetryIntervalMultiplier"
	paramActiveNotifyThrottle = "Device.ManagementServer.DefaultActiveNotificationThrottle"
)

// Platform performs what the ACS asks for after a session ends.
type Platform interface {
	// Reboot reboots the device (the sim platform restarts the agent
	// in-process with a new boot id). It may not return.
	Reboot(ctx context.Context) error
	// FactoryReset wipes the device's state, keeping the factory ACS
	// settings, and restarts it.
	FactoryReset(ctx context.Context) error
}
