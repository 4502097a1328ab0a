package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// props are a device's fixed random properties, drawn once from its seed.
type props struct {
	_        [0]func() // not comparable: spares the binary an equality function
	mac      [6]byte
	portUp   [lanPorts]bool
	portRx   [lanPorts]uint64 // bytes per second
	portTx   [lanPorts]uint64
	wifiRx   uint64
	wifiTx   uint64
	wanIP    string
	hostMAC  [3][6]byte
	hostName [3]string
}

const lanPorts = 4

func newProps(seed uint64) props {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var p props
	// A locally administered unicast address block.
	p.mac = [6]byte{0x02, 0xa0, 0xc5, byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(240))}
	for i := range lanPorts {
		p.portUp[i] = i < 2
		if p.portUp[i] {
			p.portRx[i] = 20_000 + uint64(r.IntN(200_000))
			p.portTx[i] = 50_000 + uint64(r.IntN(2_000_000))
		}
	}
	p.wifiRx = 10_000 + uint64(r.IntN(100_000))
	p.wifiTx = 40_000 + uint64(r.IntN(1_000_000))
	p.wanIP = fmt.Sprintf("100.%d.%d.%d", 64+r.IntN(64), r.IntN(256), 1+r.IntN(254))
	names := []string{"laptop", "phone", "tv", "tablet", "printer", "console"}
	for i := range p.hostMAC {
		p.hostMAC[i] = [6]byte{0x02, byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256)), byte(r.IntN(256))}
		p.hostName[i] = names[r.IntN(len(names))] + fmt.Sprintf("-%d", i+1)
	}
	return p
}

// macAt returns the base MAC plus off, formatted as TR-181 wants.
func (p *props) macAt(off byte) string {
	m := p.mac
	m[5] += off
	return formatMAC(m)
}

func formatMAC(m [6]byte) string {
	return fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", m[0], m[1], m[2], m[3], m[4], m[5])
}

// defaultHosts are the LAN devices present after a boot: two wired, one
// on Wi-Fi.
func (p *props) defaultHosts(boot time.Time) []host {
	out := make([]host, len(p.hostMAC))
	for i := range out {
		h := host{MAC: formatMAC(p.hostMAC[i]), IP: fmt.Sprintf("192.168.1.%d", 100+i), Name: p.hostName[i], Active: true, Since: boot}
		switch i {
		case 2:
			h.Layer1 = "Device.WiFi.SSID.1."
			h.Type = "Wi-Fi"
		default:
			h.Layer1 = fmt.Sprintf("Device.Ethernet.Interface.%d.", i+1)
			h.Type = "Ethernet"
		}
		out[i] = h
	}
	return out
}
