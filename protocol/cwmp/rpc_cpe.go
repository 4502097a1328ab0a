package cwmp

// Methods a CPE handles (TR-069 Annex A.3.2 and A.4.1), with their
// responses, plus GetRPCMethods, which both sides handle.

// GetRPCMethods asks the peer which RPCs it supports.
type GetRPCMethods struct{}

// GetRPCMethodsResponse lists the supported RPCs.
type GetRPCMethodsResponse struct{ MethodList []string }

// SetParameterValues writes parameters atomically.
type SetParameterValues struct {
	ParameterList []ParameterValueStruct
	ParameterKey  string
}

// SetParameterValuesResponse: Status 0 applied, 1 committed but not yet applied.
type SetParameterValuesResponse struct{ Status int32 }

// GetParameterValues reads parameters or partial paths.
type GetParameterValues struct{ ParameterNames []string }

// GetParameterValuesResponse carries the values read.
type GetParameterValuesResponse struct{ ParameterList []ParameterValueStruct }

// GetParameterNames discovers the data model below ParameterPath.
type GetParameterNames struct {
	_             incomparable
	ParameterPath string
	NextLevel     bool
}

// GetParameterNamesResponse lists names and writability.
type GetParameterNamesResponse struct{ ParameterList []ParameterInfoStruct }

// SetParameterAttributes changes notification and access-list attributes.
type SetParameterAttributes struct {
	ParameterList []SetParameterAttributesStruct
}

// SetParameterAttributesResponse is empty.
type SetParameterAttributesResponse struct{}

// GetParameterAttributes reads attributes.
type GetParameterAttributes struct{ ParameterNames []string }

// GetParameterAttributesResponse carries the attributes read.
type GetParameterAttributesResponse struct {
	ParameterList []ParameterAttributeStruct
}

// AddObject creates a table instance.
type AddObject struct {
	_            incomparable
	ObjectName   string
	ParameterKey string
}

// AddObjectResponse returns the new instance number.
type AddObjectResponse struct {
	InstanceNumber uint32
	Status         int32
}

// DeleteObject removes a table instance.
type DeleteObject struct {
	_            incomparable
	ObjectName   string
	ParameterKey string
}

// DeleteObjectResponse reports the status.
type DeleteObjectResponse struct{ Status int32 }

// Download asks the CPE to fetch and apply a file.
type Download struct {
	_              incomparable
	CommandKey     string
	FileType       FileType
	URL            string
	Username       string
	Password       string
	FileSize       uint32
	TargetFileName string
	DelaySeconds   uint32
	SuccessURL     string
	FailureURL     string
}

// DownloadResponse: Status 0 done (times set), 1 pending (Unknown Times).
type DownloadResponse struct {
	_            incomparable
	Status       int32
	StartTime    DateTime
	CompleteTime DateTime
}

// Reboot asks the CPE to reboot after the session.
type Reboot struct{ CommandKey string }

// RebootResponse is empty.
type RebootResponse struct{}

// GetQueuedTransfers lists transfers the ACS requested (deprecated).
type GetQueuedTransfers struct{}

// GetQueuedTransfersResponse carries at most 16 transfers.
type GetQueuedTransfersResponse struct{ TransferList []QueuedTransferStruct }

// ScheduleInform asks for an Inform DelaySeconds from now.
type ScheduleInform struct {
	_            incomparable
	DelaySeconds uint32
	CommandKey   string
}

// ScheduleInformResponse is empty.
type ScheduleInformResponse struct{}

// SetVouchers installs option vouchers (legacy). Each voucher is the
// decoded content of one soap-enc:base64 element.
type SetVouchers struct{ VoucherList [][]byte }

// SetVouchersResponse is empty.
type SetVouchersResponse struct{}

// GetOptions reads option states (legacy).
type GetOptions struct{ OptionName string }

// GetOptionsResponse lists options.
type GetOptionsResponse struct{ OptionList []OptionStruct }

// Upload asks the CPE to send a file.
type Upload struct {
	_            incomparable
	CommandKey   string
	FileType     FileType
	URL          string
	Username     string
	Password     string
	DelaySeconds uint32
}

// UploadResponse mirrors DownloadResponse.
type UploadResponse struct {
	_            incomparable
	Status       int32
	StartTime    DateTime
	CompleteTime DateTime
}

