package loadgen

import (
	"bytes"
	"fmt"
	"time"

	"gatewarden/protocol/cwmp"
)

// informTemplate is a scenario's Inform, encoded once with markers where
// the per-session values go (the cwmp:ID, the serial number, the current
// time), so that a session costs a few appends instead of an encoding.
// Devices whose state the ACS changed (a ParameterKey, written values) are
// encoded in full instead: they are few, and correctness beats speed there.
type informTemplate struct {
	events []cwmp.EventStruct
	segs   []informSeg
}

type segKind uint8

const (
	segLiteral segKind = iota
	segID
	segSerial
	segTime
)

type informSeg struct {
	kind segKind
	lit  []byte
}

// The markers survive XML escaping unchanged and cannot occur in the
// encoded envelope by accident (no element, value or namespace has them).
var informMarkers = [...]struct {
	kind segKind
	text string
}{
	{segID, "GWTBMARKID"},
	{segSerial, "GWTBMARKSERIAL"},
	{segTime, "GWTBMARKTIME"},
}

func newInformTemplate(events []cwmp.EventStruct) (*informTemplate, error) {
	if _, err := informParams(); err != nil {
		return nil, err
	}
	t := &informTemplate{events: events}
	marked := &device{serial: informMarkers[1].text}
	env := t.envelope(marked, informMarkers[0].text, cwmp.DateTime(informMarkers[2].text))
	b, err := cwmp.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encoding the inform template: %w", err)
	}
	for len(b) > 0 {
		at, which := -1, -1
		for i, m := range informMarkers {
			if j := bytes.Index(b, []byte(m.text)); j >= 0 && (at < 0 || j < at) {
				at, which = j, i
			}
		}
		if at < 0 {
			t.segs = append(t.segs, informSeg{kind: segLiteral, lit: b})
			break
		}
		if at > 0 {
			t.segs = append(t.segs, informSeg{kind: segLiteral, lit: b[:at]})
		}
		t.segs = append(t.segs, informSeg{kind: informMarkers[which].kind})
		b = b[at+len(informMarkers[which].text):]
	}
	// The fast path must send exactly what the encoder would: check once
	// with a real identity rather than trust that nothing got escaped.
	probe := &device{serial: Serial(1)}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	fast := t.appendFast(nil, probe, []byte("1"), now)
	full, err := cwmp.Marshal(t.envelope(probe, "1", sessionTime(now)))
	if err != nil {
		return nil, fmt.Errorf("encoding the inform template: %w", err)
	}
	if !bytes.Equal(fast, full) {
		return nil, fmt.Errorf("inform template does not reproduce the encoder's output")
	}
	return t, nil
}

// sessionTime is the Inform's CurrentTime: local time with its offset, in
// whole seconds as most CPE clocks report it.
func sessionTime(now time.Time) cwmp.DateTime {
	return cwmp.DateTime(now.Format(time.RFC3339))
}

// envelope is the Inform of device d in full.
func (t *informTemplate) envelope(d *device, id string, now cwmp.DateTime) *cwmp.Envelope {
	return &cwmp.Envelope{
		Header: cwmp.Header{ID: id},
		Body: &cwmp.Inform{
			DeviceId: cwmp.DeviceIdStruct{
				Manufacturer: Manufacturer,
				OUI:          OUI,
				ProductClass: ProductClass,
				SerialNumber: d.serial,
			},
			Event:         t.events,
			MaxEnvelopes:  1,
			CurrentTime:   now,
			RetryCount:    0,
			ParameterList: d.informValues(),
		},
	}
}

// appendInform appends device d's Inform with header ID id to dst.
func (t *informTemplate) appendInform(dst []byte, d *device, id []byte, now time.Time) ([]byte, error) {
	if d.set == nil {
		return t.appendFast(dst, d, id, now), nil
	}
	w := appendWriter{b: dst}
	if err := cwmp.Encode(&w, t.envelope(d, string(id), sessionTime(now))); err != nil {
		return dst, fmt.Errorf("encoding inform: %w", err)
	}
	return w.b, nil
}

func (t *informTemplate) appendFast(dst []byte, d *device, id []byte, now time.Time) []byte {
	for _, s := range t.segs {
		switch s.kind {
		case segLiteral:
			dst = append(dst, s.lit...)
		case segID:
			dst = append(dst, id...)
		case segSerial:
			dst = append(dst, d.serial...)
		case segTime:
			dst = now.AppendFormat(dst, time.RFC3339)
		}
	}
	return dst
}

// appendWriter lets the encoder write into a reused buffer.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
