//go:build linux

package linux

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gatewarden/cpe-agent/internal/model"
)

// The rtnetlink code against a real kernel, in a network namespace of
// its own. GW_NL_CAPTURE=1 also writes the messages the kernel sent as
// seeds of the parsers' fuzz targets (testdata/fuzz).

var liveSeq atomic.Int32

// requireNetns skips unless the test can make namespaces on a native
// kernel: root, not under qemu-user (which cannot dump links for every
// target), iproute2 installed. CI runs the tests as root natively.
func requireNetns(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace tests need root (CI runs them as root)")
	}
	if emulated() {
		t.Skip("running under qemu-user: namespace tests run natively only")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2 (ip) is missing: run testbench/setup.sh")
	}
}

// emulated reports whether this binary runs under user-mode emulation:
// its architecture differs from the host's own shell.
func emulated() bool {
	f, err := elf.Open("/bin/sh")
	if err != nil {
		return false
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "386": elf.EM_386, "arm64": elf.EM_AARCH64,
		"arm": elf.EM_ARM, "mips": elf.EM_MIPS, "mipsle": elf.EM_MIPS, "riscv64": elf.EM_RISCV}
	m, ok := want[runtime.GOARCH]
	return ok && f.Machine != m
}

type liveNS struct {
	t    *testing.T
	name string
}

// newLiveNS makes a namespace with lo up, a veth pair gw0/gw1 (gw1 a
// port of bridge br0) and a second pair dm0/dm1 left down; t.Cleanup
// deletes it.
func newLiveNS(t *testing.T) *liveNS {
	t.Helper()
	n := &liveNS{t: t, name: fmt.Sprintf("gwnl-%d-%d", os.Getpid(), liveSeq.Add(1))}
	if out, err := exec.Command("ip", "netns", "add", n.name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.name).Run() })
	n.batch(`link set lo up
link add gw0 type veth peer name gw1
link add br0 type bridge
link set gw1 master br0
link add dm0 type veth peer name dm1
link set gw0 up
link set gw1 up
link set br0 up`)
	return n
}

