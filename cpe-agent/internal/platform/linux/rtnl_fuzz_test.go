//go:build linux

package linux

import (
	"bytes"
	"encoding/binary"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// The netlink parsers take whatever arrives on the socket: they must
// never panic, and what they accept must encode back to itself. Besides
// the seeds written here, testdata/fuzz holds messages a real kernel
// sent (captured by the namespace tests with GW_NL_CAPTURE=1, on a
// little-endian machine).

func FuzzParseLink(f *testing.F) {
	for _, li := range []linkInfo{
		{Index: 1, Name: "lo", Type: "device", Encap: "loopback", MTU: 65536, AdminUp: true, LowerUp: true, Oper: "unknown"},
		{Index: 7, Name: "lan1", Type: "dsa", Encap: "ether", MAC: "02:A0:C5:0F:EE:01", MTU: 1500, Master: 4, AdminUp: true, Oper: "lowerlayerdown"},
		{Index: 12, Name: "pppoe-wan", Type: "device", Encap: "ppp", MTU: 1492, AdminUp: true, LowerUp: true, Oper: "up"},
	} {
		f.Add(linkMsg(li))
	}
	f.Add(make([]byte, unix.SizeofIfInfomsg+4))
	f.Fuzz(func(t *testing.T, b []byte) {
		li, err := parseLink(b)
		if err != nil {
			return
		}
		if li.Index <= 0 || li.Name == "" || strings.IndexByte(li.Name, 0) >= 0 || !slices.Contains(operStates[:], li.Oper) || li.Type == "" {
			t.Fatalf("accepted %+v", li)
		}
		if again, err := parseLink(linkMsg(li)); err != nil || !reflect.DeepEqual(again, li) {
			t.Fatalf("%+v encodes back as %+v, %v", li, again, err)
		}
	})
}

// addrOf writes an RTM_NEWADDR body holding what a holds.
func addrOf(a ifAddr) []byte {
	fam := unix.AF_INET
	if a.IP.Is6() {
		fam = unix.AF_INET6
	}
	msg := nl.NewIfAddrmsg(fam)
	msg.Prefixlen, msg.Flags, msg.Scope, msg.Index = uint8(a.Prefix), uint8(a.Flags), a.Scope, uint32(a.Index)
	ci := make([]byte, unix.SizeofIfaCacheinfo)
	binary.NativeEndian.PutUint32(ci[4:], a.Valid)
	return serialize(msg, nl.NewRtAttr(unix.IFA_LOCAL, a.IP.AsSlice()), nl.NewRtAttr(unix.IFA_FLAGS, u32Data(uint32(a.Flags))),
		nl.NewRtAttr(unix.IFA_CACHEINFO, ci))
}

func FuzzParseAddr(f *testing.F) {
	a4, peer, v6 := netip.MustParseAddr("100.64.3.9"), netip.MustParseAddr("100.64.0.1"), netip.MustParseAddr("fe80::2a0:c5ff:fe00:1")
	f.Add(addrMsg(unix.AF_INET, 24, 2, unix.IFA_F_PERMANENT, a4, a4, math.MaxUint32))
	f.Add(addrMsg(unix.AF_INET, 32, 5, 0, a4, peer, 3600))
	f.Add(addrMsg(unix.AF_INET6, 64, 3, unix.IFA_F_TENTATIVE|unix.IFA_F_NOPREFIXROUTE, netip.Addr{}, v6, 7200))
	f.Add(addrBody(4, netip.MustParsePrefix("10.99.7.7/16")))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := parseAddr(b)
		if err != nil {
			return
		}
		if !a.IP.IsValid() || a.Prefix > a.IP.BitLen() || a.Index <= 0 || a.IP.BitLen() != map[byte]int{unix.AF_INET: 32, unix.AF_INET6: 128}[b[0]] {
			t.Fatalf("accepted %+v", a)
		}
		if again, err := parseAddr(addrOf(a)); err != nil || !reflect.DeepEqual(again, a) {
			t.Fatalf("%+v encodes back as %+v, %v", a, again, err)
		}
	})
}

