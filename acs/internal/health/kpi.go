package health

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Sample is one telemetry message: parameter values at a time.
type Sample struct {
	Time   time.Time
	Values map[string]string
}

// State is a line's health.
type State string

const (
	Good     State = "good"
	Degraded State = "degraded"
	Failing  State = "failing"
	// Unknown: no usable line figures yet (no DSL line, or no samples).
	Unknown State = "unknown"
)

// rank orders states from best to worst.
func (s State) rank() int {
	switch s {
	case Good:
		return 1
	case Degraded:
		return 2
	case Failing:
		return 3
	}
	return 0
}

// Worse reports whether s is worse than t.
func (s State) Worse(t State) bool { return s.rank() > t.rank() }

// KPIs are a window's figures. Absent figures are NaN in the floats and
// omitted from JSON by the caller.
type KPIs struct {
	LineUp                             bool
	SyncRatioDown, SyncRatioUp         float64 // 0..1
	RateDownKbps, RateUpKbps           float64
	MaxRateDownKbps, MaxRateUpKbps     float64
	NoiseMarginDownDB, NoiseMarginUpDB float64
	AttenuationDownDB, AttenuationUpDB float64
	ErroredSecsPerHour                 float64
	Retrains                           int
	WANAvailability                    float64 // 0..1
	Samples                            int
	Window                             time.Duration
}

// Thresholds decide the state. A figure past Degraded* makes the line
// degraded, past Failing* failing.
type Thresholds struct {
	DegradedMarginDB     float64 `json:"degradedMarginDB"`
	FailingMarginDB      float64 `json:"failingMarginDB"`
	DegradedSyncRatio    float64 `json:"degradedSyncRatio"`
	FailingSyncRatio     float64 `json:"failingSyncRatio"`
	DegradedESPerHour    float64 `json:"degradedErroredSecsPerHour"`
	FailingESPerHour     float64 `json:"failingErroredSecsPerHour"`
	DegradedRetrains     int     `json:"degradedRetrains"` // more than this many in the window
	FailingRetrains      int     `json:"failingRetrains"`
	DegradedAvailability float64 `json:"degradedAvailability"`
	FailingAvailability  float64 `json:"failingAvailability"`
}

// DefaultThresholds are the defaults described in the package doc.
func DefaultThresholds() Thresholds {
	return Thresholds{
		DegradedMarginDB: 6, FailingMarginDB: 3,
		DegradedSyncRatio: 0.7, FailingSyncRatio: 0.4,
		DegradedESPerHour: 10, FailingESPerHour: 60,
		DegradedRetrains: 2, FailingRetrains: 6,
		DegradedAvailability: 0.99, FailingAvailability: 0.9,
	}
}

// Check refuses thresholds that cannot order degraded before failing.
func (t Thresholds) Check() error {
	switch {
	case t.FailingMarginDB > t.DegradedMarginDB:
		return fmt.Errorf("health: failing margin %.1f dB above the degraded %.1f dB", t.FailingMarginDB, t.DegradedMarginDB)
	case t.FailingSyncRatio > t.DegradedSyncRatio || t.DegradedSyncRatio > 1:
		return fmt.Errorf("health: sync ratios %.2f/%.2f out of order or above 1", t.DegradedSyncRatio, t.FailingSyncRatio)
	case t.FailingESPerHour < t.DegradedESPerHour:
		return fmt.Errorf("health: failing errored seconds %.0f/h below the degraded %.0f/h", t.FailingESPerHour, t.DegradedESPerHour)
	case t.FailingRetrains < t.DegradedRetrains:
		return fmt.Errorf("health: failing retrains %d below the degraded %d", t.FailingRetrains, t.DegradedRetrains)
	case t.FailingAvailability > t.DegradedAvailability || t.DegradedAvailability > 1:
		return fmt.Errorf("health: availabilities %.3f/%.3f out of order or above 1", t.DegradedAvailability, t.FailingAvailability)
	}
	return nil
}

// names are where a data model keeps the line figures.
type names struct {
	status, lastChange                   string
	rateDown, rateUp, maxDown, maxUp     string
	marginDown, marginUp, attDown, attUp string
	erroredSecs                          string
	statusUp                             string
}

