package model_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// rowSystem is a system whose links carry address rows, listed by the
// system and added or deleted through RowHooks, like the kernel's
// addresses.
type rowSystem struct {
	mu     sync.Mutex
	rows   map[string][]string // link -> row keys, in the system's order
	ips    map[string]string   // row key -> IPAddress
	own    map[string]bool     // rows the system made itself: not deletable
	next   int
	addErr error
	delErr error
	// addKey, when set, replaces the key Add returns (after making the
	// row under its own key).
	addKey func() string
	calls  []string
}

func newRowSystem() *rowSystem {
	return &rowSystem{rows: map[string][]string{"eth0": nil, "eth1": nil}, ips: map[string]string{}, own: map[string]bool{}}
}

// appear adds a row the way the system would by itself (DHCP).
func (s *rowSystem) appear(link, ip string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	k := "r" + strconv.Itoa(s.next)
	s.rows[link] = append(s.rows[link], k)
	s.ips[k] = ip
	s.own[k] = true
	return k
}

func (s *rowSystem) vanish(link, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows[link] = slices.DeleteFunc(s.rows[link], func(k string) bool { return k == key })
}

func (s *rowSystem) took() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

func (s *rowSystem) register(r *model.Registry) {
	r.Table("Device.IP.Interface.{i}.", func(context.Context, model.Index) ([]string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var links []string
		for l := range s.rows {
			links = append(links, l)
		}
		slices.Sort(links)
		return links, nil
	})
	r.Param("Device.IP.Interface.{i}.Name", model.Get(func(_ context.Context, ix model.Index) (string, error) { return ix.Key(0), nil }))
	const addr = "Device.IP.Interface.{i}.IPv4Address.{i}."
	r.Editable(addr, func(_ context.Context, parent model.Index) ([]string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return slices.Clone(s.rows[parent.Key(0)]), nil
	}, model.RowHooks{
		Add: func(_ context.Context, ix model.Index) (string, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.calls = append(s.calls, "add "+ix.Key(0)+" #"+strconv.Itoa(int(ix.Last())))
			if s.addErr != nil {
				return "", s.addErr
			}
			s.next++
			k := "r" + strconv.Itoa(s.next)
			s.rows[ix.Key(0)] = append(s.rows[ix.Key(0)], k)
			s.ips[k] = ""
			if s.addKey != nil {
				return s.addKey(), nil
			}
			return k, nil
		},
		Delete: func(_ context.Context, ix model.Index) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.calls = append(s.calls, "del "+ix.Key(0)+" "+ix.LastKey()+" #"+strconv.Itoa(int(ix.Last())))
			if s.delErr != nil {
				return s.delErr
			}
			if !slices.Contains(s.rows[ix.Key(0)], ix.LastKey()) {
				return errors.New("no such row")
			}
			s.rows[ix.Key(0)] = slices.DeleteFunc(s.rows[ix.Key(0)], func(k string) bool { return k == ix.LastKey() })
			return nil
		},
		Deletable: func(ix model.Index) bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return !s.own[ix.LastKey()]
		},
	})
	r.Param(addr+"IPAddress", model.GetSet(
		func(_ context.Context, ix model.Index) (string, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.ips[ix.LastKey()], nil
		},
		func(_ context.Context, ix model.Index, v string) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.ips[ix.LastKey()] = v
			return nil
		}))
}

// rowTree is a tree over a rowSystem with a store that outlives restarts.
type rowTree struct {
	t    *testing.T
	sys  *rowSystem
	path string
	max  int
	st   *store.Store
	tree *model.Tree
}

func newRowTree(t *testing.T, sys *rowSystem, maxSize int) *rowTree {
	rt := &rowTree{t: t, sys: sys, path: filepath.Join(t.TempDir(), "s.db"), max: maxSize}
	rt.open()
	t.Cleanup(rt.close)
	return rt
}