// routeOf writes an RTM_NEWROUTE body holding what rt holds.
func routeOf(rt rtRoute) []byte {
	msg := &nl.RtMsg{}
	msg.Family = unix.AF_INET
	if rt.Dst.Addr().Is6() {
		msg.Family = unix.AF_INET6
	}
	msg.Dst_len, msg.Table, msg.Protocol, msg.Scope, msg.Type, msg.Flags = uint8(rt.Dst.Bits()), uint8(rt.Table), rt.Protocol, rt.Scope, rt.Type, rt.Flags
	data := []nl.NetlinkRequestData{msg, nl.NewRtAttr(unix.RTA_TABLE, u32Data(rt.Table)), nl.NewRtAttr(unix.RTA_DST, rt.Dst.Addr().AsSlice()),
		nl.NewRtAttr(unix.RTA_OIF, u32Data(uint32(rt.OIF))), nl.NewRtAttr(unix.RTA_PRIORITY, u32Data(rt.Metric))}
	if rt.Gw.IsValid() {
		data = append(data, nl.NewRtAttr(unix.RTA_GATEWAY, rt.Gw.AsSlice()))
	}
	return serialize(data...)
}

func FuzzParseRoute(f *testing.F) {
	def := netip.MustParsePrefix("0.0.0.0/0")
	f.Add(routeMsg(unix.AF_INET, def, netip.MustParseAddr("100.64.0.1"), 3, 0, unix.RT_TABLE_MAIN))
	f.Add(routeMsg(unix.AF_INET, netip.MustParsePrefix("10.0.0.0/8"), netip.Addr{}, 2, 600, 1000))
	f.Add(routeMsg(unix.AF_INET6, netip.MustParsePrefix("2001:db8::/32"), netip.MustParseAddr("fe80::1"), 2, 1024, unix.RT_TABLE_MAIN))
	nh := make([]byte, unix.SizeofRtNexthop)
	binary.NativeEndian.PutUint16(nh, unix.SizeofRtNexthop)
	binary.NativeEndian.PutUint32(nh[4:], 6)
	f.Add(routeMsg(unix.AF_INET, def, netip.Addr{}, 0, 0, unix.RT_TABLE_MAIN, nl.NewRtAttr(unix.RTA_MULTIPATH, nh)))
	f.Add(route4Body(false, staticRoute4{Dst: netip.MustParsePrefix("172.16.0.0/12"), Gw: netip.MustParseAddr("10.0.0.1"), OIF: 2, Metric: 5}))
	f.Fuzz(func(t *testing.T, b []byte) {
		rt, err := parseRoute(b)
		if err != nil {
			return
		}
		bits := rt.Dst.Addr().BitLen()
		if !rt.Dst.IsValid() || rt.Gw.IsValid() && rt.Gw.BitLen() != bits || bits != map[byte]int{unix.AF_INET: 32, unix.AF_INET6: 128}[b[0]] {
			t.Fatalf("accepted %+v", rt)
		}
		if again, err := parseRoute(routeOf(rt)); err != nil || !reflect.DeepEqual(again, rt) {
			t.Fatalf("%+v encodes back as %+v, %v", rt, again, err)
		}
	})
}

// Every captured kernel message parses, on the byte order it was
// captured in.
func TestKernelMessagesParse(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the captured messages are little-endian")
	}
	parsers := map[string]func([]byte) error{
		"FuzzParseLink":  func(b []byte) error { _, err := parseLink(b); return err },
		"FuzzParseAddr":  func(b []byte) error { _, err := parseAddr(b); return err },
		"FuzzParseRoute": func(b []byte) error { _, err := parseRoute(b); return err },
	}
	for target, parse := range parsers {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "kernel-*"))
		if len(files) == 0 {
			t.Errorf("no captured messages for %s", target)
		}
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
			q, ok := bytes.CutPrefix(lines[len(lines)-1], []byte("[]byte("))
			s, err := strconv.Unquote(string(bytes.TrimSuffix(q, []byte(")"))))
			if !ok || err != nil {
				t.Fatalf("%s: not a corpus file: %v", file, err)
			}
			if err := parse([]byte(s)); err != nil {
				t.Errorf("%s: %v", file, err)
			}
		}
	}
}
