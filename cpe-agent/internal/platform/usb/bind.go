package usb

import (
	"context"
	"strconv"
	"sync"

	"gatewarden/cpe-agent/internal/model"
)

// Bind binds Device.USB.USBHosts to src. The host table's listing takes a
// fresh snapshot (the tree lists it before it reads anything below); the
// device table and the parameters read that snapshot, so one RPC sees one
// consistent bus even while devices come and go.
func Bind(r *model.Registry, src Source) {
	c := &cache{src: src}
	const h = "Device.USB.USBHosts.Host.{i}."
	r.Table(h, func(context.Context, model.Index) ([]string, error) {
		snap, err := c.refresh()
		if err != nil {
			return nil, err
		}
		keys := make([]string, len(snap.Hosts))
		for i, x := range snap.Hosts {
			keys[i] = x.Name
		}
		return keys, nil
	})
	// Bound from tables in a loop: each Param call written out costs the
	// router binary ~100 bytes of code to build and pass its Binding.
	for _, f := range hostTexts {
		r.Param(h+f.name, c.hostText(f.get))
	}
	// A controller the kernel lists is enabled: this agent does not
	// unbind controllers.
	r.Param(h+"Enable", model.Const("true"))

	const d = h + "Device.{i}."
	r.Table(d, func(_ context.Context, parent model.Index) ([]string, error) {
		snap, err := c.get()
		if err != nil {
			return nil, err
		}
		var keys []string
		for _, x := range snap.Devices {
			if "usb"+strconv.Itoa(x.Bus) == parent.Key(0) {
				keys = append(keys, x.Key)
			}
		}
		return keys, nil
	})
	for _, f := range deviceTexts {
		r.Param(d+f.name, c.deviceText(f.get))
	}
	for _, f := range deviceUints {
		r.Param(d+f.name, c.deviceUint(f.get))
	}
	r.Param(d+"IsSuspended", c.deviceFlag(func(x *Device) bool { return x.Suspended }))
	r.Param(d+"IsSelfPowered", c.deviceFlag(func(x *Device) bool { return x.SelfPowered }))
}

var hostTexts = [...]struct {
	name string
	get  func(*Host) string
}{
	{"Name", func(x *Host) string { return x.Name }},
	{"Type", func(x *Host) string { return x.Type }},
	{"USBVersion", func(x *Host) string { return x.USBVersion }},
}

var deviceTexts = [...]struct {
	name string
	get  func(*Device) string
}{
	{"USBVersion", func(x *Device) string { return x.USBVersion }},
	{"DeviceClass", func(x *Device) string { return hex2(x.Class) }},
	{"DeviceSubClass", func(x *Device) string { return hex2(x.SubClass) }},
	{"DeviceProtocol", func(x *Device) string { return hex2(x.Protocol) }},
	{"Manufacturer", func(x *Device) string { return x.Manufacturer }},
	{"ProductClass", func(x *Device) string { return x.Product }},
	{"SerialNumber", func(x *Device) string { return x.Serial }},
	{"Rate", func(x *Device) string { return x.Rate }},
}

var deviceUints = [...]struct {
	name string
	get  func(*Device) uint32
}{
	{"DeviceNumber", func(x *Device) uint32 { return x.DeviceNumber }},
	{"DeviceVersion", func(x *Device) uint32 { return x.DeviceVersion }},
	{"VendorID", func(x *Device) uint32 { return x.VendorID }},
	{"ProductID", func(x *Device) uint32 { return x.ProductID }},
	{"Port", func(x *Device) uint32 { return x.Port }},
	{"MaxChildren", func(x *Device) uint32 { return x.MaxChildren }},
}

// The binding builders below are methods kept out of line: as closures
// local to Bind they were inlined into every parameter's registration,
// copying their code (and model's) once per parameter.

// host finds the controller ix names; the zero Host once it is gone.
func (c *cache) host(ix model.Index) (*Host, error) {
	snap, err := c.get()
	if err != nil {
		return nil, err
	}
	for i := range snap.Hosts {
		if snap.Hosts[i].Name == ix.Key(0) {
			return &snap.Hosts[i], nil
		}
	}
	return &Host{}, nil
}

//go:noinline
func (c *cache) hostText(fn func(*Host) string) model.Binding {
	return model.Get(func(_ context.Context, ix model.Index) (string, error) {
		x, err := c.host(ix)
		if err != nil {
			return "", err
		}
		return fn(x), nil
	})
}

// device finds the device ix names. One unplugged since the listing reads
// as its zero values, not an error, so the rest of a GetParameterValues
// still answers.
func (c *cache) device(ix model.Index) (*Device, error) {
	snap, err := c.get()
	if err != nil {
		return &Device{}, err
	}
	for i := range snap.Devices {
		if snap.Devices[i].Key == ix.Key(1) {
			return &snap.Devices[i], nil
		}
	}
	return &Device{}, nil
}

//go:noinline
func (c *cache) deviceUint(fn func(*Device) uint32) model.Binding {
	return model.GetUint(func(_ context.Context, ix model.Index) (uint64, error) {
		x, err := c.device(ix)
		return uint64(fn(x)), err
	})
}

//go:noinline
func (c *cache) deviceText(fn func(*Device) string) model.Binding {
	return model.Get(func(_ context.Context, ix model.Index) (string, error) {
		x, err := c.device(ix)
		return fn(x), err
	})
}

//go:noinline
func (c *cache) deviceFlag(fn func(*Device) bool) model.Binding {
	return model.GetBool(func(_ context.Context, ix model.Index) (bool, error) {
		x, err := c.device(ix)
		return fn(x), err
	})
}

// cache holds the last snapshot.
type cache struct {
	_    [0]func() // not comparable: spares the binary an equality function
	src  Source
	mu   sync.Mutex
	snap *Snapshot
}

func (c *cache) refresh() (Snapshot, error) {
	s, err := c.src.Enumerate()
	if err != nil {
		return Snapshot{}, err
	}
	c.mu.Lock()
	c.snap = &s
	c.mu.Unlock()
	return s, nil
}

func (c *cache) get() (Snapshot, error) {
	c.mu.Lock()
	s := c.snap
	c.mu.Unlock()
	if s != nil {
		return *s, nil
	}
	return c.refresh()
}
