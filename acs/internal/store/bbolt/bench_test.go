package bbolt

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"gatewarden/acs/internal/store"
)

// benchParallelism: with GOMAXPROCS=2 on the reference machine,
// SetParallelism(32) runs 64 goroutines, the testbench's concurrency.
const benchParallelism = 32

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "acs.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func benchID(i int) string { return fmt.Sprintf("00D09E-GW%%2D1-B%07d", i) }

// informNames are the parameters a periodic Inform of the benchmark
// device carries; built once so the benchmark measures the store, not fmt.
var informNames = func() []string {
	names := make([]string, 1000)
	for j := range names {
		names[j] = fmt.Sprintf("Device.Obj.%d.Stat%d", j%7, j)
	}
	return names
}()

func informParams(n, seq int, at time.Time) []store.Param {
	ps := make([]store.Param, n)
	for j := range ps {
		ps[j] = store.Param{Name: informNames[j], Value: strconv.Itoa(seq*31 + j), Type: "xsd:unsignedInt", Updated: at}
	}
	return ps
}

// bulkLoad writes devices straight into the file (one transaction per
// thousands), so benchmarks start from a large fleet in seconds.
func bulkLoad(b *testing.B, s *Store, n, params int, param func(dev, j int) store.Param) {
	b.Helper()
	now := time.Now().UTC()
	const perTx = 2000
	for start := 0; start < n; start += perTx {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i := start; i < min(n, start+perTx); i++ {
				id := benchID(i)
				d := store.Device{ID: id, OUI: "00D09E", ProductClass: "GW-1", SerialNumber: fmt.Sprint("B", i),
					SoftwareVersion: fmt.Sprintf("2.%d", i%10), FirstSeen: now, LastInform: now, Root: "Device."}
				enc, err := json.Marshal(&d)
				if err != nil {
					return err
				}
				if err := tx.Bucket(bDevices).Put([]byte(id), enc); err != nil {
					return err
				}
				pb, err := tx.Bucket(bParams).CreateBucketIfNotExists([]byte(id))
				if err != nil {
					return err
				}
				for j := range params {
					p := param(i, j)
					p.Updated = now
					if err := pb.Put([]byte(p.Name), appendParam(nil, &p)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordInform: durable Informs from 64 concurrent sessions, each
// on its own device. commits/op below 1 is fsync sharing at work; bbolt
// syncs twice per commit (pages, then meta).
func BenchmarkRecordInform(b *testing.B) {
	for _, tc := range []struct {
		name            string
		devices, stored int  // fleet, parameters cached per device
		reported        int  // parameters per Inform
		nosync          bool // diagnostic: the writer's CPU cost without the disk
		serial          bool // one caller: the latency of a lone write
	}{
		{"params50", 10000, 50, 50, false, false},
		{"params50of1000", 1000, 1000, 50, false, false},
		{"params50-nosync", 10000, 50, 50, true, false},
		{"params50-serial", 10000, 50, 50, false, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := benchStore(b)
			s.db.NoSync = tc.nosync
			bulkLoad(b, s, tc.devices, tc.stored, func(_, j int) store.Param {
				if j < tc.reported {
					return store.Param{Name: informNames[j], Value: "0", Type: "xsd:unsignedInt"}
				}
				return store.Param{Name: fmt.Sprintf("Device.Big.%04d.Value", j), Value: "x", Type: "xsd:string"}
			})
			ids := make([]string, tc.devices)
			for i := range ids {
				ids[i] = benchID(i)
			}
			ctx := context.Background()
			var next atomic.Int64
			commits := s.Commits()
			written := diskWrites()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			inform := func() error {
				i := int(next.Add(1))
				in := store.Inform{
					Device: store.Device{ID: ids[i%tc.devices], OUI: "00D09E", ProductClass: "GW-1",
						SerialNumber: ids[i%tc.devices][14:], SoftwareVersion: "2.1", Root: "Device."},
					Events: []store.Event{{Code: "2 PERIODIC"}},
					Params: informParams(tc.reported, i, time.Time{}),
				}
				_, err := s.RecordInform(ctx, in)
				return err
			}
			if tc.serial {
				for range b.N {
					if err := inform(); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(benchParallelism)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := inform(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			elapsed := time.Since(start)
			ops := float64(b.N)
			c := float64(s.Commits() - commits)
			b.ReportMetric(float64(diskWrites()-written)/ops, "disk-B/op")
			b.ReportMetric(c/ops, "commits/op")
			b.ReportMetric(2*c/ops, "fsyncs/op")
			b.ReportMetric(ops/elapsed.Seconds(), "informs/s")
		})
	}
}

// BenchmarkLease: the acquire/release pair every session does.
func BenchmarkLease(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		holder := fmt.Sprint("session-", next.Add(1))
		for pb.Next() {
			dev := benchID(int(next.Add(1)) % 10000)
			if err := s.AcquireLease(ctx, dev, holder, 30*time.Second); err != nil {
				continue // another goroutine has this device: also a real case
			}
			if err := s.ReleaseLease(ctx, dev, holder); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAddTask: durable task creation from 64 concurrent callers.
func BenchmarkAddTask(b *testing.B) {
	s := benchStore(b)
	const devices = 10000
	bulkLoad(b, s, devices, 0, nil)
	ctx := context.Background()
	var next atomic.Int64
	commits := s.Commits()
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			t := store.Task{Device: benchID(int(i % devices)), Type: "setParameterValues", Priority: store.PriorityOperator,
				Key: fmt.Sprint("k", i), Payload: json.RawMessage(`{"values":[{"name":"Device.X","value":"1"}]}`)}
			if err := s.AddTask(ctx, &t); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(s.Commits()-commits)/float64(b.N), "commits/op")
}

// BenchmarkNextTask: one device with 100 queued tasks of mixed priority,
// some delayed.
func BenchmarkNextTask(b *testing.B) {
	s := benchStore(b)
	bulkLoad(b, s, 1, 0, nil)
	ctx := context.Background()
	now := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	prios := []int{store.PrioritySupport, store.PriorityOperator, store.PriorityCampaign, store.PriorityPreset}
	for i := range 100 {
		t := store.Task{Device: benchID(0), Type: "reboot", Priority: prios[rng.IntN(len(prios))]}
		if i%3 == 0 {
			t.NotBefore = now.Add(time.Hour) // retries waiting: skipped by the seek
		}
		if err := s.AddTask(ctx, &t); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok, err := s.NextTask(ctx, benchID(0), now); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkListDevices: one page of 100 out of 100,000 devices, filtered by
// a parameter one device in ten matches, so a page walks ~1,000 devices.
// B/op is the memory one page costs, whatever the fleet size.
func BenchmarkListDevices(b *testing.B) {
	s := benchStore(b)
	const fleet = 100000
	bulkLoad(b, s, fleet, 5, func(dev, j int) store.Param {
		if j == 0 {
			return store.Param{Name: "Device.DeviceInfo.ModelName", Value: fmt.Sprint("model-", dev%10), Type: "xsd:string"}
		}
		return store.Param{Name: fmt.Sprintf("Device.DeviceInfo.X%d", j), Value: "v", Type: "xsd:string"}
	})
	ctx := context.Background()
	byParam := func(_ *store.Device, params func(string) (store.Param, bool)) bool {
		p, ok := params("Device.DeviceInfo.ModelName")
		return ok && p.Value == "model-3"
	}
	rng := rand.New(rand.NewPCG(3, 4))
	b.Run("match-param", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			after := benchID(rng.IntN(fleet - 2000))
			devs, _, err := s.ListDevices(ctx, store.DeviceQuery{After: after, Limit: 100, Match: byParam})
			if err != nil || len(devs) != 100 {
				b.Fatal(len(devs), err)
			}
		}
	})
	b.Run("no-filter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			devs, _, err := s.ListDevices(ctx, store.DeviceQuery{After: benchID(rng.IntN(fleet - 200)), Limit: 100})
			if err != nil || len(devs) != 100 {
				b.Fatal(len(devs), err)
			}
		}
	})
	b.Run("full-scan-no-match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			devs, _, err := s.ListDevices(ctx, store.DeviceQuery{Limit: 100, Match: func(d *store.Device, _ func(string) (store.Param, bool)) bool {
				return d.SoftwareVersion == "none"
			}})
			if err != nil || len(devs) != 0 {
				b.Fatal(len(devs), err)
			}
		}
	})
}

// diskWrites is what this process has written to storage so far
// (/proc/self/io write_bytes; 0 where that is not available).
func diskWrites() int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
