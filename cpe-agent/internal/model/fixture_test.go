package model_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/sim"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// fixture is one agent's tree on the sim platform with a store in a temp
// directory; reopen simulates an agent restart within the same boot.
type fixture struct {
	t     testing.TB
	dir   string
	clk   *clock.Fake
	st    *store.Store
	sim   *sim.Sim
	tree  *model.Tree
	ctx   context.Context
	mu    sync.Mutex
	calls []bool // OnValueChange arguments, in order
}

var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), clk: clock.NewFake(epoch), ctx: context.Background()}
	f.open()
	t.Cleanup(f.close)
	return f
}

func (f *fixture) open() {
	f.t.Helper()
	st, err := store.Open(filepath.Join(f.dir, "state.db"), store.Options{})
	if err != nil {
		f.t.Fatalf("store: %v", err)
	}
	f.st = st
	sm, err := sim.New(sim.Options{DataDir: f.dir, Clock: f.clk, Identity: model.Identity{SerialNumber: "SIM123456"}})
	if err != nil {
		f.t.Fatalf("sim: %v", err)
	}
	f.sim = sm
	r, err := platform.Registry(sm, model.ManagementDefaults{URL: "http://127.0.0.1:7547/cwmp"})
	if err != nil {
		f.t.Fatalf("registry: %v", err)
	}
	tree, err := model.New(f.ctx, r, model.Options{Store: st, Clock: f.clk, OnValueChange: f.onChange})
	if err != nil {
		f.t.Fatalf("tree: %v", err)
	}
	f.tree = tree
}

func (f *fixture) close() {
	if f.tree != nil {
		f.tree.Close()
		f.tree = nil
	}
	if f.st != nil {
		f.st.Close()
		f.st = nil
	}
}

// reopen restarts the agent: a new sim, registry and tree over the same
// files.
func (f *fixture) reopen() {
	f.t.Helper()
	f.close()
	f.open()
}

func (f *fixture) onChange(active bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, active)
}

// changes returns and clears the OnValueChange calls seen so far.
func (f *fixture) changes() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// value reads one parameter as the ACS sees it.
func (f *fixture) value(name string) string {
	f.t.Helper()
	pv, err := f.tree.GetParameterValues(f.ctx, []string{name})
	if err != nil {
		f.t.Fatalf("GPV %s: %v", name, err)
	}
	if len(pv) != 1 {
		f.t.Fatalf("GPV %s: %d results", name, len(pv))
	}
	return pv[0].Value
}

// spv sets name/value pairs with key; it fails the test on error.
func (f *fixture) spv(key string, kv ...string) int32 {
	f.t.Helper()
	status, err := f.tree.SetParameterValues(f.ctx, pvs(kv...), key)
	if err != nil {
		f.t.Fatalf("SPV %v: %v", kv, err)
	}
	return status
}

func pvs(kv ...string) []cwmp.ParameterValueStruct {
	var out []cwmp.ParameterValueStruct
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, cwmp.ParameterValueStruct{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// fault asserts err is a CWMP fault with code and returns it.
func fault(t *testing.T, err error, code cwmp.FaultCode) *cwmp.Fault {
	t.Helper()
	var f *cwmp.Fault
	if !errors.As(err, &f) {
		t.Fatalf("got %v, want fault %d", err, code)
	}
	if f.FaultCode != code {
		t.Fatalf("got fault %d (%s), want %d", f.FaultCode, f.FaultString, code)
	}
	return f
}

// names returns the names of a GPN answer.
func names(list []cwmp.ParameterInfoStruct) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.Name
	}
	return out
}

// valueMap turns a GPV answer into a map.
func valueMap(list []cwmp.ParameterValueStruct) map[string]string {
	out := make(map[string]string, len(list))
	for _, p := range list {
		out[p.Name] = p.Value
	}
	return out
}
