package bbolt

import (
	"context"
	"sync/atomic"
	"testing"

	"gatewarden/acs/internal/store"
)

// BenchmarkRecordInformUnchanged is the idle periodic case: 10,000
// devices each repeating the 12 values of its last Inform, so the report
// stamp leaves every parameter unwritten. Compare
// BenchmarkRecordInform/params50 (every value changes every time).
func BenchmarkRecordInformUnchanged(b *testing.B) {
	for _, nosync := range []bool{false, true} {
		name := "sync"
		if nosync {
			name = "nosync"
		}
		b.Run(name, func(b *testing.B) {
			const devices, reported = 10000, 12
			s := benchStore(b)
			s.db.NoSync = nosync
			ids := make([]string, devices)
			for i := range ids {
				ids[i] = benchID(i)
			}
			ctx := context.Background()
			inform := func(i int) error {
				in := store.Inform{
					Device: store.Device{ID: ids[i%devices], OUI: "00D09E", ProductClass: "GW-1",
						SerialNumber: ids[i%devices][14:], SoftwareVersion: "2.1", Root: "Device."},
					Events: []store.Event{{Code: "2 PERIODIC"}},
				}
				for j := range reported {
					in.Params = append(in.Params, store.Param{Name: informNames[j], Value: "1.0", Type: "xsd:string"})
				}
				_, err := s.RecordInform(ctx, in)
				return err
			}
			for i := range devices {
				if err := inform(i); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.SetParallelism(benchParallelism)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := inform(int(next.Add(1))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