var tr181 = names{
	status: "Device.DSL.Line.1.Status", lastChange: "Device.DSL.Line.1.LastChange",
	rateDown: "Device.DSL.Channel.1.DownstreamCurrRate", rateUp: "Device.DSL.Channel.1.UpstreamCurrRate",
	maxDown: "Device.DSL.Line.1.DownstreamMaxBitRate", maxUp: "Device.DSL.Line.1.UpstreamMaxBitRate",
	marginDown: "Device.DSL.Line.1.DownstreamNoiseMargin", marginUp: "Device.DSL.Line.1.UpstreamNoiseMargin",
	attDown: "Device.DSL.Line.1.DownstreamAttenuation", attUp: "Device.DSL.Line.1.UpstreamAttenuation",
	erroredSecs: "Device.DSL.Line.1.Stats.Total.ErroredSecs",
	statusUp:    "Up",
}

const wd = "InternetGatewayDevice.WANDevice.1.WANDSLInterfaceConfig."

var tr098 = names{
	status: wd + "Status", lastChange: wd + "ShowtimeStart",
	rateDown: wd + "DownstreamCurrRate", rateUp: wd + "UpstreamCurrRate",
	maxDown: wd + "DownstreamMaxRate", maxUp: wd + "UpstreamMaxRate",
	marginDown: wd + "DownstreamNoiseMargin", marginUp: wd + "UpstreamNoiseMargin",
	attDown: wd + "DownstreamAttenuation", attUp: wd + "UpstreamAttenuation",
	erroredSecs: wd + "Stats.Total.ErroredSecs",
	statusUp:    "Up",
}

func namesFor(s Sample) names {
	for k := range s.Values {
		if strings.HasPrefix(k, "InternetGatewayDevice.") {
			return tr098
		}
		break
	}
	return tr181
}

func num(s Sample, name string) (float64, bool) {
	v, ok := s.Values[name]
	if !ok {
		return math.NaN(), false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return math.NaN(), false
	}
	return f, true
}

// Compute works out the KPIs of samples taken every interval (0: guess
// it from the samples' spacing). Samples need not be sorted.
func Compute(samples []Sample, interval time.Duration) KPIs {
	k := KPIs{
		SyncRatioDown: math.NaN(), SyncRatioUp: math.NaN(),
		RateDownKbps: math.NaN(), RateUpKbps: math.NaN(), MaxRateDownKbps: math.NaN(), MaxRateUpKbps: math.NaN(),
		NoiseMarginDownDB: math.NaN(), NoiseMarginUpDB: math.NaN(),
		AttenuationDownDB: math.NaN(), AttenuationUpDB: math.NaN(),
		ErroredSecsPerHour: math.NaN(), WANAvailability: math.NaN(),
		Samples: len(samples),
	}
	if len(samples) == 0 {
		return k
	}
	s := append([]Sample(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i].Time.Before(s[j].Time) })
	last := s[len(s)-1]
	n := namesFor(last)

	k.LineUp = last.Values[n.status] == n.statusUp
	k.RateDownKbps, _ = num(last, n.rateDown)
	k.RateUpKbps, _ = num(last, n.rateUp)
	k.MaxRateDownKbps, _ = num(last, n.maxDown)
	k.MaxRateUpKbps, _ = num(last, n.maxUp)
	if k.MaxRateDownKbps > 0 {
		k.SyncRatioDown = k.RateDownKbps / k.MaxRateDownKbps
	}
	if k.MaxRateUpKbps > 0 {
		k.SyncRatioUp = k.RateUpKbps / k.MaxRateUpKbps
	}
	// TR-181 and TR-098 both give margins and attenuation in 0.1 dB.
	if v, ok := num(last, n.marginDown); ok {
		k.NoiseMarginDownDB = v / 10
	}
	if v, ok := num(last, n.marginUp); ok {
		k.NoiseMarginUpDB = v / 10
	}
	if v, ok := num(last, n.attDown); ok {
		k.AttenuationDownDB = v / 10
	}
	if v, ok := num(last, n.attUp); ok {
		k.AttenuationUpDB = v / 10
	}
	if _, ok := last.Values[n.status]; !ok {
		// No status: tell up-ness by a rate being reported.
		k.LineUp = k.RateDownKbps > 0
	}

	k.Window = last.Time.Sub(s[0].Time)
	if interval <= 0 {
		interval = medianGap(s)
	}
	// Errored seconds: sum the growth between neighbours; a fall is a
	// counter reset, after which the new value is the growth.
	var es float64
	var esTime time.Duration
	for i := 1; i < len(s); i++ {
		a, okA := num(s[i-1], n.erroredSecs)
		b, okB := num(s[i], n.erroredSecs)
		if !okA || !okB {
			continue
		}
		if b >= a {
			es += b - a
		} else {
			es += b
		}
		esTime += s[i].Time.Sub(s[i-1].Time)
	}
	if esTime > 0 {
		k.ErroredSecsPerHour = es / esTime.Hours()
	}
	for i := 1; i < len(s); i++ {
		lc, ok := num(s[i], n.lastChange)
		gap := s[i].Time.Sub(s[i-1].Time).Seconds()
		if ok && s[i].Values[n.status] == n.statusUp && lc < gap {
			k.Retrains++
		}
	}
	if interval > 0 && k.Window > 0 {
		// A sample counts as missed only where a gap spans two intervals
		// or more: a late sample (a busy agent or broker) is not an outage.
		missed := 0.0
		for i := 1; i < len(s); i++ {
			if gaps := math.Floor(s[i].Time.Sub(s[i-1].Time).Seconds() / interval.Seconds()); gaps > 1 {
				missed += gaps - 1
			}
		}
		up := 0
		for _, x := range s {
			if x.Values[n.status] == n.statusUp || (x.Values[n.status] == "" && func() bool { v, _ := num(x, n.rateDown); return v > 0 }()) {
				up++
			}
		}
		k.WANAvailability = float64(up) / (float64(len(s)) + missed)
	}
	return k
}

