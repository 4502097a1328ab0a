package cwmp

import "github.com/beevik/etree"

// rpcSpec describes an RPC element: the schema generation that introduced
// it (10: cwmp-1-0, 11: cwmp-1-1, 12: cwmp-1-2) and which side sends it.
type rpcSpec struct {
	level  int
	sender side
}

// side is the peer that sends a message.
type side uint8

const (
	sentByCPE side = 1 << iota
	sentByACS
	sentByBoth = sentByCPE | sentByACS
)

// rpcTable lists every RPC element of the cwmp-1-0..1-4 schemas except the
// SOAP Fault, which lives in the SOAP namespace.
var rpcTable = map[string]rpcSpec{
	"GetRPCMethods":                           {10, sentByBoth},
	"GetRPCMethodsResponse":                   {10, sentByBoth},
	"SetParameterValues":                      {10, sentByACS},
	"SetParameterValuesResponse":              {10, sentByCPE},
	"GetParameterValues":                      {10, sentByACS},
	"GetParameterValuesResponse":              {10, sentByCPE},
	"GetParameterNames":                       {10, sentByACS},
	"GetParameterNamesResponse":               {10, sentByCPE},
	"SetParameterAttributes":                  {10, sentByACS},
	"SetParameterAttributesResponse":          {10, sentByCPE},
	"GetParameterAttributes":                  {10, sentByACS},
	"GetParameterAttributesResponse":          {10, sentByCPE},
	"AddObject":                               {10, sentByACS},
	"AddObjectResponse":                       {10, sentByCPE},
	"DeleteObject":                            {10, sentByACS},
	"DeleteObjectResponse":                    {10, sentByCPE},
	"Download":                                {10, sentByACS},
	"DownloadResponse":                        {10, sentByCPE},
	"Reboot":                                  {10, sentByACS},
	"RebootResponse":                          {10, sentByCPE},
	"GetQueuedTransfers":                      {10, sentByACS},
	"GetQueuedTransfersResponse":              {10, sentByCPE},
	"ScheduleInform":                          {10, sentByACS},
	"ScheduleInformResponse":                  {10, sentByCPE},
	"SetVouchers":                             {10, sentByACS},
	"SetVouchersResponse":                     {10, sentByCPE},
	"GetOptions":                              {10, sentByACS},
	"GetOptionsResponse":                      {10, sentByCPE},
	"Upload":                                  {10, sentByACS},
	"UploadResponse":                          {10, sentByCPE},
	"FactoryReset":                            {10, sentByACS},
	"FactoryResetResponse":                    {10, sentByCPE},
	"GetAllQueuedTransfers":                   {11, sentByACS},
	"GetAllQueuedTransfersResponse":           {11, sentByCPE},
	"ScheduleDownload":                        {12, sentByACS},
	"ScheduleDownloadResponse":                {12, sentByCPE},
	"CancelTransfer":                          {12, sentByACS},
	"CancelTransferResponse":                  {12, sentByCPE},
	"ChangeDUState":                           {12, sentByACS},
	"ChangeDUStateResponse":                   {12, sentByCPE},
	"Inform":                                  {10, sentByCPE},
	"InformResponse":                          {10, sentByACS},
	"TransferComplete":                        {10, sentByCPE},
	"TransferCompleteResponse":                {10, sentByACS},
	"AutonomousTransferComplete":              {11, sentByCPE},
	"AutonomousTransferCompleteResponse":      {11, sentByACS},
	"Kicked":                                  {10, sentByCPE},
	"KickedResponse":                          {10, sentByACS},
	"RequestDownload":                         {10, sentByCPE},
	"RequestDownloadResponse":                 {10, sentByACS},
	"DUStateChangeComplete":                   {12, sentByCPE},
	"DUStateChangeCompleteResponse":           {12, sentByACS},
	"AutonomousDUStateChangeComplete":         {12, sentByCPE},
	"AutonomousDUStateChangeCompleteResponse": {12, sentByACS},
}

// decodeFunc reads one RPC element's arguments.
type decodeFunc func(*decoder, *etree.Element) Body

// namedDecoder is a decoder table entry. The tables are arrays, not maps:
// a map of funcs is initialised by code, one insert per entry, and that
// code would keep every decoder alive whether or not it is ever looked
// up; an array of constants is static data the linker drops with its last
// user.
type namedDecoder struct {
	name   string
	decode decodeFunc
}

// findDecoder looks method up in a table; a linear scan of thirty entries
// costs nothing next to parsing the XML.
func findDecoder(table []namedDecoder, method string) (decodeFunc, bool) {
	for _, d := range table {
		if d.name == method {
			return d.decode, true
		}
	}
	return nil, false
}

// The decoders are kept in one table per sending side, so that a CPE's
// decoder (DecodeCPE) reaches only the ACS's messages and the router binary
// links none of the code that reads Informs and CPE responses.

