// Package cwmp is the TR-069 (CWMP) message codec shared by the ACS and the
// CPE agent: the SOAP 1.1 envelope, every RPC of the cwmp-1-0 .. cwmp-1-4
// schemas in both directions, faults, event codes and version negotiation.
//
// # Design
//
// Decode parses with github.com/beevik/etree and walks the tree by hand,
// except for the message an ACS reads in every session: a plain Inform is
// read by a scanner of the XML subset CPEs send, without building a tree
// (scan.go; a few allocations instead of several hundred). Anything that
// scanner does not take, errors included, goes to the etree decoder, and
// a differential fuzz target holds the two to the same results;
// Encode writes straight to an io.Writer through a small buffered escaping
// writer, with no reflection and no tree, because encoding is the ACS's hot
// path (a GetParameterValues of hundreds of parameters per session, tens of
// thousands of sessions a minute). Every RPC is its own struct whose field
// names are the XSD element names; Body is implemented by pointers to them.
// The output puts one RPC argument or array member per line (a struct's
// fields on its line): diffable, and cheap for the peer to parse.
// Encoded messages follow the XSD sequences exactly and validate against the
// BBF schemas (the tests check this with xmllint).
//
// DecodeCPE and MarshalCPE (and EncodeCPE) are the entry points for a CPE,
// whose binary must stay small: the decoders and argument writers are
// kept per sending side (decode_methods.go, encode_side.go), and these
// reach only the half a CPE needs, so the linker drops the code that reads
// Informs and CPE responses and writes ACS requests. They give the same
// bytes and the same errors as Decode and Marshal for everything a CPE
// receives and sends; a message only a CPE sends decodes by name only.
//
// # Namespaces
//
// Elements are matched by namespace URI and local name, never by prefix.
// The envelope must be SOAP 1.1; the RPC element must be in one of
// urn:dslforum-org:cwmp-1-0 .. cwmp-1-4, and Envelope.Namespace records
// which. cwmp-1-3 and cwmp-1-4 are not BBF namespaces (CWMP 1.3 and 1.4 keep
// cwmp-1-2) but some stacks send them; they are accepted, and since Encode
// answers in Envelope.Namespace, a peer hears back the URN it used.
// DefaultNamespace (cwmp-1-2) is used when Namespace is empty.
//
// Each namespace carries only what its schema defines. SessionTimeout,
// SupportedCWMPVersions and UseCWMPVersion exist from cwmp-1-2 on;
// GetAllQueuedTransfers and AutonomousTransferComplete from cwmp-1-1;
// ScheduleDownload, CancelTransfer, ChangeDUState and the DU completion
// reports from cwmp-1-2. Encode refuses to put them into an older namespace
// (an error, nothing written) rather than emit invalid XML. Decode treats them
// the same way: such a header is an unknown header, such a method an unknown
// method. So whatever Decode accepts, Encode can write back.
//
// Version helpers: VersionOfNamespace, NamespaceOf, ParseVersionList
// (lenient: "1.0, 1.1"), HighestCommon, and Envelope.ImpliedVersion, which
// applies the negotiation rules (UseCWMPVersion, else SupportedCWMPVersions,
// else namespace, with SessionTimeout marking 1.3).
//
// # What is lenient
//
// Real devices send odd XML, so Decode accepts: any prefixes and default
// namespaces; an XML declaration or none; a UTF-8 byte-order mark;
// ISO-8859-1 declared as the encoding; argument children qualified or not
// (they are matched by local name); unknown children (skipped); missing
// children (zero values, Unknown Time for dateTimes; for the exceptions see
// below); booleans 0/1/true/false
// in any case with spaces around; numbers with spaces around or a leading
// "+" (an empty number is 0); soap-enc arrays with a missing or wrong
// arrayType and any member element names; a Value without xsi:type (a
// string); xsi:type with any prefix, including xsd:base64 and
// soap-enc:base64 for the base64 type; <CommandKey/> and
// <CommandKey></CommandKey> alike; unknown header elements unless they set
// mustUnderstand; the deprecated NoMoreRequests header; SOAP faultcodes with
// or without a prefix.
//
// Whitespace around names, keys, codes, numbers, booleans and dateTimes is
// trimmed; string Values, Username, Password and the header ID are kept
// verbatim.
//
// DateTimes are kept as the text on the wire (type DateTime) so that the
// Unknown Time and a device's UTC offset round-trip exactly; DateTime.Time
// parses them. An empty dateTime reads as the Unknown Time, and lower-case
// "t"/"z" separators are upper-cased.
//
// A SOAP Fault whose detail Fault is outside any cwmp namespace is still
// read (by local name) and the envelope's Namespace becomes
// DefaultNamespace, the one an answer would use.
//
// # What is strict
//
// Decode refuses, with a *DecodeError of the given Kind:
//
//   - KindMalformed: not well-formed XML, a DOCTYPE (SOAP forbids it; this
//     also shuts out entity tricks, and encoding/xml expands no entities
//     beyond the predefined five), nesting deeper than 32, an element with an
//     undeclared namespace prefix (on the envelope, header or RPC level), a
//     root other than a SOAP 1.1 Envelope, no Body, an empty Body, more than
//     one Body element, a number, boolean, dateTime or base64 value that
//     does not parse, a ChangeDUState operation without a known xsi:type, an
//     unsupported character encoding, and the missing elements whose absence
//     would change the message's meaning: an Inform's DeviceId, the
//     FaultCode of a Fault detail or a SetParameterValuesFault, the
//     FaultStruct (and its FaultCode) of TransferComplete and
//     AutonomousTransferComplete, and the Fault (and its FaultCode) of a DU
//     result — read as zero they would claim success. The message says what
//     and where ("Inform/RetryCount: ...").
//   - KindSOAP12: a SOAP 1.2 envelope.
//   - KindMustUnderstand: a header with mustUnderstand="1" (or "true") that is
//     unknown, or unknown in the message's namespace.
//   - KindUnknownMethod: a body element that is not a CWMP method of its
//     namespace; the method name is in the message.
//   - KindTooLarge, KindIO: from DecodeFrom, for an oversized body or a
//     failed read.
//
// Even on error Decode returns the Envelope as far as it got, header ID
// included, and DecodeError.ID repeats the ID.
//
// The fault to answer with: DecodeError.ACSFault gives 8003 for malformed,
// SOAP 1.2 and mustUnderstand errors, 8004 for too large, 8002 for I/O and
// 8000 for an unknown method; DecodeError.CPEFault gives 9003, 9004, 9002
// and 9000 likewise.
//
// # What Encode does not check
//
// Encode checks structure (which elements the namespace has, the body type,
// ChangeDUState operation types) but not value facets: string lengths,
// patterns such as the OUI or event code syntax, enumerations such as
// notification 3-6 in cwmp-1-0 or the fault codes an older schema lacks, and
// minimum array sizes are the caller's business. Values are written as
// given; only what XML 1.0 cannot carry becomes U+FFFD. Booleans are written
// as 1 and 0.
//
// # Generated code
//
// codes_gen.go (event codes, fault codes and texts, file types,
// notification values, transfer states, window modes, DU states) is generated
// from ../shared/datamodels by `go generate ./protocol/cwmp`; a test fails
// when it is stale.
package cwmp
