// Package datamodel knows the CWMP data models: parameter paths, the
// TR-106 data types and the TR-181 (Device:2.17) and TR-098
// (InternetGatewayDevice:1.14) schemas generated from the Broadband Forum
// XML, plus the device ID format shared by the ACS and the agent.
//
// # Paths
//
// ParsePath validates full parameter names, partial paths (ending in "."),
// instance numbers, "{i}" templates, alias segments ("[cpe-wan]") and
// instance wildcards ("*"), without allocating. Path.Template maps an
// instance path to the data-model name that defines it.
//
// # Schemas
//
// TR181 and TR098 decode an embedded, compressed schema on first use. The
// whole file is checked then, but nodes are built an object's children at a
// time when first reached, so a program that consults a small part of a
// schema (a CPE agent) keeps a small part of it in memory. Schema.Lookup
// finds the node of a template or instance path without allocating once
// the objects on its way are built; Node gives access, notification constraints, forced inform,
// hidden/secured/command flags, version, table limits and the type.
//
// # Values
//
// Type.Validate and Node.Validate check a value against its type and
// facets. Errors wrap ErrType (fault 9006: not of the type, or a declared
// xsi:type that does not match) or ErrValue (fault 9007: out of range, not
// enumerated, too long, no pattern matched); path errors wrap ErrPath
// (9005). FaultCode maps any of them to the fault code.
//
// # Regenerating
//
// The files in data/ are generated from ../shared/datamodels beside the
// repository root; after updating the XML run `go generate
// ./protocol/datamodel`. A test fails when they are out of date.
package datamodel

//go:generate go run ./internal/gen -out data
