package cwmp

// Methods an ACS handles (TR-069 Annex A.3.3 and A.4.2), with their responses.

// Inform opens every session.
type Inform struct {
	DeviceId      DeviceIdStruct
	Event         []EventStruct
	MaxEnvelopes  uint32
	CurrentTime   DateTime
	RetryCount    uint32
	ParameterList []ParameterValueStruct
}

// InformResponse accepts the Inform; MaxEnvelopes is always 1.
type InformResponse struct{ MaxEnvelopes uint32 }

// TransferComplete reports the end of a Download, Upload or ScheduleDownload.
type TransferComplete struct {
	_            incomparable
	CommandKey   string
	FaultStruct  FaultStruct
	StartTime    DateTime
	CompleteTime DateTime
}

// TransferCompleteResponse is empty.
type TransferCompleteResponse struct{}

// AutonomousTransferComplete reports a transfer the ACS did not ask for (CWMP 1.1+).
type AutonomousTransferComplete struct {
	AnnounceURL    string
	TransferURL    string
	IsDownload     bool
	FileType       FileType
	FileSize       uint32
	TargetFileName string
	FaultStruct    FaultStruct
	StartTime      DateTime
	CompleteTime   DateTime
}

// AutonomousTransferCompleteResponse is empty.
type AutonomousTransferCompleteResponse struct{}

// Kicked is the deprecated web-portal kick.
type Kicked struct {
	Command string
	Referer string
	Arg     string
	Next    string
}

// KickedResponse tells the browser where to go.
type KickedResponse struct{ NextURL string }

// RequestDownload asks the ACS for a file.
type RequestDownload struct {
	FileType    FileType
	FileTypeArg []ArgStruct
}

// RequestDownloadResponse is empty.
type RequestDownloadResponse struct{}

func (*Inform) Method() string                     { return "Inform" }
func (*InformResponse) Method() string             { return "InformResponse" }
func (*TransferComplete) Method() string           { return "TransferComplete" }
func (*TransferCompleteResponse) Method() string   { return "TransferCompleteResponse" }
func (*AutonomousTransferComplete) Method() string { return "AutonomousTransferComplete" }
func (*AutonomousTransferCompleteResponse) Method() string {
	return "AutonomousTransferCompleteResponse"
}
func (*Kicked) Method() string                  { return "Kicked" }
func (*KickedResponse) Method() string          { return "KickedResponse" }
func (*RequestDownload) Method() string         { return "RequestDownload" }
func (*RequestDownloadResponse) Method() string { return "RequestDownloadResponse" }
