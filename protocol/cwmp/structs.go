package cwmp

// Structures shared by several RPCs. Field names are the XSD element names.

// ParameterValueStruct is one parameter and its value.
type ParameterValueStruct struct {
	_     incomparable
	Name  string
	Value string
	// Type is the local name of the value's xsi:type: "string",
	// "unsignedInt", "int", "long", "unsignedLong", "boolean", "dateTime",
	// "base64", "hexBinary", ... Empty encodes as "string"; a missing xsi:type
	// decodes as "string". TR-069 calls the base64 type "base64": it is
	// encoded as xsd:base64Binary (the XML Schema type, so the message
	// validates), and xsd:base64Binary, xsd:base64 and soap-enc:base64 all
	// decode as "base64".
	Type string
}

// DeviceIdStruct identifies the CPE in an Inform.
type DeviceIdStruct struct {
	Manufacturer string
	OUI          string
	ProductClass string
	SerialNumber string
}

// EventStruct is one Inform event.
type EventStruct struct {
	_          incomparable
	EventCode  EventCode
	CommandKey string
}

// ParameterInfoStruct is one GetParameterNamesResponse entry.
type ParameterInfoStruct struct {
	Name     string
	Writable bool
}

// SetParameterAttributesStruct is one SetParameterAttributes entry.
type SetParameterAttributesStruct struct {
	Name               string
	NotificationChange bool
	Notification       Notification
	AccessListChange   bool
	AccessList         []string
}

// ParameterAttributeStruct is one GetParameterAttributesResponse entry.
type ParameterAttributeStruct struct {
	Name         string
	Notification Notification
	AccessList   []string
}

// FaultStruct reports the outcome of a transfer in TransferComplete and
// AutonomousTransferComplete; FaultCode 0 means success.
type FaultStruct struct {
	_           incomparable
	FaultCode   FaultCode
	FaultString string
}

// QueuedTransferStruct is one GetQueuedTransfersResponse entry.
type QueuedTransferStruct struct {
	_          incomparable
	CommandKey string
	State      TransferState
}

// AllQueuedTransferStruct is one GetAllQueuedTransfersResponse entry.
type AllQueuedTransferStruct struct {
	_              incomparable
	CommandKey     string
	State          TransferState
	IsDownload     bool
	FileType       FileType
	FileSize       uint32
	TargetFileName string
}

// TimeWindowStruct is one ScheduleDownload window; times are seconds from
// the request.
type TimeWindowStruct struct {
	_           incomparable
	WindowStart uint32
	WindowEnd   uint32
	WindowMode  TimeWindowMode
	UserMessage string
	MaxRetries  int32
}

// ArgStruct is one RequestDownload FileTypeArg entry.
type ArgStruct struct {
	Name  string
	Value string
}

// OptionStruct is one GetOptionsResponse entry.
type OptionStruct struct {
	OptionName     string
	VoucherSN      uint32
	State          uint32
	Mode           int32
	StartDate      DateTime
	ExpirationDate DateTime // optional: empty is not encoded
	IsTransferable int32
}
