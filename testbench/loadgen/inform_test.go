package loadgen

import (
	"bytes"
	"testing"
	"time"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

func TestTemplateEqualsEncoder(t *testing.T) {
	for _, cfg := range []Config{{Scenario: Periodic}, {Scenario: BootStorm}, {Scenario: BootStorm, Bootstrap: true}} {
		tpl, err := newInformTemplate(cfg.events())
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("", -5*3600))
		for _, n := range []int{1, 42, 999999, 1234567} {
			d := &device{serial: Serial(n)}
			id := []byte("tb-3-" + Serial(n))
			got, err := tpl.appendInform([]byte("prefix"), d, id, now)
			if err != nil {
				t.Fatal(err)
			}
			want, err := cwmp.Marshal(tpl.envelope(d, string(id), sessionTime(now)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, append([]byte("prefix"), want...)) {
				t.Fatalf("%s: template output differs from the encoder's:\n%s\n%s", cfg.Scenario, got, want)
			}
		}
	}
}

func TestInformCarriesForcedParameters(t *testing.T) {
	tpl, err := newInformTemplate(Config{Scenario: Periodic}.events())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	b, err := tpl.appendInform(nil, &device{serial: Serial(7)}, []byte("tb-0-1"), now)
	if err != nil {
		t.Fatal(err)
	}
	env, err := cwmp.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	in := env.Body.(*cwmp.Inform)
	if env.Header.ID != "tb-0-1" || in.DeviceId.SerialNumber != "TB000007" || in.DeviceId.OUI != OUI ||
		in.DeviceId.ProductClass != ProductClass || in.RetryCount != 0 || in.MaxEnvelopes != 1 {
		t.Fatalf("header %+v inform %+v", env.Header, in)
	}
	if len(in.Event) != 1 || in.Event[0].EventCode != cwmp.EventPeriodic {
		t.Fatalf("events %v", in.Event)
	}
	if ct, err := in.CurrentTime.Time(); err != nil || !ct.Equal(now) {
		t.Fatalf("current time %q: %v", in.CurrentTime, err)
	}
	got := map[string]cwmp.ParameterValueStruct{}
	for _, p := range in.ParameterList {
		got[p.Name] = p
	}
	schema := datamodel.TR181()
	forced := schema.ForcedInform()
	if len(forced) != 7 || len(in.ParameterList) != len(forced) {
		t.Fatalf("%d parameters, %d forced in the schema", len(in.ParameterList), len(forced))
	}
	for _, n := range forced {
		p, ok := got[n.Path()]
		if !ok {
			t.Errorf("%s missing", n.Path())
			continue
		}
		// Every value must be valid for its parameter's type.
		if err := n.Validate(p.Value); err != nil {
			t.Errorf("%s = %q: %v", p.Name, p.Value, err)
		}
		if err := n.CheckXSIType(p.Type); err != nil {
			t.Errorf("%s type %q: %v", p.Name, p.Type, err)
		}
	}
	if got["Device.RootDataModelVersion"].Value != schema.Version().String() {
		t.Errorf("root data model version %q", got["Device.RootDataModelVersion"].Value)
	}
}

func TestSerialNumbers(t *testing.T) {
	for n, want := range map[int]string{1: "TB000001", 10000: "TB010000", 1234567: "TB1234567"} {
		if got := Serial(n); got != want {
			t.Errorf("Serial(%d) = %s, want %s", n, got, want)
		}
	}
}

func BenchmarkInformTemplate(b *testing.B) {
	tpl, err := newInformTemplate(Config{Scenario: Periodic}.events())
	if err != nil {
		b.Fatal(err)
	}
	d := &device{serial: Serial(1)}
	buf := make([]byte, 0, 4096)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = tpl.appendInform(buf[:0], d, []byte("tb-1-123456"), now)
	}
}
