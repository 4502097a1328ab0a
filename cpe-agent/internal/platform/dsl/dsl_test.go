package dsl

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

func TestFilesLine(t *testing.T) {
	f := &Files{Dir: "testdata/lines"}
	names, err := f.Lines()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"broken", "dsl0", "dsl1"}) {
		t.Fatalf("Lines = %q", names)
	}
	got, err := f.Line("dsl0")
	if err != nil {
		t.Fatal(err)
	}
	want := Line{State: StateUp, FirmwareVersion: "A2pv6F039v.d26", Profile: "17a",
		UpstreamRate: 40000, DownstreamRate: 100000, UpstreamMaxRate: 46000, DownstreamMaxRate: 118000,
		UpstreamNoiseMargin: 95, DownstreamNoiseMargin: -12, UpstreamAttenuation: 101, DownstreamAttenuation: 180,
		UpstreamPower: 72, DownstreamPower: 145, ErroredSecs: math.MaxUint64, SeverelyErroredSecs: 3,
		ShowtimeErroredSecs: 7, Retrains: 2, Showtime: 86400}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dsl0:\n got %+v\nwant %+v", got, want)
	}
	// Only a state file: everything else is "not reported".
	got, err = f.Line("dsl1")
	if err != nil || !reflect.DeepEqual(got, Line{State: StateTraining}) {
		t.Errorf("dsl1: %+v, %v", got, err)
	}
	if _, err := f.Line("broken"); err == nil || !contains(err.Error(), "rate_up") {
		t.Errorf("a malformed counter: err %v, want one naming rate_up", err)
	}
	for _, name := range []string{"gone", "", "..", "../lines/dsl0", "dsl0/"} {
		if _, err := f.Line(name); !errors.Is(err, ErrNoLine) {
			t.Errorf("Line(%q): err %v, want ErrNoLine", name, err)
		}
	}
	if l, err := (&Files{Dir: "testdata/none"}).Lines(); err != nil || len(l) != 0 {
		t.Errorf("a board without the directory: %q, %v", l, err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A line that disappears between Lines and Line (modem unloaded) is
// reported as ErrNoLine, not as a line with zeros.
func TestFilesLineVanishes(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dsl0"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "dsl0", "state"), []byte("up"), 0o644)
	f := &Files{Dir: dir}
	names, _ := f.Lines()
	os.RemoveAll(filepath.Join(dir, "dsl0"))
	if _, err := f.Line(names[0]); !errors.Is(err, ErrNoLine) {
		t.Fatalf("vanished line: %v", err)
	}
}

func TestParseState(t *testing.T) {
	for in, want := range map[string]State{"UP": StateUp, "showtime\n": StateUp, "handshake": StateTraining,
		"idle": StateDown, "no-signal": StateNoSignal, "Fault": StateError} {
		if got, err := ParseState(in); err != nil || got != want {
			t.Errorf("ParseState(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseState("sync"); err == nil {
		t.Error("an unknown state parsed")
	}
}

// Bind on the fixture tree, through a real tree: the values reach the
// RPC surface with TR-181's names and units.
func TestBind(t *testing.T) {
	r := model.NewRegistry()
	Bind(r, &Files{Dir: "testdata/lines"})
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	tree, err := model.New(ctx, r, model.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	vals, err := tree.GetParameterValues(ctx, []string{"Device.DSL.Line.2."})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range vals {
		got[v.Name] = v.Value
	}
	for name, want := range map[string]string{
		"Device.DSL.Line.2.Name": "dsl0", "Device.DSL.Line.2.Status": "Up", "Device.DSL.Line.2.LinkStatus": "Up",
		"Device.DSL.Line.2.DownstreamNoiseMargin": "-12", "Device.DSL.Line.2.DownstreamMaxBitRate": "118000",
		"Device.DSL.Line.2.Stats.Total.ErroredSecs": "18446744073709551615", "Device.DSL.Line.2.CurrentProfile": "17a",
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	// The broken line's counters fail the request instead of reading 0.
	_, err = tree.GetParameterValues(ctx, []string{"Device.DSL.Line.1.UpstreamMaxBitRate"})
	var f *cwmp.Fault
	if err == nil || errors.As(err, &f) && f.FaultCode != cwmp.FaultInternalError {
		t.Errorf("broken line read: %v", err)
	}
}
