package cwmp

import "github.com/beevik/etree"

// methodSpec describes an RPC element: the schema generation that
// introduced it (10: cwmp-1-0, 11: cwmp-1-1, 12: cwmp-1-2) and its decoder.
type methodSpec struct {
	level  int
	decode func(*decoder, *etree.Element) Body
}

// methods lists every RPC element of the cwmp-1-0..1-4 schemas except the
// SOAP Fault, which lives in the SOAP namespace.
var methods = map[string]methodSpec{
	"GetRPCMethods":                           {10, decodeEmpty[GetRPCMethods]},
	"GetRPCMethodsResponse":                   {10, decodeGetRPCMethodsResponse},
	"SetParameterValues":                      {10, decodeSetParameterValues},
	"SetParameterValuesResponse":              {10, decodeSetParameterValuesResponse},
	"GetParameterValues":                      {10, decodeGetParameterValues},
	"GetParameterValuesResponse":              {10, decodeGetParameterValuesResponse},
	"GetParameterNames":                       {10, decodeGetParameterNames},
	"GetParameterNamesResponse":               {10, decodeGetParameterNamesResponse},
	"SetParameterAttributes":                  {10, decodeSetParameterAttributes},
	"SetParameterAttributesResponse":          {10, decodeEmpty[SetParameterAttributesResponse]},
	"GetParameterAttributes":                  {10, decodeGetParameterAttributes},
	"GetParameterAttributesResponse":          {10, decodeGetParameterAttributesResponse},
	"AddObject":                               {10, decodeAddObject},
	"AddObjectResponse":                       {10, decodeAddObjectResponse},
	"DeleteObject":                            {10, decodeDeleteObject},
	"DeleteObjectResponse":                    {10, decodeDeleteObjectResponse},
	"Download":                                {10, decodeDownload},
	"DownloadResponse":                        {10, decodeDownloadResponse},
	"Reboot":                                  {10, decodeReboot},
	"RebootResponse":                          {10, decodeEmpty[RebootResponse]},
	"GetQueuedTransfers":                      {10, decodeEmpty[GetQueuedTransfers]},
	"GetQueuedTransfersResponse":              {10, decodeGetQueuedTransfersResponse},
	"ScheduleInform":                          {10, decodeScheduleInform},
	"ScheduleInformResponse":                  {10, decodeEmpty[ScheduleInformResponse]},
	"SetVouchers":                             {10, decodeSetVouchers},
	"SetVouchersResponse":                     {10, decodeEmpty[SetVouchersResponse]},
	"GetOptions":                              {10, decodeGetOptions},
	"GetOptionsResponse":                      {10, decodeGetOptionsResponse},
	"Upload":                                  {10, decodeUpload},
	"UploadResponse":                          {10, decodeUploadResponse},
	"FactoryReset":                            {10, decodeEmpty[FactoryReset]},
	"FactoryResetResponse":                    {10, decodeEmpty[FactoryResetResponse]},
	"GetAllQueuedTransfers":                   {11, decodeEmpty[GetAllQueuedTransfers]},
	"GetAllQueuedTransfersResponse":           {11, decodeGetAllQueuedTransfersResponse},
	"ScheduleDownload":                        {12, decodeScheduleDownload},
	"ScheduleDownloadResponse":                {12, decodeEmpty[ScheduleDownloadResponse]},
	"CancelTransfer":                          {12, decodeCancelTransfer},
	"CancelTransferResponse":                  {12, decodeEmpty[CancelTransferResponse]},
	"ChangeDUState":                           {12, decodeChangeDUState},
	"ChangeDUStateResponse":                   {12, decodeEmpty[ChangeDUStateResponse]},
	"Inform":                                  {10, decodeInform},
	"InformResponse":                          {10, decodeInformResponse},
	"TransferComplete":                        {10, decodeTransferComplete},
	"TransferCompleteResponse":                {10, decodeEmpty[TransferCompleteResponse]},
	"AutonomousTransferComplete":              {11, decodeAutonomousTransferComplete},
	"AutonomousTransferCompleteResponse":      {11, decodeEmpty[AutonomousTransferCompleteResponse]},
	"Kicked":                                  {10, decodeKicked},
	"KickedResponse":                          {10, decodeKickedResponse},
	"RequestDownload":                         {10, decodeRequestDownload},
	"RequestDownloadResponse":                 {10, decodeEmpty[RequestDownloadResponse]},
	"DUStateChangeComplete":                   {12, decodeDUStateChangeComplete},
	"DUStateChangeCompleteResponse":           {12, decodeEmpty[DUStateChangeCompleteResponse]},
	"AutonomousDUStateChangeComplete":         {12, decodeAutonomousDUStateChangeComplete},
	"AutonomousDUStateChangeCompleteResponse": {12, decodeEmpty[AutonomousDUStateChangeCompleteResponse]},
}

// The decoders in decode_*.go share these rules: children are matched by
// local name only (they are unqualified, but qualified ones and a device's
// default namespace are accepted), unknown children are skipped, and a
// missing child leaves its zero value (Unknown Time for dateTimes), except
// the few that decoder.require insists on.

// decodeEmpty decodes an RPC without arguments; any children are ignored.
func decodeEmpty[T any, P interface {
	*T
	Body
}](*decoder, *etree.Element) Body {
	return P(new(T))
}
