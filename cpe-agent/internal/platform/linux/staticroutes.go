//go:build linux

package linux

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// routeFile is the static routes' file in the data directory.
const routeFile = "linux-routes.json"

// A routeRecord is a row of Routing.Router.1.IPv4Forwarding that the ACS
// created (StaticRoute true). The kernel holds the route only while the
// row is enabled and complete; the record keeps the row's identity and
// its settings when it is not.
type routeRecord struct {
	_       [0]func() // not comparable: spares the binary an equality function
	ID      uint64    `json:"id"`
	Enable  bool      `json:"enable"`
	Dest    string    `json:"dest,omitempty"` // with Mask "": the default route
	Mask    string    `json:"mask,omitempty"`
	Gateway string    `json:"gateway,omitempty"`
	Link    string    `json:"link,omitempty"` // the Interface's link
	Metric  int       `json:"metric"`         // -1: not set (the kernel's 0)
}

// staticPrefix starts the instance keys of static rows; the kernel's rows
// are keyed by their addresses (route4.key), which start with a digit.
const staticPrefix = "s"

func (r routeRecord) key() string { return staticPrefix + strconv.FormatUint(r.ID, 10) }

// isStaticKey reports whether an IPv4Forwarding key names a static row.
func isStaticKey(k string) bool {
	return strings.HasPrefix(k, staticPrefix) && !strings.Contains(k, "/")
}

// route returns the kernel route the row stands for; ok is false while the
// row is incomplete: a destination and mask that are not both empty (the
// default route) nor a valid network, a gateway that is not an IPv4
// address, or no interface.
func (r routeRecord) route() (route4, bool) {
	rt := route4{Iface: r.Link, Metric: int32(min(max(r.Metric, 0), math.MaxInt32)), Up: true,
		Dest: netip.IPv4Unspecified(), Mask: netip.IPv4Unspecified(), Gateway: netip.IPv4Unspecified()}
	if r.Link == "" {
		return rt, false
	}
	if r.Dest != "" || r.Mask != "" {
		d, derr := netip.ParseAddr(r.Dest)
		m, merr := netip.ParseAddr(r.Mask)
		if derr != nil || merr != nil || !d.Is4() || maskBits(m) < 0 {
			return rt, false
		}
		pfx, err := d.Prefix(maskBits(m))
		if err != nil || pfx.Addr() != d {
			return rt, false // host bits set: the kernel refuses such a route
		}
		rt.Dest, rt.Mask = d, m
	}
	if r.Gateway != "" {
		g, err := netip.ParseAddr(r.Gateway)
		if err != nil || !g.Is4() {
			return rt, false
		}
		rt.Gateway = g
	}
	return rt, true
}

// routeBook keeps the static rows, persisted in the data directory so
// their instance numbers and settings survive restarts. Its methods
// unlock by hand rather than defer: a defer costs the router binary ~150
// bytes a function, and nothing on these paths recovers a panic.
type routeBook struct {
	mu     sync.Mutex
	file   string        // "" keeps them in memory only
	Next   uint64        `json:"next"`
	Routes []routeRecord `json:"routes"`
}

func loadRouteBook(file string) (*routeBook, error) {
	b := &routeBook{file: file}
	if file == "" {
		return b, nil
	}
	if err := readJSON(file, b); err != nil {
		return nil, fmt.Errorf("static routes: %w", err)
	}
	return b, nil
}

// save writes the book. Called with b.mu held.
func (b *routeBook) save() error {
	if b.file == "" {
		return nil
	}
	if err := writeJSON(b.file, b); err != nil {
		return fmt.Errorf("static routes: %w", err)
	}
	return nil
}

// list returns a copy of the records.
func (b *routeBook) list() []routeRecord {
	b.mu.Lock()
	out := append([]routeRecord(nil), b.Routes...)
	b.mu.Unlock()
	return out
}

// index is the position of the record with key, -1 if none. Called with
// b.mu held. (A loop, not slices.IndexFunc: that compiles a copy for the
// record's shape plus a closure.)
func (b *routeBook) index(key string) int {
	for i := range b.Routes {
		if b.Routes[i].key() == key {
			return i
		}
	}
	return -1
}

// get returns the record with key.
func (b *routeBook) get(key string) (routeRecord, bool) {
	var r routeRecord
	b.mu.Lock()
	i := b.index(key)
	if i >= 0 {
		r = b.Routes[i]
	}
	b.mu.Unlock()
	return r, i >= 0
}

// create adds a disabled, empty row.
func (b *routeBook) create() (routeRecord, error) {
	b.mu.Lock()
	b.Next++
	r := routeRecord{ID: b.Next, Metric: -1}
	b.Routes = append(b.Routes, r)
	err := b.save()
	if err != nil {
		b.Routes = b.Routes[:len(b.Routes)-1]
		r = routeRecord{}
	}
	b.mu.Unlock()
	return r, err
}

// update applies fn to the record with key; apply then makes the kernel
// match (old and new record) and may refuse, in which case nothing
// changes.
func (b *routeBook) update(key string, fn func(*routeRecord) error, apply func(old, cur routeRecord) error) error {
	b.mu.Lock()
	i := b.index(key)
	if i < 0 {
		b.mu.Unlock()
		return fmt.Errorf("static route %s: %w", key, errGone)
	}
	cur := b.Routes[i]
	err := fn(&cur)
	if err == nil {
		err = apply(b.Routes[i], cur)
	}
	if err == nil {
		b.Routes[i] = cur
		err = b.save()
	}
	b.mu.Unlock()
	return err
}

// remove drops the record with key once apply (which takes its route off
// the kernel) has succeeded. A record already gone is not an error.
func (b *routeBook) remove(key string, apply func(routeRecord) error) error {
	b.mu.Lock()
	i := b.index(key)
	if i < 0 {
		b.mu.Unlock()
		return nil
	}
	err := apply(b.Routes[i])
	if err == nil {
		all := b.Routes
		// A new array, so that all stays whole for a rollback.
		b.Routes = append(append(make([]routeRecord, 0, len(all)-1), all[:i]...), all[i+1:]...)
		if err = b.save(); err != nil {
			// The kernel no longer has the route; the record says so.
			all[i].Enable = false
			b.Routes = all
		}
	}
	b.mu.Unlock()
	return err
}
