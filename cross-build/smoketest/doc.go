// Package smoketest runs the release builds of the router agent under
// qemu-user against the project's real ACS: each must complete Inform
// sessions and answer a GetParameterValues issued through the REST API.
// Everything is in its test; it talks only to 127.0.0.1.
package smoketest