func (rt *rowTree) open() {
	rt.t.Helper()
	st, err := store.Open(rt.path, store.Options{MaxSize: rt.max})
	if err != nil {
		rt.t.Fatal(err)
	}
	rt.st = st
	r := model.NewRegistry()
	model.BindManagementServer(r, model.ManagementDefaults{})
	model.BindDeviceInfo(r, testIdentity)
	rt.sys.register(r)
	tree, err := model.New(context.Background(), r, model.Options{Store: st})
	if err != nil {
		rt.t.Fatal(err)
	}
	rt.tree = tree
}

func (rt *rowTree) close() {
	if rt.tree != nil {
		rt.tree.Close()
		rt.st.Close()
		rt.tree, rt.st = nil, nil
	}
}

func (rt *rowTree) reopen() {
	rt.close()
	rt.open()
}

// rows returns the instance numbers of a link's address table with their
// IPAddress values, as GetParameterValues shows them.
func (rt *rowTree) rows(iface string) map[uint32]string {
	rt.t.Helper()
	table := iface + "IPv4Address."
	pv, err := rt.tree.GetParameterValues(context.Background(), []string{table})
	if err != nil {
		rt.t.Fatalf("GPV %s: %v", table, err)
	}
	out := map[uint32]string{}
	for _, p := range pv {
		rest, ok := strings.CutSuffix(strings.TrimPrefix(p.Name, table), ".IPAddress")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(rest, 10, 32)
		if err != nil {
			rt.t.Fatalf("odd name %s", p.Name)
		}
		out[uint32(n)] = p.Value
	}
	return out
}

func (rt *rowTree) value(name string) string {
	rt.t.Helper()
	v, err := rt.tree.Value(context.Background(), name)
	if err != nil {
		rt.t.Fatalf("%s: %v", name, err)
	}
	return v
}