// acsMessages decodes the messages an ACS sends (rpcTable entries sentByACS).
var acsMessages = [...]namedDecoder{
	{"GetRPCMethods", decodeNoArgs},
	{"GetRPCMethodsResponse", decodeGetRPCMethodsResponse},
	{"SetParameterValues", decodeSetParameterValues},
	{"GetParameterValues", decodeGetParameterValues},
	{"GetParameterNames", decodeGetParameterNames},
	{"SetParameterAttributes", decodeSetParameterAttributes},
	{"GetParameterAttributes", decodeGetParameterAttributes},
	{"AddObject", decodeAddObject},
	{"DeleteObject", decodeDeleteObject},
	{"Download", decodeDownload},
	{"Reboot", decodeReboot},
	{"GetQueuedTransfers", decodeNoArgs},
	{"ScheduleInform", decodeScheduleInform},
	{"SetVouchers", decodeSetVouchers},
	{"GetOptions", decodeGetOptions},
	{"Upload", decodeUpload},
	{"FactoryReset", decodeNoArgs},
	{"GetAllQueuedTransfers", decodeNoArgs},
	{"ScheduleDownload", decodeScheduleDownload},
	{"CancelTransfer", decodeCancelTransfer},
	{"ChangeDUState", decodeChangeDUState},
	{"InformResponse", decodeInformResponse},
	{"TransferCompleteResponse", decodeNoArgs},
	{"AutonomousTransferCompleteResponse", decodeNoArgs},
	{"KickedResponse", decodeKickedResponse},
	{"RequestDownloadResponse", decodeNoArgs},
	{"DUStateChangeCompleteResponse", decodeNoArgs},
	{"AutonomousDUStateChangeCompleteResponse", decodeNoArgs},
}

// cpeMessages decodes the messages a CPE sends (rpcTable entries sentByCPE).
var cpeMessages = [...]namedDecoder{
	{"GetRPCMethods", decodeNoArgs},
	{"GetRPCMethodsResponse", decodeGetRPCMethodsResponse},
	{"SetParameterValuesResponse", decodeSetParameterValuesResponse},
	{"GetParameterValuesResponse", decodeGetParameterValuesResponse},
	{"GetParameterNamesResponse", decodeGetParameterNamesResponse},
	{"SetParameterAttributesResponse", decodeNoArgs},
	{"GetParameterAttributesResponse", decodeGetParameterAttributesResponse},
	{"AddObjectResponse", decodeAddObjectResponse},
	{"DeleteObjectResponse", decodeDeleteObjectResponse},
	{"DownloadResponse", decodeDownloadResponse},
	{"RebootResponse", decodeNoArgs},
	{"GetQueuedTransfersResponse", decodeGetQueuedTransfersResponse},
	{"ScheduleInformResponse", decodeNoArgs},
	{"SetVouchersResponse", decodeNoArgs},
	{"GetOptionsResponse", decodeGetOptionsResponse},
	{"UploadResponse", decodeUploadResponse},
	{"FactoryResetResponse", decodeNoArgs},
	{"GetAllQueuedTransfersResponse", decodeGetAllQueuedTransfersResponse},
	{"ScheduleDownloadResponse", decodeNoArgs},
	{"CancelTransferResponse", decodeNoArgs},
	{"ChangeDUStateResponse", decodeNoArgs},
	{"Inform", decodeInform},
	{"TransferComplete", decodeTransferComplete},
	{"AutonomousTransferComplete", decodeAutonomousTransferComplete},
	{"Kicked", decodeKicked},
	{"RequestDownload", decodeRequestDownload},
	{"DUStateChangeComplete", decodeDUStateChangeComplete},
	{"AutonomousDUStateChangeComplete", decodeAutonomousDUStateChangeComplete},
}

// The decoders in decode_*.go share these rules: children are matched by
// local name only (they are unqualified, but qualified ones and a device's
// default namespace are accepted), unknown children are skipped, and a
// missing child leaves its zero value (Unknown Time for dateTimes), except
// the few that decoder.require insists on.

// decodeNoArgs decodes an RPC without arguments; any children are ignored.
// The Body is the shared value of its type from noArgBodies (all of them
// are empty structs, whose values are indistinguishable): one function
// where a generic one had an instantiation per type in the binary.
func decodeNoArgs(_ *decoder, el *etree.Element) Body {
	for _, b := range noArgBodies {
		if b.Method() == el.Tag {
			return b
		}
	}
	return nil // not reached: the tables list only these methods here
}

// noArgBodies are the RPCs without arguments.
var noArgBodies = [...]Body{
	&GetRPCMethods{},
	&GetQueuedTransfers{},
	&FactoryReset{},
	&GetAllQueuedTransfers{},
	&TransferCompleteResponse{},
	&AutonomousTransferCompleteResponse{},
	&RequestDownloadResponse{},
	&DUStateChangeCompleteResponse{},
	&AutonomousDUStateChangeCompleteResponse{},
	&SetParameterAttributesResponse{},
	&RebootResponse{},
	&ScheduleInformResponse{},
	&SetVouchersResponse{},
	&FactoryResetResponse{},
	&ScheduleDownloadResponse{},
	&CancelTransferResponse{},
	&ChangeDUStateResponse{},
}