func medianGap(s []Sample) time.Duration {
	if len(s) < 2 {
		return 0
	}
	gaps := make([]time.Duration, 0, len(s)-1)
	for i := 1; i < len(s); i++ {
		gaps = append(gaps, s[i].Time.Sub(s[i-1].Time))
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	return gaps[len(gaps)/2]
}

// Judge gives the state of k and the reasons for it, worst first.
func Judge(k KPIs, t Thresholds) (State, []string) {
	if k.Samples == 0 {
		return Unknown, nil
	}
	state := Good
	var reasons []string
	mark := func(s State, why string) {
		if s.Worse(state) {
			state = s
			reasons = append([]string{why}, reasons...)
			return
		}
		reasons = append(reasons, why)
	}
	if !k.LineUp {
		mark(Failing, "line down")
	}
	below := func(v, degraded, failing float64, what, unit string) {
		if math.IsNaN(v) {
			return
		}
		switch {
		case v < failing:
			mark(Failing, fmt.Sprintf("%s %.1f%s below %.1f%s", what, v, unit, failing, unit))
		case v < degraded:
			mark(Degraded, fmt.Sprintf("%s %.1f%s below %.1f%s", what, v, unit, degraded, unit))
		}
	}
	above := func(v, degraded, failing float64, what, unit string) {
		if math.IsNaN(v) {
			return
		}
		switch {
		case v > failing:
			mark(Failing, fmt.Sprintf("%s %.1f%s above %.1f%s", what, v, unit, failing, unit))
		case v > degraded:
			mark(Degraded, fmt.Sprintf("%s %.1f%s above %.1f%s", what, v, unit, degraded, unit))
		}
	}
	if k.LineUp {
		below(k.NoiseMarginDownDB, t.DegradedMarginDB, t.FailingMarginDB, "downstream noise margin", " dB")
		below(k.NoiseMarginUpDB, t.DegradedMarginDB, t.FailingMarginDB, "upstream noise margin", " dB")
		below(k.SyncRatioDown*100, t.DegradedSyncRatio*100, t.FailingSyncRatio*100, "downstream sync", "% of attainable")
	}
	above(k.ErroredSecsPerHour, t.DegradedESPerHour, t.FailingESPerHour, "errored seconds", "/h")
	above(float64(k.Retrains), float64(t.DegradedRetrains), float64(t.FailingRetrains), "retrains", "")
	below(k.WANAvailability*100, t.DegradedAvailability*100, t.FailingAvailability*100, "WAN availability", "%")
	return state, reasons
}