// AddObject on an editable table makes the row through the hook and
// numbers it like any listed row; DeleteObject removes it through the
// hook; numbers are never handed out twice, and ParameterKey follows each
// successful call.
func TestEditableAddDelete(t *testing.T) {
	ctx := context.Background()
	sys := newRowSystem()
	sys.appear("eth0", "10.0.0.1")
	rt := newRowTree(t, sys, 0)
	const eth0 = "Device.IP.Interface.1."
	const table = eth0 + "IPv4Address."
	if got := rt.rows(eth0); len(got) != 1 || got[1] != "10.0.0.1" {
		t.Fatalf("listed rows %v", got)
	}

	n, status, err := rt.tree.AddObject(ctx, table, "add-1")
	if err != nil || status != 0 || n != 2 {
		t.Fatalf("AddObject: %d %d %v", n, status, err)
	}
	if calls := sys.took(); !slices.Equal(calls, []string{"add eth0 #2"}) {
		t.Fatalf("hook calls %v", calls)
	}
	if v := rt.value("Device.ManagementServer.ParameterKey"); v != "add-1" {
		t.Fatalf("ParameterKey %q", v)
	}
	if v := rt.value(eth0 + "IPv4AddressNumberOfEntries"); v != "2" {
		t.Fatalf("count %q", v)
	}
	// The new row is the provider's: values go to it.
	if _, err := rt.tree.SetParameterValues(ctx, pvs(table+"2.IPAddress", "10.0.0.2"), "set-1"); err != nil {
		t.Fatal(err)
	}
	if sys.ips["r2"] != "10.0.0.2" {
		t.Fatalf("the set reached %v", sys.ips)
	}
	// Only the ACS's row may be deleted: the system's own is not writable.
	names, err := rt.tree.GetParameterNames(ctx, table, true)
	if err != nil || len(names) != 2 || names[0].Writable || !names[1].Writable {
		t.Fatalf("GPN %+v %v", names, err)
	}
	for _, p := range []string{table, eth0} {
		all, err := rt.tree.GetParameterNames(ctx, p, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range all {
			if want := n.Name == table || n.Name == table+"2."; strings.HasPrefix(n.Name, table) && strings.HasSuffix(n.Name, ".") && n.Writable != want {
				t.Errorf("GPN %s: %s writable %v", p, n.Name, n.Writable)
			}
		}
	}
	names, err = rt.tree.GetParameterNames(ctx, eth0, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range names {
		if p.Name == table && !p.Writable {
			t.Errorf("%s is not writable in GPN", table)
		}
	}

	// A row the system makes by itself comes after.
	sys.appear("eth0", "10.0.0.3")
	if got := rt.rows(eth0); len(got) != 3 || got[2] != "10.0.0.2" || got[3] != "10.0.0.3" {
		t.Fatalf("rows %v", got)
	}

	if _, err := rt.tree.DeleteObject(ctx, table+"2.", "del-1"); err != nil {
		t.Fatal(err)
	}
	if calls := sys.took(); !slices.Equal(calls, []string{"del eth0 r2 #2"}) {
		t.Fatalf("hook calls %v", calls)
	}
	if slices.Contains(sys.rows["eth0"], "r2") {
		t.Fatal("the row is still in the system")
	}
	_, err = rt.tree.GetParameterValues(ctx, []string{table + "2."})
	fault(t, err, cwmp.FaultInvalidParameterName)
	if v := rt.value("Device.ManagementServer.ParameterKey"); v != "del-1" {
		t.Fatalf("ParameterKey %q", v)
	}
	if got := rt.rows(eth0); len(got) != 2 || got[1] != "10.0.0.1" || got[3] != "10.0.0.3" {
		t.Fatalf("rows after delete %v", got)
	}
	if n, _, err := rt.tree.AddObject(ctx, table, "add-2"); err != nil || n != 4 {
		t.Fatalf("after a delete: %d %v", n, err)
	}
	// Another link's table counts on its own.
	if n, _, err := rt.tree.AddObject(ctx, "Device.IP.Interface.2.IPv4Address.", "add-3"); err != nil || n != 1 {
		t.Fatalf("eth1: %d %v", n, err)
	}
	if calls := sys.took(); !slices.Equal(calls, []string{"add eth0 #4", "add eth1 #1"}) {
		t.Fatalf("hook calls %v", calls)
	}

	// The system's own row is refused before the hook; the hook's own
	// refusals reach the ACS as they are. Neither changes anything.
	_, err = rt.tree.DeleteObject(ctx, table+"1.", "refused")
	fault(t, err, cwmp.FaultRequestDenied)
	sys.delErr = cwmp.NewFault(cwmp.FaultRequestDenied, "busy")
	_, err = rt.tree.DeleteObject(ctx, table+"4.", "refused")
	if f := fault(t, err, cwmp.FaultRequestDenied); f.FaultString != "busy" {
		t.Fatalf("the hook's fault became %v", f)
	}
	sys.delErr = nil
	if calls := sys.took(); !slices.Equal(calls, []string{"del eth0 r4 #4"}) {
		t.Fatalf("hook calls %v", calls)
	}
	if got := rt.rows(eth0); len(got) != 3 || got[1] != "10.0.0.1" || got[4] != "" {
		t.Fatalf("rows after a refused delete %v", got)
	}
	if v := rt.value("Device.ManagementServer.ParameterKey"); v != "add-3" {
		t.Fatalf("a refused DeleteObject set ParameterKey %q", v)
	}
	sys.took()
	for _, bad := range []string{"Device.IP.Interface.", "Device.IP.Interface.9.IPv4Address.", table + "1.", "Device.IP.Interface.1.IPv4Address"} {
		_, _, err := rt.tree.AddObject(ctx, bad, "bad")
		fault(t, err, cwmp.FaultInvalidParameterName)
	}
	for _, bad := range []string{table + "2.", table + "99.", table, "Device.IP.Interface.1."} {
		_, err := rt.tree.DeleteObject(ctx, bad, "bad")
		fault(t, err, cwmp.FaultInvalidParameterName)
	}
	_, _, err = rt.tree.AddObject(ctx, table, strings.Repeat("k", 33))
	fault(t, err, cwmp.FaultInvalidArguments)
	_, err = rt.tree.DeleteObject(ctx, table+"1.", strings.Repeat("k", 33))
	fault(t, err, cwmp.FaultInvalidArguments)
	if calls := sys.took(); len(calls) != 0 {
		t.Fatalf("refused requests reached the system: %v", calls)
	}
	if v := rt.value("Device.ManagementServer.ParameterKey"); v != "add-3" {
		t.Fatalf("ParameterKey %q after refused requests", v)
	}
}

// A failing Add hook leaves no instance, in memory or in the store, and
// no ParameterKey; a row the store cannot record (disk full) is deleted
// from the system again; a provider that answers with a key some row
// already has is refused without touching that row.
func TestEditableHookErrors(t *testing.T) {
	ctx := context.Background()
	sys := newRowSystem()
	sys.appear("eth0", "10.0.0.1")
	rt := newRowTree(t, sys, 1<<20)
	const table = "Device.IP.Interface.1.IPv4Address."
	if _, _, err := rt.tree.AddObject(ctx, table, "ok-1"); err != nil {
		t.Fatal(err)
	}
	before := rt.rows("Device.IP.Interface.1.")
	sys.took()
	check := func(what string) {
		t.Helper()
		if got := rt.rows("Device.IP.Interface.1."); len(got) != len(before) {
			t.Fatalf("%s: rows %v, before %v", what, got, before)
		}
		if v := rt.value("Device.IP.Interface.1.IPv4AddressNumberOfEntries"); v != strconv.Itoa(len(before)) {
			t.Fatalf("%s: count %s", what, v)
		}
		if v := rt.value("Device.ManagementServer.ParameterKey"); v != "ok-1" {
			t.Fatalf("%s: ParameterKey %q", what, v)
		}
	}

	sys.addErr = errors.New("netlink: operation not permitted")
	_, _, err := rt.tree.AddObject(ctx, table, "fail-1")
	var f *cwmp.Fault
	if err == nil || errors.As(err, &f) {
		t.Fatalf("a plain hook error gave %v; it must reach the session as an internal error", err)
	}
	check("plain error")
	sys.addErr = cwmp.NewFault(cwmp.FaultResourcesExceeded, "no room on the link")
	_, _, err = rt.tree.AddObject(ctx, table, "fail-2")
	fault(t, err, cwmp.FaultResourcesExceeded)
	check("fault")
	sys.addErr = nil
	if calls := sys.took(); !slices.Equal(calls, []string{"add eth0 #3", "add eth0 #3"}) {
		t.Fatalf("hook calls %v", calls)
	}

	// Disk full after the hook made the row: the row goes again.
	huge := strings.Repeat("x", 2<<20)
	sys.addKey = func() string { return huge }
	_, _, err = rt.tree.AddObject(ctx, table, "fail-3")
	if !errors.Is(err, store.ErrFull) {
		t.Fatalf("disk full: %v", err)
	}
	sys.addKey = nil
	calls := sys.took()
	if len(calls) != 2 || calls[0] != "add eth0 #3" || !strings.HasPrefix(calls[1], "del eth0 xxx") || !strings.HasSuffix(calls[1], " #3") {
		t.Fatalf("hook calls %.200q", calls)
	}
	// The fake could not delete a row under the key it lied about; the
	// real row r3 it made is adopted as a listed row, as any row the
	// system makes by itself.
	sys.vanish("eth0", "r3")
	check("disk full")

	// A key that is taken: the existing row stays.
	sys.addKey = func() string { return "r1" }
	_, _, err = rt.tree.AddObject(ctx, table, "fail-4")
	if err == nil {
		t.Fatal("a duplicate key was accepted")
	}
	sys.vanish("eth0", "r4") // the fake made it before lying about its key
	sys.addKey = func() string { return "" }
	if _, _, err = rt.tree.AddObject(ctx, table, "fail-5"); err == nil {
		t.Fatal("an empty key was accepted")
	}
	sys.addKey = nil
	for _, c := range sys.took() {
		if strings.HasPrefix(c, "del") {
			t.Fatalf("a refused key deleted a row: %s", c)
		}
	}
	sys.vanish("eth0", "r5")
	check("duplicate key")

	// Nothing half-made survives a restart either, and the next row gets
	// a number nobody saw.
	rt.reopen()
	check("restart")
	n, _, err := rt.tree.AddObject(ctx, table, "ok-2")
	if err != nil || n != 3 {
		t.Fatalf("after the failures: %d %v", n, err)
	}
}

// Rows the ACS added keep their instance numbers across restarts, in
// whatever order the system lists them; a row that went while the agent
// was down loses its number for good.
func TestEditableRestart(t *testing.T) {
	ctx := context.Background()
	sys := newRowSystem()
	sys.appear("eth0", "10.0.0.1")
	rt := newRowTree(t, sys, 0)
	const iface = "Device.IP.Interface.1."
	const table = iface + "IPv4Address."
	for i, ip := range []string{"10.0.0.2", "10.0.0.3", "10.0.0.4"} {
		n, _, err := rt.tree.AddObject(ctx, table, "a")
		if err != nil || n != uint32(i+2) {
			t.Fatalf("AddObject %d: %d %v", i, n, err)
		}
		if _, err := rt.tree.SetParameterValues(ctx, pvs(table+strconv.Itoa(int(n))+".IPAddress", ip), "s"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rt.tree.DeleteObject(ctx, table+"3.", "d"); err != nil {
		t.Fatal(err)
	}
	want := rt.rows(iface)
	if len(want) != 3 || want[4] != "10.0.0.4" {
		t.Fatalf("rows %v", want)
	}
	rt.close()
	sys.mu.Lock()
	slices.Reverse(sys.rows["eth0"])
	sys.mu.Unlock()
	rt.open()
	if got := rt.rows(iface); !mapsEqual(got, want) {
		t.Fatalf("after a restart %v, want %v", got, want)
	}
	if n, _, err := rt.tree.AddObject(ctx, table, "a"); err != nil || n != 5 {
		t.Fatalf("after a restart: %d %v", n, err)
	}
	rt.close()
	sys.vanish("eth0", "r4") // 10.0.0.4, instance 4
	rt.open()
	got := rt.rows(iface)
	if _, ok := got[4]; ok || len(got) != 3 || got[1] != "10.0.0.1" || got[2] != "10.0.0.2" {
		t.Fatalf("after a row went: %v", got)
	}
}

func mapsEqual(a, b map[uint32]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Editable is checked like the other tables.
func TestEditableRegistration(t *testing.T) {
	list := func(context.Context, model.Index) ([]string, error) { return nil, nil }
	hooks := model.RowHooks{
		Add:    func(context.Context, model.Index) (string, error) { return "", nil },
		Delete: func(context.Context, model.Index) error { return nil },
	}
	for name, reg := range map[string]func(r *model.Registry){
		"read-only table": func(r *model.Registry) { r.Editable("Device.Ethernet.Interface.{i}.", list, hooks) },
		"no Delete": func(r *model.Registry) {
			r.Editable("Device.Routing.Router.{i}.", list, model.RowHooks{Add: hooks.Add})
		},
		"no Lister": func(r *model.Registry) { r.Editable("Device.Routing.Router.{i}.", nil, hooks) },
		"declared twice": func(r *model.Registry) {
			r.Table("Device.Routing.Router.{i}.", list)
			r.Editable("Device.Routing.Router.{i}.", list, hooks)
		},
	} {
		r := model.NewRegistry()
		reg(r)
		if r.Err() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
