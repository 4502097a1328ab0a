package model_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/sim"
	"gatewarden/cpe-agent/internal/store"
)

// GetParameterValues of the whole sim tree.
func BenchmarkGPVDevice(b *testing.B) {
	f := newFixture(b)
	names := []string{"Device."}
	pv, err := f.tree.GetParameterValues(f.ctx, names)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(pv)), "params")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.tree.GetParameterValues(f.ctx, names); err != nil {
			b.Fatal(err)
		}
	}
}

// The inform parameter list with a pending change (what every session
// builds).
func BenchmarkInformParameters(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.tree.InformParameters(f.ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// Memory one simulated agent's tree and sim hold, for the testbench
// (thousands per process): heap after building the trees minus heap with
// only their stores open, per agent.
func BenchmarkSimAgentMemory(b *testing.B) {
	const agents = 50
	ctx := context.Background()
	clk := clock.NewFake(epoch)
	for b.Loop() {
		dir := b.TempDir()
		stores := make([]*store.Store, agents)
		for i := range stores {
			st, err := store.Open(filepath.Join(dir, fmt.Sprintf("a%d.db", i)), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			stores[i] = st
		}
		// Warm the shared schema so it is not counted per agent.
		_ = model.NewRegistry()
		before := heap()
		trees := make([]*model.Tree, agents)
		sims := make([]*sim.Sim, agents)
		for i := range trees {
			sm, err := sim.New(sim.Options{Clock: clk, Identity: model.Identity{SerialNumber: fmt.Sprintf("SN%06d", i)}})
			if err != nil {
				b.Fatal(err)
			}
			r, err := platform.Registry(sm, model.ManagementDefaults{URL: "http://127.0.0.1/"})
			if err != nil {
				b.Fatal(err)
			}
			tree, err := model.New(ctx, r, model.Options{Store: stores[i], Clock: clk})
			if err != nil {
				b.Fatal(err)
			}
			// One full read, as the first session's GPV would do.
			if _, err := tree.GetParameterValues(ctx, []string{"Device."}); err != nil {
				b.Fatal(err)
			}
			trees[i], sims[i] = tree, sm
		}
		after := heap()
		b.ReportMetric(float64(after-before)/agents, "bytes/agent")
		runtime.KeepAlive(trees)
		runtime.KeepAlive(sims)
		for i := range trees {
			trees[i].Close()
			stores[i].Close()
		}
	}
}

func heap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
