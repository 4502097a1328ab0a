//go:build linux

package linux

import (
	"context"
	"os"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform/dsl"
	"gatewarden/cpe-agent/internal/platform/usb"
)

// Register implements platform.Platform: it binds the device's parameters
// and starts following the kernel's netlink events, which it turns into
// value-change checks.
func (p *Platform) Register(r *model.Registry) error {
	p.bind(r)
	if err := r.Err(); err != nil {
		return err
	}
	return p.watch()
}

// bind adds every binding; nothing here touches the kernel until the tree
// reads.
func (p *Platform) bind(r *model.Registry) {
	p.handle = r.Handle()
	p.registerDeviceInfo(r)
	p.registerEthernet(r)
	p.registerIP(r)
	p.registerRouting(r)
	p.registerDNS(r)
	p.registerHosts(r)
	dsl.Bind(r, p.opts.DSL)
	usb.Bind(r, p.opts.USB)
}

// Small adapters from plain functions to bindings.

func uintParam(fn func(ix model.Index) (uint64, error)) model.Binding {
	return model.GetUint(func(_ context.Context, ix model.Index) (uint64, error) { return fn(ix) })
}

func textParam(fn func(ix model.Index) string) model.Binding {
	return model.Get(func(_ context.Context, ix model.Index) (string, error) { return fn(ix), nil })
}

func boolParam(fn func(ix model.Index) bool) model.Binding {
	return model.GetBool(func(_ context.Context, ix model.Index) (bool, error) { return fn(ix), nil })
}

// readFile reads a file below a root; the error is returned for the
// caller to wrap.
func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
