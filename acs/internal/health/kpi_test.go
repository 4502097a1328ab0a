package health

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// line is a TR-181 sample of a line at minute m.
type line struct {
	up         bool
	rate, max  int // downstream kbit/s
	margin     int // 0.1 dB
	es         int
	lastChange int // seconds
}

func (l line) at(step time.Duration, i int) Sample {
	status := "Up"
	if !l.up {
		status = "NoSignal"
	}
	return Sample{Time: t0.Add(time.Duration(i) * step), Values: map[string]string{
		"Device.DSL.Line.1.Status":                  status,
		"Device.DSL.Line.1.LastChange":              strconv.Itoa(l.lastChange),
		"Device.DSL.Channel.1.DownstreamCurrRate":   strconv.Itoa(l.rate),
		"Device.DSL.Channel.1.UpstreamCurrRate":     strconv.Itoa(l.rate / 5),
		"Device.DSL.Line.1.DownstreamMaxBitRate":    strconv.Itoa(l.max),
		"Device.DSL.Line.1.UpstreamMaxBitRate":      strconv.Itoa(l.max / 5),
		"Device.DSL.Line.1.DownstreamNoiseMargin":   strconv.Itoa(l.margin),
		"Device.DSL.Line.1.UpstreamNoiseMargin":     strconv.Itoa(l.margin + 20),
		"Device.DSL.Line.1.DownstreamAttenuation":   "215",
		"Device.DSL.Line.1.UpstreamAttenuation":     "120",
		"Device.DSL.Line.1.Stats.Total.ErroredSecs": strconv.Itoa(l.es),
	}}
}

// series builds n samples one step apart; f may change the line per
// sample.
func series(n int, step time.Duration, f func(i int, l *line)) []Sample {
	var out []Sample
	for i := 0; i < n; i++ {
		l := line{up: true, rate: 48000, max: 60000, margin: 95, es: 100, lastChange: 86400 + i*int(step.Seconds())}
		if f != nil {
			f(i, &l)
		}
		out = append(out, l.at(step, i))
	}
	return out
}

func TestHealthyLine(t *testing.T) {
	k := Compute(series(13, 5*time.Minute, nil), 0)
	if !k.LineUp || math.Abs(k.SyncRatioDown-0.8) > 1e-9 || k.NoiseMarginDownDB != 9.5 || k.AttenuationDownDB != 21.5 {
		t.Fatalf("%+v", k)
	}
	if k.ErroredSecsPerHour != 0 || k.Retrains != 0 || k.WANAvailability != 1 || k.Window != time.Hour {
		t.Fatalf("%+v", k)
	}
	if s, why := Judge(k, DefaultThresholds()); s != Good || len(why) != 0 {
		t.Fatalf("%s %v", s, why)
	}
}

func TestErroredSecondsAndCounterReset(t *testing.T) {
	// 30 errored seconds every 5 minutes is 360 an hour, with a counter
	// reset (a reboot) in the middle that must not count negative.
	k := Compute(series(13, 5*time.Minute, func(i int, l *line) {
		l.es = 1000 + 30*i
		if i >= 6 {
			l.es = 30 * (i - 5)
		}
	}), 0)
	if math.Abs(k.ErroredSecsPerHour-360) > 1e-9 {
		t.Fatalf("errored seconds per hour %v", k.ErroredSecsPerHour)
	}
	s, why := Judge(k, DefaultThresholds())
	if s != Failing || !strings.Contains(why[0], "errored seconds 360.0/h above 60.0/h") {
		t.Fatalf("%s %v", s, why)
	}
}

