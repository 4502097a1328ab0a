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
	host := func(fn func(Host) string) model.Binding {
		return model.Get(func(_ context.Context, ix model.Index) (string, error) {
			snap, err := c.get()
			if err != nil {
				return "", err
			}
			for _, x := range snap.Hosts {
				if x.Name == ix.Key(0) {
					return fn(x), nil
				}
			}
			return fn(Host{}), nil
		})
	}
	r.Param(h+"Name", host(func(x Host) string { return x.Name }))
	r.Param(h+"Type", host(func(x Host) string { return x.Type }))
	r.Param(h+"USBVersion", host(func(x Host) string { return x.USBVersion }))
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
	dev := func(ix model.Index) (Device, error) {
		snap, err := c.get()
		if err != nil {
			return Device{}, err
		}
		for _, x := range snap.Devices {
			if x.Key == ix.Key(1) {
				return x, nil
			}
		}
		// Unplugged since the listing: its zero values, not an error,
		// so the rest of a GetParameterValues still answers.
		return Device{}, nil
	}
	num := func(fn func(Device) uint32) model.Binding {
		return model.GetUint(func(_ context.Context, ix model.Index) (uint64, error) {
			x, err := dev(ix)
			return uint64(fn(x)), err
		})
	}
	str := func(fn func(Device) string) model.Binding {
		return model.Get(func(_ context.Context, ix model.Index) (string, error) {
			x, err := dev(ix)
			return fn(x), err
		})
	}
	flag := func(fn func(Device) bool) model.Binding {
		return model.GetBool(func(_ context.Context, ix model.Index) (bool, error) {
			x, err := dev(ix)
			return fn(x), err
		})
	}
	r.Param(d+"DeviceNumber", num(func(x Device) uint32 { return x.DeviceNumber }))
	r.Param(d+"USBVersion", str(func(x Device) string { return x.USBVersion }))
	r.Param(d+"DeviceClass", str(func(x Device) string { return hex2(x.Class) }))
	r.Param(d+"DeviceSubClass", str(func(x Device) string { return hex2(x.SubClass) }))
	r.Param(d+"DeviceProtocol", str(func(x Device) string { return hex2(x.Protocol) }))
	r.Param(d+"DeviceVersion", num(func(x Device) uint32 { return x.DeviceVersion }))
	r.Param(d+"VendorID", num(func(x Device) uint32 { return x.VendorID }))
	r.Param(d+"ProductID", num(func(x Device) uint32 { return x.ProductID }))
	r.Param(d+"Manufacturer", str(func(x Device) string { return x.Manufacturer }))
	r.Param(d+"ProductClass", str(func(x Device) string { return x.Product }))
	r.Param(d+"SerialNumber", str(func(x Device) string { return x.Serial }))
	r.Param(d+"Port", num(func(x Device) uint32 { return x.Port }))
	r.Param(d+"Rate", str(func(x Device) string { return x.Rate }))
	r.Param(d+"MaxChildren", num(func(x Device) uint32 { return x.MaxChildren }))
	r.Param(d+"IsSuspended", flag(func(x Device) bool { return x.Suspended }))
	r.Param(d+"IsSelfPowered", flag(func(x Device) bool { return x.SelfPowered }))
}

// cache holds the last snapshot.
type cache struct {
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
