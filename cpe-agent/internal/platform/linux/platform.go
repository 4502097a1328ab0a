//go:build linux

package linux

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/dsl"
	"gatewarden/cpe-agent/internal/platform/usb"
	"gatewarden/firmware/slot"
)

// DefaultDSLDir is where the Files DSL driver looks for lines unless
// Options.DSL says otherwise.
const DefaultDSLDir = "/var/run/dsl"

// addrFile is the address records' file in the data directory.
const addrFile = "linux-addresses.json"

// Options configure the Linux platform.
type Options struct {
	_ [0]func() // not comparable: spares the binary an equality function
	// Roots of /proc, /sys and /etc; empty fields mean the system's.
	Roots Roots
	// DataDir holds the platform's own small state (address records,
	// static routes).
	// Empty keeps it in memory.
	DataDir string
	// Identity from the configuration. Empty fields are filled from the
	// image: SoftwareVersion from /etc/openwrt_release or /etc/os-release,
	// HardwareVersion from the OpenWrt target, SerialNumber from the first
	// Ethernet MAC; what is still empty after that takes the *Fallback
	// value.
	Identity                model.Identity
	SoftwareVersionFallback string
	// DSL is the modem driver; nil means dsl.Files over DefaultDSLDir.
	DSL dsl.Driver
	// USB enumerates USB; nil means usb.Default (sysfs, or libusb with
	// the `usb` tag).
	USB usb.Source
	// ResolvConf is the resolver file listing the DNS servers; "" means
	// <Etc>/resolv.conf.
	ResolvConf string
	// LeasesFile is dnsmasq's lease file; "" means DefaultLeasesFile.
	LeasesFile string
	Logger     *slog.Logger
}

