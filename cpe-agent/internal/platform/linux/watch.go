//go:build linux

package linux

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/vishvananda/netlink"

	"gatewarden/cpe-agent/internal/model"
)

// What each kind of kernel event may have changed.
var (
	linkPaths  = []string{"Device.Ethernet.Interface.", "Device.IP.Interface."}
	routePaths = []string{"Device.Routing.Router."}
)

// watch subscribes to the kernel's link, address and route events. Each
// event asks the tree to compare the notified parameters below the
// affected objects, so an active notification leaves within a few
// milliseconds of the kernel event, with no polling. Bursts (a link going
// down drops its addresses and routes too) fold into one check.
func (p *Platform) watch() error {
	kick := &kicks{signal: make(chan struct{}, 1), paths: map[string]bool{}}
	links := make(chan netlink.LinkUpdate, 32)
	addrs := make(chan netlink.AddrUpdate, 32)
	routes := make(chan netlink.RouteUpdate, 32)
	done := p.ctx.Done()
	onErr := func(err error) { p.log.Warn("netlink subscription", "err", err) }
	subscribe := func(links chan netlink.LinkUpdate, addrs chan netlink.AddrUpdate, routes chan netlink.RouteUpdate) error {
		if err := netlink.LinkSubscribeWithOptions(links, done, netlink.LinkSubscribeOptions{ErrorCallback: onErr}); err != nil {
			return fmt.Errorf("linux: link events: %w", err)
		}
		if err := netlink.AddrSubscribeWithOptions(addrs, done, netlink.AddrSubscribeOptions{ErrorCallback: onErr}); err != nil {
			return fmt.Errorf("linux: address events: %w", err)
		}
		if err := netlink.RouteSubscribeWithOptions(routes, done, netlink.RouteSubscribeOptions{ErrorCallback: onErr}); err != nil {
			return fmt.Errorf("linux: route events: %w", err)
		}
		return nil
	}
	if err := subscribe(links, addrs, routes); err != nil {
		return err
	}
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		p.forward(links, addrs, routes, kick, subscribe)
	}()
	go func() {
		defer p.wg.Done()
		p.notifyLoop(kick)
	}()
	return nil
}

// forward turns events into kicks. The library closes a channel when its
// socket fails; then every subscription is renewed (a missed event is
// caught by the tree's own poll meanwhile).
func (p *Platform) forward(links chan netlink.LinkUpdate, addrs chan netlink.AddrUpdate, routes chan netlink.RouteUpdate,
	kick *kicks, subscribe func(chan netlink.LinkUpdate, chan netlink.AddrUpdate, chan netlink.RouteUpdate) error) {
	send := kick.add
	for {
		var ok bool
		select {
		case <-p.ctx.Done():
			return
		case _, ok = <-links:
			send(linkPaths)
		case _, ok = <-addrs:
			send(linkPaths)
		case _, ok = <-routes:
			send(routePaths)
		}
		if ok {
			continue
		}
		p.log.Warn("netlink subscription closed; renewing")
		for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(wait):
			}
			links = make(chan netlink.LinkUpdate, 32)
			addrs = make(chan netlink.AddrUpdate, 32)
			routes = make(chan netlink.RouteUpdate, 32)
			err := subscribe(links, addrs, routes)
			if err == nil {
				break
			}
			p.log.Warn("netlink subscription", "err", err)
		}
		// Whatever changed while unsubscribed is checked now.
		send(linkPaths)
		send(routePaths)
	}
}

// kicks are the subtrees waiting for a check; a burst of events adds to
// the set while one check runs, and the next check takes it all.
type kicks struct {
	mu     sync.Mutex
	paths  map[string]bool
	signal chan struct{}
}

func (k *kicks) add(paths []string) {
	k.mu.Lock()
	for _, p := range paths {
		k.paths[p] = true
	}
	k.mu.Unlock()
	select {
	case k.signal <- struct{}{}:
	default: // a check is already due and will take these too
	}
}

func (k *kicks) take() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]string, 0, len(k.paths))
	for p := range k.paths {
		out = append(out, p)
	}
	clear(k.paths)
	slices.Sort(out)
	return out
}

// notifyLoop runs the tree's checks.
func (p *Platform) notifyLoop(kick *kicks) {
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-kick.signal:
		}
		paths := kick.take()
		if len(paths) == 0 {
			continue
		}
		if err := p.handle.Notify(p.ctx, paths...); err != nil && !errors.Is(err, model.ErrNoTree) {
			p.log.Warn("value-change check after a kernel event", "err", err)
		}
	}
}
