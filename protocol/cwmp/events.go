package cwmp

import (
	"strconv"
	"strings"
)

//go:generate go run gen_codes.go

// EventCode is the EventCode of an Inform's EventStruct, e.g. "1 BOOT" or
// "M Reboot". The schema-documented codes are generated into codes_gen.go.
type EventCode string

// EventHeartbeat is TR-069 Amendment 6's heartbeat event (Annex O). No XSD
// lists it (the schemas stop at 13 WAKEUP), so it is named here by hand.
const EventHeartbeat EventCode = "14 HEARTBEAT"

// MethodEvent returns the "M <method>" event that reports completion of a
// method invocation, e.g. MethodEvent("Reboot") == EventMReboot.
func MethodEvent(method string) EventCode { return EventCode("M " + method) }

// IsMethod reports whether the code is an "M <method>" event, which may
// repeat within one Inform (once per CommandKey).
func (c EventCode) IsMethod() bool { return strings.HasPrefix(string(c), "M ") }

// FileType is a Download, Upload, RequestDownload or transfer FileType, e.g.
// "1 Firmware Upgrade Image". Documented values are in codes_gen.go.
type FileType string

// FileTypeStoredFirmwareImage is Amendment 6's "store without activating"
// download type (Appendix V); the XSD pattern admits it but does not list it.
const FileTypeStoredFirmwareImage FileType = "6 Stored Firmware Image"

// UploadFileTypeVendorConfigurationFileInstance returns
// "3 Vendor Configuration File <i>", naming DeviceInfo.VendorConfigFile.{i}.
func UploadFileTypeVendorConfigurationFileInstance(i int) FileType {
	return FileType("3 Vendor Configuration File " + strconv.Itoa(i))
}

// UploadFileTypeVendorLogFileInstance returns "4 Vendor Log File <i>",
// naming DeviceInfo.VendorLogFile.{i}.
func UploadFileTypeVendorLogFileInstance(i int) FileType {
	return FileType("4 Vendor Log File " + strconv.Itoa(i))
}

// Notification is a parameter attribute notification value, 0-6 (values 3-6
// exist from CWMP 1.4 on). Named values are in codes_gen.go.
type Notification int

// TransferState is the State of a queued transfer: 1, 2 or 3.
type TransferState int

// TimeWindowMode is the WindowMode of a ScheduleDownload time window.
type TimeWindowMode string

// DUState is the CurrentState of a deployment unit after an operation.
type DUState string

// DUOperation is the OperationPerformed of an autonomous DU change.
type DUOperation string
