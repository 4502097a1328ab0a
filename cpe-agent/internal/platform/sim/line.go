package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// line is the simulated DSL line (VDSL2 17a over PTM). Its fixed
// properties come from the device seed and the boot; the drifting ones
// (noise margin, errored seconds) advance minute by minute from an RNG
// stream, so the values at a given clock time do not depend on when or how
// often they are read.
type line struct {
	_        [0]func() // not comparable: spares the binary an equality function
	rng      *rand.Rand
	showtime time.Time
	minute   int64 // last simulated minute (Unix minutes)

	attDown, attUp       int64  // attenuation, 0.1 dB
	marginDown, marginUp int64  // noise margin on a clean line, 0.1 dB
	powerDown, powerUp   int64  // 0.1 dBmV
	maxDown, maxUp       uint64 // attainable rate, kbit/s

	driftDown, driftUp int64 // current noise-margin drift, 0.1 dB
	degradation        float64

	total, show, day, quarter errCount
	dayIdx, quarterIdx        int64
}

// errCount is one interval's errored and severely errored seconds.
type errCount struct{ es, ses uint64 }

func (c *errCount) add(es, ses uint64) {
	c.es += es
	c.ses += ses
}

// Profile 17a tops out at about 100 Mbit/s down, 40 up on a short loop.
const (
	capDown = 100_000
	capUp   = 40_000
	// maxCatchUp bounds the minutes simulated in one read (a week).
	maxCatchUp = 7 * 24 * 60
)

func newLine(seed, boot uint64, showtime time.Time) line {
	r := rand.New(rand.NewPCG(seed, 0xd51))
	l := line{showtime: showtime, minute: showtime.Unix() / 60}
	// Loop length fixes attenuation, and attenuation the attainable rate.
	km := 0.2 + r.Float64()*1.3
	l.attDown = int64(km * 140)
	l.attUp = int64(km * 90)
	l.maxDown = uint64(math.Max(8_000, capDown*1.1-km*55_000))
	l.maxUp = uint64(math.Max(1_000, capUp*1.1-km*24_000))
	l.marginDown = 60 + int64(r.IntN(60))
	l.marginUp = 60 + int64(r.IntN(60))
	l.powerDown = 130 + int64(r.IntN(30))
	l.powerUp = 50 + int64(r.IntN(90))
	// The drift stream differs per boot, as a retrained line would.
	l.rng = rand.New(rand.NewPCG(seed^0x11e, boot))
	l.dayIdx = l.minute * 60 / 86400
	l.quarterIdx = l.minute * 60 / 900
	return l
}

// advance simulates the minutes up to now.
func (l *line) advance(now time.Time) {
	target := now.Unix() / 60
	if target-l.minute > maxCatchUp {
		l.minute = target - maxCatchUp
	}
	for l.minute < target {
		l.minute++
		l.step(l.minute)
	}
}

// step simulates one minute. It always draws the same number of values so
// that the degradation knob changes outcomes, not the stream.
func (l *line) step(m int64) {
	if d := m * 60 / 86400; d != l.dayIdx {
		l.dayIdx, l.day = d, errCount{}
	}
	if q := m * 60 / 900; q != l.quarterIdx {
		l.quarterIdx, l.quarter = q, errCount{}
	}
	dd, du := int64(l.rng.IntN(5))-2, int64(l.rng.IntN(5))-2
	pES, nES := l.rng.Float64(), uint64(1+l.rng.IntN(8))
	pSES, nSES := l.rng.Float64(), uint64(1+l.rng.IntN(3))
	l.driftDown = clamp(l.driftDown+dd, -20, 20)
	l.driftUp = clamp(l.driftUp+du, -20, 20)
	var es, ses uint64
	if pES < 0.002+0.4*l.degradation {
		es = nES
	}
	if pSES < 0.25*l.degradation*l.degradation {
		ses = nSES
		es += nSES
	}
	for _, c := range []*errCount{&l.total, &l.show, &l.day, &l.quarter} {
		c.add(es, ses)
	}
}

func clamp(v, lo, hi int64) int64 { return max(lo, min(hi, v)) }

// noiseMargin returns the current margins in 0.1 dB: the clean-line
// margin shrunk by the degradation, plus the drift.
func (l *line) noiseMargin() (down, up int64) {
	k := 1 - l.degradation
	return max(0, int64(float64(l.marginDown)*k)+l.driftDown), max(0, int64(float64(l.marginUp)*k)+l.driftUp)
}

// currRate returns the synchronised rates in kbit/s.
func (l *line) currRate() (down, up uint64) {
	k := 1 - 0.5*l.degradation
	return uint64(float64(min(l.maxDown*85/100, capDown)) * k), uint64(float64(min(l.maxUp*85/100, capUp)) * k)
}

// quarterStart and dayStart return the seconds elapsed in the current
// 15-minute and day intervals.
func intervalStarts(now time.Time) (quarter, day uint64) {
	u := now.Unix()
	return uint64(u % 900), uint64(u % 86400)
}
