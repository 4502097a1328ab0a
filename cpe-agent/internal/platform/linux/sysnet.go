//go:build linux

package linux

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// ifaceSys is what sysfs tells about an interface beyond netlink.
type ifaceSys struct {
	// SpeedMbps is the negotiated speed; -1 when the driver does not
	// know (no link, a virtual device).
	SpeedMbps int64
	// Duplex is TR-181's DuplexMode: Full, Half, or Auto when unknown.
	Duplex string
	// Wireless: a Wi-Fi interface (Device.WiFi, not Ethernet).
	Wireless bool
}

// readIfaceSys reads /sys/class/net/<name>. Missing files are unknown
// values: virtual devices have no speed, and the interface may vanish
// while it is read.
func readIfaceSys(r Roots, name string) ifaceSys {
	dir := r.sys("class", "net", name)
	s := ifaceSys{SpeedMbps: -1, Duplex: "Auto"}
	if b, err := os.ReadFile(dir + "/speed"); err == nil {
		s.SpeedMbps = parseSpeed(b)
	}
	if b, err := os.ReadFile(dir + "/duplex"); err == nil {
		s.Duplex = parseDuplex(b)
	}
	for _, w := range []string{"wireless", "phy80211"} {
		if _, err := os.Stat(dir + "/" + w); err == nil {
			s.Wireless = true
		}
	}
	return s
}

// parseSpeed reads a speed file: Mbit/s, or -1 for unknown (the kernel
// prints -1, or 4294967295 on kernels that print SPEED_UNKNOWN unsigned).
func parseSpeed(b []byte) int64 {
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v <= 0 || v >= 0xffffffff {
		return -1
	}
	return v
}

func parseDuplex(b []byte) string {
	switch strings.TrimSpace(string(b)) {
	case "full":
		return "Full"
	case "half":
		return "Half"
	}
	return "Auto"
}

// statFiles pairs TR-181 Stats names with /sys/class/net/<if>/statistics
// files. (An array, not a map: a map literal is built by code at start-up.)
var statFiles = [...]struct{ name, file string }{
	{"BytesSent", "tx_bytes"},
	{"BytesReceived", "rx_bytes"},
	{"PacketsSent", "tx_packets"},
	{"PacketsReceived", "rx_packets"},
	{"ErrorsSent", "tx_errors"},
	{"ErrorsReceived", "rx_errors"},
	{"DiscardPacketsSent", "tx_dropped"},
	{"DiscardPacketsReceived", "rx_dropped"},
	{"MulticastPacketsReceived", "multicast"},
}

// readStat reads one statistics counter; an interface that vanished
// since it was listed gives errGone.
func readStat(r Roots, name, file string) (uint64, error) {
	b, err := os.ReadFile(r.sys("class", "net", name, "statistics", file))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, os.ErrInvalid) {
		return 0, errGone
	}
	if err != nil {
		return 0, fmt.Errorf("statistics of %s: %w", name, err)
	}
	return parseCounter(b)
}

// parseCounter reads a decimal counter file.
func parseCounter(b []byte) (uint64, error) {
	s := strings.TrimSpace(string(b))
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("counter %q is not an unsigned number", s)
	}
	return v, nil
}
