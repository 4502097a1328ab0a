// Package nstest holds the Linux platform's tests against a real kernel:
// each test creates a network namespace with a veth pair, runs the
// cpe-agent binary inside it with `ip netns exec`, and talks to it from a
// scripted ACS listening on the namespace's own loopback. Nothing leaves
// the namespace. They need root and a native kernel (not qemu-user), and
// skip with the reason otherwise; the fixture and parser tests live in
// package linux and run anywhere.
package nstest
