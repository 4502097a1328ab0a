package model

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// ManagementDefaults are the factory settings of Device.ManagementServer:
// the values before the ACS changes anything and again after a factory
// reset. Zero fields take the defaults noted.
type ManagementDefaults struct {
	URL      string
	Username string
	Password string
	// PeriodicInformEnable defaults to true (Go's zero value cannot say so:
	// set DisablePeriodicInform to turn it off).
	DisablePeriodicInform bool
	// PeriodicInformInterval in seconds; 0 means 3600.
	PeriodicInformInterval uint32
	// PeriodicInformTime anchors the periodic informs; zero means none.
	PeriodicInformTime string
	// ConnectionRequestUsername/Password until the ACS sets its own.
	ConnectionRequestUsername string
	ConnectionRequestPassword string
	// CWMPRetryMinimumWaitInterval (s) and CWMPRetryIntervalMultiplier;
	// 0 means the TR-069 values 5 and 2000.
	CWMPRetryMinimumWaitInterval uint32
	CWMPRetryIntervalMultiplier  uint32
}

// BindManagementServer binds the platform-independent part of
// Device.ManagementServer, persisted by the tree: every platform calls it.
// ConnectionRequestURL is read-only to the ACS; the agent sets it with
// SetLocal once its listener is up.
func BindManagementServer(r *Registry, d ManagementDefaults) {
	const ms = "Device.ManagementServer."
	interval := d.PeriodicInformInterval
	if interval == 0 {
		interval = 3600
	}
	minWait := d.CWMPRetryMinimumWaitInterval
	if minWait == 0 {
		minWait = 5
	}
	mult := d.CWMPRetryIntervalMultiplier
	if mult == 0 {
		mult = 2000
	}
	r.Stored(ms+"EnableCWMP", "true")
	r.Stored(ms+"URL", d.URL)
	r.Stored(ms+"Username", d.Username)
	r.Stored(ms+"Password", d.Password)
	r.Stored(ms+"PeriodicInformEnable", strconv.FormatBool(!d.DisablePeriodicInform))
	r.Stored(ms+"PeriodicInformInterval", strconv.FormatUint(uint64(interval), 10))
	r.Stored(ms+"PeriodicInformTime", d.PeriodicInformTime)
	r.Stored(ms+"ParameterKey", "")
	r.Stored(ms+"ConnectionRequestURL", "")
	r.Stored(ms+"ConnectionRequestUsername", d.ConnectionRequestUsername)
	r.Stored(ms+"ConnectionRequestPassword", d.ConnectionRequestPassword)
	r.Stored(ms+"UpgradesManaged", "false")
	r.Stored(ms+"DefaultActiveNotificationThrottle", "0")
	r.Stored(ms+"CWMPRetryMinimumWaitInterval", strconv.FormatUint(uint64(minWait), 10))
	r.Stored(ms+"CWMPRetryIntervalMultiplier", strconv.FormatUint(uint64(mult), 10))
	r.Stored(ms+"HTTPConnectionRequestEnable", "true")
	r.Param(ms+"AliasBasedAddressing", Const("false"))
	r.Param(ms+"InstanceWildcardsSupported", Const("true"))
	r.Param(ms+"SupportedConnReqMethods", Const("HTTP"))

	r.Managed(ms+"InformParameter.{i}.", TableHooks{})
	r.Param(ms+"InformParameter.{i}.ParameterName", Stored("").Check(checkInformPattern))
	r.Param(ms+"InformParameter.{i}.EventList", Stored("").Check(checkInformEvents))
}

// checkInformPattern accepts a parameter name or partial path whose
// instance identifiers may be "*", as InformParameter.{i}.ParameterName
// requires, and rejects names the tree cannot have.
func checkInformPattern(_ context.Context, ix Index, v string) error {
	if v == "" {
		return nil
	}
	p, err := datamodel.ParsePath(v)
	if err != nil || p.HasAlias() || p.HasTemplate() {
		return errors.New("not a parameter name or pattern with * for instances")
	}
	if ix.t != nil && !ix.t.shapeExists(p) {
		return errors.New("names no supported parameter")
	}
	return nil
}

// checkInformEvents rejects "4 VALUE CHANGE", which the data model forbids
// in an InformParameter EventList.
func checkInformEvents(_ context.Context, _ Index, v string) error {
	// A slice loop, not strings.SplitSeq: range-over-func is a closure
	// and its state machine in the router build (no inlining).
	for _, item := range strings.Split(v, ",") {
		if cwmp.EventCode(strings.TrimSpace(item)) == eventValueChange {
			return errors.New(`"4 VALUE CHANGE" is not allowed in EventList`)
		}
	}
	return nil
}

// Identity is what the device says it is: from the build and the
// configuration (flags), never from the ACS.
type Identity struct {
	_               incomparable
	Manufacturer    string
	ManufacturerOUI string // six uppercase hex digits
	ModelName       string
	Description     string
	ProductClass    string
	SerialNumber    string
	HardwareVersion string
	SoftwareVersion string
	// ProvisioningCode is the factory value; the ACS may change it.
	ProvisioningCode string
}

// BindDeviceInfo binds the identity part of Device.DeviceInfo, persisted
// by the tree so that a value that differs from the previous run (a new
// SoftwareVersion after an upgrade) is reported like any other change,
// plus Device.RootDataModelVersion from the schema.
func BindDeviceInfo(r *Registry, id Identity) {
	const di = "Device.DeviceInfo."
	r.Param(di+"Manufacturer", Pinned(id.Manufacturer))
	r.Param(di+"ManufacturerOUI", Pinned(id.ManufacturerOUI))
	r.Param(di+"ModelName", Pinned(id.ModelName))
	if id.Description != "" {
		r.Param(di+"Description", Pinned(id.Description))
	}
	r.Param(di+"ProductClass", Pinned(id.ProductClass))
	r.Param(di+"SerialNumber", Pinned(id.SerialNumber))
	r.Param(di+"HardwareVersion", Pinned(id.HardwareVersion))
	r.Param(di+"SoftwareVersion", Pinned(id.SoftwareVersion))
	r.Stored(di+"ProvisioningCode", id.ProvisioningCode)
	r.Param("Device.RootDataModelVersion", Const(schemaVersion(r.schema)))
}