func TestMarginAndSyncDegrade(t *testing.T) {
	k := Compute(series(4, time.Minute, func(i int, l *line) { l.margin = 52; l.rate = 39000 }), 0)
	s, why := Judge(k, DefaultThresholds())
	if s != Degraded || len(why) != 2 {
		t.Fatalf("%s %v", s, why)
	}
	if !strings.Contains(strings.Join(why, ";"), "downstream noise margin 5.2 dB below 6.0 dB") ||
		!strings.Contains(strings.Join(why, ";"), "downstream sync 65.0% of attainable below 70.0% of attainable") {
		t.Fatalf("reasons %v", why)
	}
	k = Compute(series(4, time.Minute, func(i int, l *line) { l.margin = 21 }), 0)
	if s, _ := Judge(k, DefaultThresholds()); s != Failing {
		t.Fatalf("2.1 dB: %s", s)
	}
}

func TestRetrainsAndLineDown(t *testing.T) {
	k := Compute(series(10, time.Minute, func(i int, l *line) {
		if i%3 == 0 && i > 0 {
			l.lastChange = 20 // resynced 20 s before this sample
		}
	}), 0)
	if k.Retrains != 3 {
		t.Fatalf("retrains %d", k.Retrains)
	}
	if s, _ := Judge(k, DefaultThresholds()); s != Degraded {
		t.Fatalf("3 retrains: %s", s)
	}
	k = Compute(series(3, time.Minute, func(i int, l *line) { l.up = i < 2 }), 0)
	s, why := Judge(k, DefaultThresholds())
	if k.LineUp || s != Failing || why[0] != "line down" {
		t.Fatalf("%s %v", s, why)
	}
}

func TestMissingSamplesAreOutages(t *testing.T) {
	all := series(21, time.Minute, nil)
	// Five samples lost: the WAN was down for them.
	got := append(append([]Sample{}, all[:8]...), all[13:]...)
	k := Compute(got, time.Minute)
	if math.Abs(k.WANAvailability-16.0/21) > 1e-9 {
		t.Fatalf("availability %v", k.WANAvailability)
	}
	if s, _ := Judge(k, DefaultThresholds()); s != Failing {
		t.Fatalf("76%% availability: %s", s)
	}
	// The interval guessed from the spacing gives the same.
	if k2 := Compute(got, 0); k2.WANAvailability != k.WANAvailability {
		t.Fatalf("guessed interval: %v", k2.WANAvailability)
	}
}

func TestTR098Names(t *testing.T) {
	s := Sample{Time: t0, Values: map[string]string{
		wd + "Status": "Up", wd + "DownstreamCurrRate": "8000", wd + "DownstreamMaxRate": "20000",
		wd + "DownstreamNoiseMargin": "120", wd + "UpstreamNoiseMargin": "110",
	}}
	k := Compute([]Sample{s}, 0)
	if !k.LineUp || k.SyncRatioDown != 0.4 || k.NoiseMarginDownDB != 12 {
		t.Fatalf("%+v", k)
	}
	if st, why := Judge(k, DefaultThresholds()); st != Degraded || !strings.Contains(why[0], "sync") {
		t.Fatalf("%s %v", st, why)
	}
}

func TestNoSamplesIsUnknown(t *testing.T) {
	if s, _ := Judge(Compute(nil, 0), DefaultThresholds()); s != Unknown {
		t.Fatal(s)
	}
}

func TestThresholdsCheck(t *testing.T) {
	if err := DefaultThresholds().Check(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultThresholds()
	bad.FailingMarginDB = 8
	if bad.Check() == nil {
		t.Fatal("failing margin above degraded accepted")
	}
}

// Late samples are not outages: only a gap of two intervals or more
// counts missing samples.
func TestLateSamplesAreNotOutages(t *testing.T) {
	s := series(10, time.Second, nil)
	for i := range s {
		// 0, 1.9, 2.9, 4.8, ...: every other sample 0.9 s late.
		s[i].Time = t0.Add(time.Duration(i)*time.Second + time.Duration(i%2)*900*time.Millisecond)
	}
	if k := Compute(s, time.Second); k.WANAvailability != 1 {
		t.Fatalf("availability %v with late samples", k.WANAvailability)
	}
}