// FactoryReset asks the CPE to reset after the session.
type FactoryReset struct{}

// FactoryResetResponse is empty.
type FactoryResetResponse struct{}

// GetAllQueuedTransfers lists every transfer, autonomous ones included (CWMP 1.1+).
type GetAllQueuedTransfers struct{}

// GetAllQueuedTransfersResponse carries at most 16 transfers.
type GetAllQueuedTransfersResponse struct {
	TransferList []AllQueuedTransferStruct
}

// ScheduleDownload is a Download within one or two time windows (CWMP 1.2+).
type ScheduleDownload struct {
	CommandKey     string
	FileType       FileType
	URL            string
	Username       string
	Password       string
	FileSize       uint32
	TargetFileName string
	TimeWindowList []TimeWindowStruct
}

// ScheduleDownloadResponse is empty.
type ScheduleDownloadResponse struct{}

// CancelTransfer cancels a queued transfer (CWMP 1.2+).
type CancelTransfer struct{ CommandKey string }

// CancelTransferResponse is empty.
type CancelTransferResponse struct{}

func (*GetRPCMethods) Method() string                  { return "GetRPCMethods" }
func (*GetRPCMethodsResponse) Method() string          { return "GetRPCMethodsResponse" }
func (*SetParameterValues) Method() string             { return "SetParameterValues" }
func (*SetParameterValuesResponse) Method() string     { return "SetParameterValuesResponse" }
func (*GetParameterValues) Method() string             { return "GetParameterValues" }
func (*GetParameterValuesResponse) Method() string     { return "GetParameterValuesResponse" }
func (*GetParameterNames) Method() string              { return "GetParameterNames" }
func (*GetParameterNamesResponse) Method() string      { return "GetParameterNamesResponse" }
func (*SetParameterAttributes) Method() string         { return "SetParameterAttributes" }
func (*SetParameterAttributesResponse) Method() string { return "SetParameterAttributesResponse" }
func (*GetParameterAttributes) Method() string         { return "GetParameterAttributes" }
func (*GetParameterAttributesResponse) Method() string { return "GetParameterAttributesResponse" }
func (*AddObject) Method() string                      { return "AddObject" }
func (*AddObjectResponse) Method() string              { return "AddObjectResponse" }
func (*DeleteObject) Method() string                   { return "DeleteObject" }
func (*DeleteObjectResponse) Method() string           { return "DeleteObjectResponse" }
func (*Download) Method() string                       { return "Download" }
func (*DownloadResponse) Method() string               { return "DownloadResponse" }
func (*Reboot) Method() string                         { return "Reboot" }
func (*RebootResponse) Method() string                 { return "RebootResponse" }
func (*GetQueuedTransfers) Method() string             { return "GetQueuedTransfers" }
func (*GetQueuedTransfersResponse) Method() string     { return "GetQueuedTransfersResponse" }
func (*ScheduleInform) Method() string                 { return "ScheduleInform" }
func (*ScheduleInformResponse) Method() string         { return "ScheduleInformResponse" }
func (*SetVouchers) Method() string                    { return "SetVouchers" }
func (*SetVouchersResponse) Method() string            { return "SetVouchersResponse" }
func (*GetOptions) Method() string                     { return "GetOptions" }
func (*GetOptionsResponse) Method() string             { return "GetOptionsResponse" }
func (*Upload) Method() string                         { return "Upload" }
func (*UploadResponse) Method() string                 { return "UploadResponse" }
func (*FactoryReset) Method() string                   { return "FactoryReset" }
func (*FactoryResetResponse) Method() string           { return "FactoryResetResponse" }
func (*GetAllQueuedTransfers) Method() string          { return "GetAllQueuedTransfers" }
func (*GetAllQueuedTransfersResponse) Method() string  { return "GetAllQueuedTransfersResponse" }
func (*ScheduleDownload) Method() string               { return "ScheduleDownload" }
func (*ScheduleDownloadResponse) Method() string       { return "ScheduleDownloadResponse" }
func (*CancelTransfer) Method() string                 { return "CancelTransfer" }
func (*CancelTransferResponse) Method() string         { return "CancelTransferResponse" }
