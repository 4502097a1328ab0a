// Package e2e holds the ACS's end-to-end tests: real sim agents
// (cpe-agent/agent) and the real ACS (acs/server in-process, or `acs
// serve` as a child process) talking CWMP with Digest authentication over
// loopback, driven through the REST API with bearer tokens. It lives in
// testbench/ because only testbench may import both programs.
//
// The package has no code of its own outside its tests: what the tests
// share (an ACS harness, an API client, a recording CWMP proxy between
// agents and the ACS) is in _test.go files.
package e2e
