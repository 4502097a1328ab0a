package store

import (
	"fmt"
	"os"
	"testing"
)

// BenchmarkAppendEvent measures one durable append: a bbolt commit with
// its fsyncs, which is what the session pays before sending an Inform.
func BenchmarkAppendEvent(b *testing.B) {
	s, _ := openTemp(b)
	e := Event{Code: "4 VALUE CHANGE", Time: t0}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AppendEvent(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveValues50 measures one SetParameterValues of 50 parameters
// persisted in a single commit.
func BenchmarkSaveValues50(b *testing.B) {
	s, _ := openTemp(b)
	vals := make(map[string]string, 50)
	for i := 0; i < 50; i++ {
		vals[fmt.Sprintf("Device.WiFi.AccessPoint.%d.Security.ModeEnabled", i+1)] = "WPA2-Personal"
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SaveValues(vals); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen measures Open of a populated store (validation included),
// the cost added to every agent start.
func BenchmarkOpen(b *testing.B) {
	path := populated(b)
	for b.Loop() {
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	st, _ := os.Stat(path)
	b.ReportMetric(float64(st.Size()), "file-bytes")
}
