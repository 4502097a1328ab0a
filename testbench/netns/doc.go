// Package netns holds the namespace acceptance tests of the support flow
// (issue 8): the real agent binary runs inside network namespaces the
// tests build, the real ACS drives it through the REST API, and the
// field engineer's page is probed from the LAN and the WAN side.
//
// The tests need root (CI runs as root) and iproute2. Every namespace,
// veth and process they make carries a random tag and is removed when
// the test ends; no packet leaves loopback and those namespaces, except
// on the one veth a test puts between the root namespace and its client
// namespace so the in-process ACS can reach the agent.
//
// Like testbench/e2e, the package has no code outside its tests.
package netns
