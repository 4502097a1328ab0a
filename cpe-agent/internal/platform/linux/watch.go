//go:build linux

package linux

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"gatewarden/cpe-agent/internal/model"
)

// What each kind of kernel event may have changed.
var (
	linkPaths  = []string{"Device.Ethernet.Interface.", "Device.IP.Interface."}
	routePaths = []string{"Device.Routing.Router."}
)

// eventGroups are the rtnetlink multicast groups whose messages may
// change a notified parameter. IPv6 routes are left out: the tree lists
// only IPv4 forwarding, and router advertisements refresh IPv6 routes
// often.
var eventGroups = []uint{unix.RTNLGRP_LINK, unix.RTNLGRP_IPV4_IFADDR, unix.RTNLGRP_IPV6_IFADDR, unix.RTNLGRP_IPV4_ROUTE}

// watch subscribes to the kernel's link, address and route events. Each
// event asks the tree to compare the notified parameters below the
// affected objects, so an active notification leaves within a few
// milliseconds of the kernel event, with no polling. Bursts (a link going
// down drops its addresses and routes too) fold into one check.
func (p *Platform) watch() error {
	kick := &kicks{signal: make(chan struct{}, 1), paths: map[string]bool{}}
	s, err := openNetlink(eventGroups...)
	if err != nil {
		return fmt.Errorf("linux: kernel events: %w", err)
	}
	// Done called by hand, not deferred: a defer costs ~150 bytes of
	// router code, and these loops only end by returning.
	p.wg.Add(2)
	go func() {
		p.follow(s, kick)
		p.wg.Done()
	}()
	go func() {
		p.notifyLoop(kick)
		p.wg.Done()
	}()
	return nil
}

// follow turns events into kicks until the platform closes. A socket
// that fails is replaced, with a growing pause between tries; whatever
// changed meanwhile is checked once the new one is in place.
func (p *Platform) follow(s *nlSocket, kick *kicks) {
	for {
		err := p.readEvents(s, kick)
		s.Close()
		if p.ctx.Err() != nil {
			return
		}
		p.log.Warn("netlink events failed; subscribing again", "err", err)
		for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(wait):
			}
			if s, err = openNetlink(eventGroups...); err == nil {
				break
			}
			p.log.Warn("netlink events", "err", err)
		}
		kick.add(linkPaths)
		kick.add(routePaths)
	}
}

// readEvents reads one socket until it fails or the platform closes
// (which closes the socket under the blocked read) and returns the
// error. A receive queue that overflowed (ENOBUFS: the kernel dropped
// events) costs a check of everything; the socket reads on.
func (p *Platform) readEvents(s *nlSocket, kick *kicks) error {
	stop := context.AfterFunc(p.ctx, s.Close)
	for {
		msgs, from, err := s.receive(time.Time{})
		if errors.Is(err, unix.ENOBUFS) {
			p.log.Debug("netlink events overflowed; checking everything")
			kick.add(linkPaths)
			kick.add(routePaths)
			continue
		}
		if err != nil {
			stop()
			return err
		}
		if from != 0 {
			continue // only the kernel's word counts
		}
		for _, m := range msgs {
			if paths := eventPaths(m.Header.Type, m.Data); paths != nil {
				kick.add(paths)
			}
		}
	}
}

// eventPaths says which subtrees an event may have changed: nil for
// none. Routes outside the main table (local, broadcast: they follow
// addresses, which have their own events) change nothing the tree lists.
func eventPaths(typ uint16, body []byte) []string {
	switch typ {
	case unix.RTM_NEWLINK, unix.RTM_DELLINK, unix.RTM_NEWADDR, unix.RTM_DELADDR:
		return linkPaths
	case unix.RTM_NEWROUTE, unix.RTM_DELROUTE:
		if rt, err := parseRoute(body); err == nil && rt.Table != unix.RT_TABLE_MAIN {
			return nil
		}
		return routePaths
	}
	return nil
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
	out := make([]string, 0, len(k.paths))
	for p := range k.paths {
		out = append(out, p)
	}
	clear(k.paths)
	k.mu.Unlock()
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