func (n *liveNS) ip(args ...string) string {
	n.t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", n.name}, args...)...).CombinedOutput()
	if err != nil {
		n.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// batch runs `ip -batch` commands, one a line.
func (n *liveNS) batch(cmds string) {
	n.t.Helper()
	cmd := exec.Command("ip", "-n", n.name, "-batch", "-")
	cmd.Stdin = strings.NewReader(cmds + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		n.t.Fatalf("ip -batch: %v\n%s", err, out)
	}
}

// inside runs fn on a thread switched into the namespace: sockets fn
// opens stay in the namespace. The thread is never switched back; it
// ends with its goroutine.
func (n *liveNS) inside(fn func() error) {
	n.t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open("/run/netns/"+n.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		errc <- fn()
	}()
	if err := <-errc; err != nil {
		n.t.Fatal(err)
	}
}

func (n *liveNS) rtnl() *rtnl {
	var r *rtnl
	n.inside(func() (err error) { r, err = openRtnl(); return err })
	n.t.Cleanup(r.close)
	return r
}

// subscribe opens an event socket in the namespace that gives up a
// read after a few seconds.
func (n *liveNS) subscribe(groups ...uint) *nlSocket {
	var s *nlSocket
	n.inside(func() (err error) { s, err = openNetlink(groups...); return err })
	n.t.Cleanup(s.Close)
	return s
}

// capture keeps a kernel message as a fuzz seed when GW_NL_CAPTURE=1.
func capture(t *testing.T, target, name string, body []byte) {
	if os.Getenv("GW_NL_CAPTURE") != "1" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", body)
	if err := os.WriteFile(filepath.Join(dir, "kernel-"+name), []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ifindex(t *testing.T, ls []linkInfo, name string) linkInfo {
	t.Helper()
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no link %s in %+v", name, ls)
	return linkInfo{}
}

func TestRtnlLinks(t *testing.T) {
	requireNetns(t)
	ns := newLiveNS(t)
	r := ns.rtnl()
	ls, err := r.links()
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 6 {
		t.Errorf("%d links, want lo gw0 gw1 br0 dm0 dm1: %+v", len(ls), ls)
	}
	lo, gw0, gw1, br0, dm0 := ifindex(t, ls, "lo"), ifindex(t, ls, "gw0"), ifindex(t, ls, "gw1"), ifindex(t, ls, "br0"), ifindex(t, ls, "dm0")
	if lo.Type != "device" || lo.Encap != "loopback" || !lo.AdminUp || lo.MTU != 65536 || lo.MAC != "00:00:00:00:00:00" {
		t.Errorf("lo: %+v", lo)
	}
	_, after, _ := strings.Cut(ns.ip("-o", "link", "show", "gw0"), "link/ether ")
	mac := strings.ToUpper(strings.Fields(after)[0])
	if gw0.Type != "veth" || gw0.Encap != "ether" || gw0.MAC != mac || gw0.MTU != 1500 || !gw0.AdminUp || gw0.Master != 0 {
		t.Errorf("gw0 (MAC %s): %+v", mac, gw0)
	}
	if gw1.Master != br0.Index || br0.Type != "bridge" || !gw1.isEthernet(false) || gw1.isIPInterface() {
		t.Errorf("gw1 %+v in br0 %+v", gw1, br0)
	}
	if dm0.Type != "veth" || dm0.AdminUp || dm0.Oper != "down" || dm0.status() != "Down" {
		t.Errorf("dm0: %+v", dm0)
	}
	// veth's operstate follows its peer; both are up, though the kernel
	// may take a moment (linkwatch) to say so.
	for deadline := time.Now().Add(5 * time.Second); gw0.Oper != "up" && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if gw0, err = r.linkByName("gw0"); err != nil {
			t.Fatal(err)
		}
	}
	if gw0.Oper != "up" || gw0.status() != "Up" {
		t.Errorf("gw0 operstate %q, status %q", gw0.Oper, gw0.status())
	}

	if got, err := r.linkByName("gw0"); err != nil || !reflect.DeepEqual(got, gw0) {
		t.Errorf("linkByName(gw0) = %+v, %v; want %+v", got, err, gw0)
	}
	if _, err := r.linkByName("nope0"); !errors.Is(err, errGone) {
		t.Errorf("linkByName(nope0): %v, want errGone", err)
	}

	if err := r.setLinkUp("dm0", true); err != nil {
		t.Fatal(err)
	}
	if out := ns.ip("-o", "link", "show", "dm0"); !strings.Contains(out, ",UP") {
		t.Errorf("dm0 after setLinkUp: %s", out)
	}
	if err := r.setLinkUp("dm0", false); err != nil {
		t.Fatal(err)
	}
	if out := ns.ip("-o", "link", "show", "dm0"); strings.Contains(out, ",UP") {
		t.Errorf("dm0 after setLinkUp false: %s", out)
	}
	if err := r.setLinkMTU("gw0", 1400); err != nil {
		t.Fatal(err)
	}
	if out := ns.ip("-o", "link", "show", "gw0"); !strings.Contains(out, "mtu 1400 ") {
		t.Errorf("gw0 after setLinkMTU: %s", out)
	}
	if err := r.setLinkMTU("gw0", 10); !errors.Is(err, unix.EINVAL) {
		t.Errorf("MTU 10: %v, want EINVAL", err)
	}
	if err := r.setLinkUp("nope0", true); !errors.Is(err, errGone) {
		t.Errorf("setLinkUp(nope0): %v, want errGone", err)
	}

	ls, err = r.links()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		for _, m := range linkMsgsOf(t, r, l.Name) {
			capture(t, "FuzzParseLink", l.Name, m)
		}
	}
}

// linkMsgsOf fetches a link's raw RTM_NEWLINK.
func linkMsgsOf(t *testing.T, r *rtnl, name string) [][]byte {
	msgs, err := r.s.exec(unix.RTM_GETLINK, 0, byName(ifInfoHdr(0, 0), name), unix.RTM_NEWLINK)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestRtnlAddrs(t *testing.T) {
	requireNetns(t)
	ns := newLiveNS(t)
	r := ns.rtnl()
	ns.batch(`addr add 10.99.0.1/24 dev gw0
addr add 10.98.0.1/24 dev gw0 valid_lft 300 preferred_lft 200
addr add 10.99.5.5 peer 10.99.5.1/32 dev gw0
addr add fd00::1/64 dev gw0 nodad`)
	gw0, err := r.linkByName("gw0")
	if err != nil {
		t.Fatal(err)
	}
	k := &netlinkKernel{r}
	v4, err := k.addrs("gw0", 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []kernelAddr{
		{IP: netip.MustParseAddr("10.99.0.1"), Prefix: 24, Flags: unix.IFA_F_PERMANENT},
		{IP: netip.MustParseAddr("10.98.0.1"), Prefix: 24, Dynamic: true},
		{IP: netip.MustParseAddr("10.99.5.5"), Prefix: 32, Flags: unix.IFA_F_PERMANENT},
	}
	if fmt.Sprint(v4) != fmt.Sprint(want) {
		t.Errorf("IPv4 on gw0:\n got %+v\nwant %+v", v4, want)
	}
	v6, err := k.addrs("gw0", 6)
	if err != nil {
		t.Fatal(err)
	}
	var got6 []string
	for _, a := range v6 {
		got6 = append(got6, netip.PrefixFrom(a.IP, a.Prefix).String())
	}
	if !strings.Contains(strings.Join(got6, " "), "fd00::1/64") || !strings.Contains(strings.Join(got6, " "), "fe80::") {
		t.Errorf("IPv6 on gw0: %v", got6)
	}
	if as, err := k.addrs("nope0", 4); err != nil || len(as) != 0 {
		t.Errorf("addresses of a missing link: %v, %v", as, err)
	}

	p := netip.MustParsePrefix("10.97.1.1/16")
	if err := r.addAddr(gw0.Index, p); err != nil {
		t.Fatal(err)
	}
	if out := ns.ip("-4", "-o", "addr", "show", "dev", "gw0"); !strings.Contains(out, "inet 10.97.1.1/16 brd 10.97.255.255 scope global gw0") {
		t.Errorf("after addAddr:\n%s", out)
	}
	if err := r.addAddr(gw0.Index, p); !errors.Is(err, unix.EEXIST) {
		t.Errorf("adding it again: %v, want EEXIST", err)
	}
	if err := r.delAddr(gw0.Index, p); err != nil {
		t.Fatal(err)
	}
	if out := ns.ip("-4", "-o", "addr", "show", "dev", "gw0"); strings.Contains(out, "10.97.1.1") {
		t.Errorf("after delAddr:\n%s", out)
	}
	if err := r.delAddr(gw0.Index, p); !errors.Is(err, unix.EADDRNOTAVAIL) {
		t.Errorf("deleting it again: %v, want EADDRNOTAVAIL", err)
	}
	p6 := netip.MustParsePrefix("fd00:1::9/64")
	if err := r.addAddr(gw0.Index, p6); err != nil {
		t.Fatal(err)
	}
	if out := ns.ip("-6", "-o", "addr", "show", "dev", "gw0"); !strings.Contains(out, "inet6 fd00:1::9/64") {
		t.Errorf("after addAddr v6:\n%s", out)
	}

	for _, fam := range []int{unix.AF_INET, unix.AF_INET6} {
		msgs, err := r.dump(unix.RTM_GETADDR, unix.RTM_NEWADDR, ifAddrHdr(fam, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range msgs {
			capture(t, "FuzzParseAddr", fmt.Sprintf("af%d-%d", fam, i), m)
		}
	}
}

func TestRtnlRoutes(t *testing.T) {
	requireNetns(t)
	ns := newLiveNS(t)
	r := ns.rtnl()
	ns.batch(`addr add 10.99.0.1/24 dev gw0
addr add 10.88.0.1/24 dev br0
route add 10.50.0.0/16 via 10.99.0.254 dev gw0 metric 7
route add 10.60.0.0/16 dev gw0 table 100
route add 2001:db8::/32 dev gw0`)
	gw0, err := r.linkByName("gw0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Platform{nl: r}
	if a := p.WANAddress(); a != "" {
		t.Errorf("WANAddress without a default route: %q", a)
	}
	rs, err := r.routes4()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rt := range rs {
		got = append(got, fmt.Sprintf("%s gw %s oif %d metric %d proto %d", rt.Dst, rt.Gw, rt.OIF, rt.Metric, rt.Protocol))
	}
	wantRoute := fmt.Sprintf("10.50.0.0/16 gw 10.99.0.254 oif %d metric 7 proto %d", gw0.Index, unix.RTPROT_BOOT)
	if !strings.Contains(strings.Join(got, "\n"), wantRoute) || len(rs) != 3 {
		t.Errorf("main-table IPv4 routes (want the two subnets and %s):\n%s", wantRoute, strings.Join(got, "\n"))
	}

	ns.ip("route", "add", "default", "via", "10.88.0.254", "dev", "br0")
	if a := p.WANAddress(); a != "10.88.0.1" {
		t.Errorf("WANAddress = %q, want br0's 10.88.0.1", a)
	}

	via := staticRoute4{Dst: netip.MustParsePrefix("172.16.0.0/12"), Gw: netip.MustParseAddr("10.99.0.254"), OIF: gw0.Index, Metric: 5}
	onLink := staticRoute4{Dst: netip.MustParsePrefix("172.17.0.0/16"), Gw: netip.IPv4Unspecified(), OIF: gw0.Index}
	for _, rt := range []staticRoute4{via, onLink} {
		if err := r.addRoute4(rt); err != nil {
			t.Fatalf("adding %v: %v", rt, err)
		}
		if err := r.addRoute4(rt); !errors.Is(err, unix.EEXIST) {
			t.Errorf("adding %v again: %v, want EEXIST", rt, err)
		}
	}
	out := ns.ip("-4", "route", "show")
	for _, w := range []string{"172.16.0.0/12 via 10.99.0.254 dev gw0 proto static metric 5", "172.17.0.0/16 dev gw0 proto static scope link"} {
		if !strings.Contains(out, w) {
			t.Errorf("no %q in\n%s", w, out)
		}
	}
	for _, rt := range []staticRoute4{via, onLink} {
		if err := r.delRoute4(rt); err != nil {
			t.Errorf("deleting %v: %v", rt, err)
		}
		if err := r.delRoute4(rt); !errors.Is(err, unix.ESRCH) {
			t.Errorf("deleting %v again: %v, want ESRCH", rt, err)
		}
	}
	if out := ns.ip("-4", "route", "show"); strings.Contains(out, "172.1") {
		t.Errorf("after delRoute4:\n%s", out)
	}
	unreachable := staticRoute4{Dst: netip.MustParsePrefix("172.18.0.0/16"), Gw: netip.MustParseAddr("192.0.2.1"), OIF: gw0.Index}
	if err := r.addRoute4(unreachable); !errors.Is(err, unix.ENETUNREACH) {
		t.Errorf("a gateway off the link: %v, want ENETUNREACH", err)
	}

	for _, fam := range []int{unix.AF_INET, unix.AF_INET6} {
		hdr := make([]byte, unix.SizeofRtMsg)
		hdr[0] = uint8(fam)
		msgs, err := r.dump(unix.RTM_GETROUTE, unix.RTM_NEWROUTE, hdr)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range msgs {
			capture(t, "FuzzParseRoute", fmt.Sprintf("af%d-%d", fam, i), m)
		}
	}
}

// receive reads the event socket until want accepts a message.
func receive(t *testing.T, s *nlSocket, what string, want func(typ uint16, body []byte) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs, _, err := s.receive(time.Now().Add(5 * time.Second))
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		for _, m := range msgs {
			if want(m.Header.Type, m.Data) {
				return
			}
		}
	}
	t.Fatalf("no %s", what)
}

// The subscription's groups carry what the platform turns into checks.
func TestRtnlEvents(t *testing.T) {
	requireNetns(t)
	ns := newLiveNS(t)
	s := ns.subscribe(eventGroups...)
	ns.ip("link", "set", "gw0", "down")
	receive(t, s, "gw0 going down", func(typ uint16, b []byte) bool {
		li, err := parseLink(b)
		return typ == unix.RTM_NEWLINK && err == nil && li.Name == "gw0" && !li.AdminUp && eventPaths(typ, b) != nil
	})
	ns.ip("link", "set", "gw0", "up")
	ns.ip("addr", "add", "10.99.0.1/24", "dev", "gw0")
	receive(t, s, "the new address", func(typ uint16, b []byte) bool {
		a, err := parseAddr(b)
		return typ == unix.RTM_NEWADDR && err == nil && a.IP.String() == "10.99.0.1" && a.Prefix == 24
	})
	ns.ip("route", "add", "10.50.0.0/16", "via", "10.99.0.254")
	receive(t, s, "the new route", func(typ uint16, b []byte) bool {
		rt, err := parseRoute(b)
		return typ == unix.RTM_NEWROUTE && err == nil && rt.Dst.String() == "10.50.0.0/16" && len(eventPaths(typ, b)) > 0
	})
	ns.ip("link", "del", "dm0")
	receive(t, s, "dm0's removal", func(typ uint16, b []byte) bool {
		li, err := parseLink(b)
		if typ == unix.RTM_DELLINK {
			capture(t, "FuzzParseLink", "dellink", b)
		}
		return typ == unix.RTM_DELLINK && err == nil && li.Name == "dm0"
	})
}

// A receive queue that overflows is not the end of the subscription:
// the platform checks everything and reads on. Closing the platform
// ends the read.
func TestRtnlEventsOverflow(t *testing.T) {
	requireNetns(t)
	ns := newLiveNS(t)
	s := ns.subscribe(eventGroups...)
	var serr error // the kernel's minimum buffer, a few KB
	if err := s.rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 1) }); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	var cmds strings.Builder
	for i := range 200 {
		fmt.Fprintf(&cmds, "link set gw0 alias a%d\n", i) // the kernel tells of alias changes of links that are up
	}
	ns.batch(cmds.String())
	p := &Platform{log: slog.New(slog.DiscardHandler)}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	kick := &kicks{signal: make(chan struct{}, 1), paths: map[string]bool{}}
	done := make(chan error, 1)
	go func() { done <- p.readEvents(s, kick) }()
	// Alias changes are link events only: a route check can only come
	// from the overflow.
	deadline := time.Now().Add(10 * time.Second)
	for !kickHas(kick, routePaths[0]) {
		if time.Now().After(deadline) {
			select {
			case err := <-done:
				t.Fatalf("readEvents ended: %v", err)
			default:
			}
			t.Fatal("no check of everything after the overflow")
		}
		time.Sleep(10 * time.Millisecond)
	}
	kick.take()
	ns.ip("link", "set", "gw0", "down")
	for !kickHas(kick, linkPaths[0]) {
		if time.Now().After(deadline) {
			t.Fatal("no link check after the overflow")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("readEvents still reading after the platform closed")
	}
}

func kickHas(k *kicks, path string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.paths[path]
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// The whole platform in a namespace: New, Register (which subscribes),
// a kernel event, Close. Close leaves no goroutine and no socket behind.
func TestPlatformCloseLeavesNothing(t *testing.T) {
	requireNetns(t)
	ns := newLiveNS(t)
	// Warm up what the runtime opens once (the poller) before counting.
	ns.rtnl().close()
	fds, goroutines := openFDs(t), runtime.NumGoroutine()

	var p *Platform
	ns.inside(func() error {
		var err error
		if p, err = New(Options{DataDir: t.TempDir()}); err != nil {
			return err
		}
		return p.Register(model.NewRegistry())
	})
	if _, ok := p.link("gw0"); !ok {
		t.Errorf("the platform does not see the namespace's gw0: %v", p.links.order)
	}
	ns.ip("link", "set", "gw0", "down")
	if err := p.refreshLinks(); err != nil {
		t.Fatal(err)
	}
	if l, _ := p.link("gw0"); l.AdminUp {
		t.Error("gw0 still up after ip link set down")
	}
	if err := p.setAdmin("gw0", true); err != nil {
		t.Fatal(err)
	}
	if l, _ := p.link("gw0"); !l.AdminUp {
		t.Error("gw0 not up after setAdmin")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
	if n := openFDs(t); n != fds {
		t.Errorf("%d open files after Close, %d before", n, fds)
	}
}