// Platform is the real device. It implements platform.Platform.
type Platform struct {
	roots  Roots
	opts   Options
	id     model.Identity
	log    *slog.Logger
	nl     *rtnl
	kern   kernel
	addrs  *addrBook
	routes *routeBook
	stats  counters
	handle *model.Handle
	// order is the byte order /proc/net/route is printed in: the
	// kernel's, binary.NativeEndian; fixture tests name the order of the
	// machine they were captured on.
	order binary.ByteOrder

	mu      sync.Mutex
	links   linkSet
	procs   map[string]procInfo
	lastCPU cpuTimes
	usage   uint32

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ platform.Platform = (*Platform)(nil)

// New opens a netlink socket in the calling thread's network namespace
// (the agent's namespace for good: the platform keeps the socket) and
// reads the identity the configuration leaves open.
func New(opts Options) (*Platform, error) {
	p := &Platform{roots: opts.Roots.withDefaults(), opts: opts, log: opts.Logger, order: binary.NativeEndian}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.opts.DSL == nil {
		p.opts.DSL = &dsl.Files{Dir: DefaultDSLDir}
	}
	if p.opts.USB == nil {
		p.opts.USB = usb.Default(p.roots.Sys)
	}
	if p.opts.LeasesFile == "" {
		p.opts.LeasesFile = DefaultLeasesFile
	}
	if p.opts.ResolvConf == "" {
		p.opts.ResolvConf = p.roots.etc("resolv.conf")
	}
	h, err := openRtnl()
	if err != nil {
		return nil, fmt.Errorf("linux: %w", err)
	}
	p.nl, p.kern = h, &netlinkKernel{h}
	file := ""
	if opts.DataDir != "" {
		file = filepath.Join(opts.DataDir, addrFile)
	}
	if p.addrs, err = loadAddrBook(file); err != nil {
		h.close()
		return nil, fmt.Errorf("linux: %w", err)
	}
	file = ""
	if opts.DataDir != "" {
		file = filepath.Join(opts.DataDir, routeFile)
	}
	if p.routes, err = loadRouteBook(file); err != nil {
		h.close()
		return nil, fmt.Errorf("linux: %w", err)
	}
	if err := p.refreshLinks(); err != nil {
		h.close()
		return nil, fmt.Errorf("linux: %w", err)
	}
	p.id = p.identity(opts.Identity)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	return p, nil
}

// identity fills what the configuration left empty from the image.
func (p *Platform) identity(id model.Identity) model.Identity {
	rel := map[string]string{}
	for _, f := range []string{"os-release", "openwrt_release"} {
		if b, err := os.ReadFile(p.roots.etc(f)); err == nil {
			for k, v := range parseRelease(b) {
				rel[k] = v
			}
		}
	}
	first := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	if id.SoftwareVersion == "" {
		id.SoftwareVersion = first(rel["DISTRIB_REVISION"], rel["VERSION_ID"], rel["BUILD_ID"], p.opts.SoftwareVersionFallback)
	}
	if id.HardwareVersion == "" {
		id.HardwareVersion = first(rel["DISTRIB_TARGET"], "unknown")
	}
	if id.SerialNumber == "" {
		p.mu.Lock()
		for _, name := range p.links.order {
			l := p.links.byName[name]
			if l.isEthernet(readIfaceSys(p.roots, name).Wireless) {
				id.SerialNumber = strings.ReplaceAll(l.MAC, ":", "")
				break
			}
		}
		p.mu.Unlock()
	}
	if id.SerialNumber == "" {
		id.SerialNumber = "unknown"
	}
	return id
}

// Name implements platform.Platform.
func (p *Platform) Name() string { return "linux" }

// Identity implements platform.Platform.
func (p *Platform) Identity() model.Identity { return p.id }

// BootID implements platform.Platform: the kernel's boot id, new at every
// boot.
func (p *Platform) BootID() (string, error) {
	b, err := os.ReadFile(p.roots.proc("sys", "kernel", "random", "boot_id"))
	if err != nil {
		return "", fmt.Errorf("linux: boot id: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", errors.New("linux: boot id: empty")
	}
	return id, nil
}

// Reboot implements platform.Platform through the system's reboot
// command, so init stops services and syncs the disks in order. Commands
// run through slot.Exec, the agent's one process runner (os/exec is not
// linked into the router build).
func (p *Platform) Reboot(ctx context.Context) error {
	var out bytes.Buffer
	if err := slot.Exec(ctx, nil, &out, &out, "reboot"); err != nil {
		return fmt.Errorf("linux: reboot: %w: %s", err, strings.TrimSpace(out.String()))
	}
	return nil
}

// FactoryReset implements platform.Platform: the platform's own records
// go, OpenWrt's overlay is wiped when firstboot exists, and the device
// reboots.
func (p *Platform) FactoryReset(ctx context.Context) error {
	for _, f := range []string{p.addrs.file, p.routes.file} {
		if f == "" {
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("linux: factory reset: %w", err)
		}
	}
	if path, err := slot.LookPath("firstboot"); err == nil {
		var out bytes.Buffer
		if err := slot.Exec(ctx, nil, &out, &out, path, "-y"); err != nil {
			return fmt.Errorf("linux: factory reset: firstboot: %w: %s", err, strings.TrimSpace(out.String()))
		}
	}
	return p.Reboot(ctx)
}

// Close stops the netlink subscription and closes the request socket.
func (p *Platform) Close() error {
	p.cancel()
	p.wg.Wait()
	p.nl.close()
	return nil
}

// refreshLinks takes a new listing of the kernel's links.
func (p *Platform) refreshLinks() error {
	ls, err := p.kern.links()
	if err != nil {
		return err
	}
	set := newLinkSet(ls)
	p.mu.Lock()
	p.links = set
	p.mu.Unlock()
	return nil
}

// link returns the last listing's view of a link.
func (p *Platform) link(name string) (linkInfo, bool) {
	p.mu.Lock()
	l, ok := p.links.byName[name]
	p.mu.Unlock()
	return l, ok
}

// WANAddress is the IPv4 address of the interface holding the default
// route: the address the ACS reaches the connection-request listener on.
// "" without a default route.
func (p *Platform) WANAddress() string {
	rs, err := p.nl.routes4()
	if err != nil {
		return ""
	}
	var as []ifAddr
	for _, rt := range rs {
		if rt.Dst.Bits() != 0 || rt.OIF <= 0 {
			continue
		}
		if as == nil {
			if as, err = p.nl.addrs(unix.AF_INET); err != nil {
				return ""
			}
		}
		for _, a := range as {
			if a.Index == rt.OIF {
				return a.IP.String()
			}
		}
	}
	return ""
}
