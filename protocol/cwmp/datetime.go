package cwmp

import (
	"fmt"
	"strings"
	"time"
)

// DateTime is an xs:dateTime kept as the text on the wire, so that every
// value round-trips byte for byte: the Unknown Time, a device's local
// offset ("+02:00"), fractional seconds as sent, and the absence of an
// offset. Use Time to interpret it and NewDateTime to build one.
//
// Decode accepts only valid xs:dateTime text (a device clock reading
// "0000-00-00T00:00:00" is KindMalformed: TR-069 has the Unknown Time for
// that, and Encode could not write it back validly). An empty element
// decodes as UnknownTime, and an empty DateTime encodes as UnknownTime, so a
// zero value is valid on the wire. Encode writes other values as given.
type DateTime string

// UnknownTime is TR-069's "Unknown Time".
const UnknownTime DateTime = "0001-01-01T00:00:00Z"

// NewDateTime formats t with its zone offset ("Z" for UTC) and fractional
// seconds only when present. The zero time becomes UnknownTime.
func NewDateTime(t time.Time) DateTime {
	if t.IsZero() {
		return UnknownTime
	}
	return DateTime(t.Format(time.RFC3339Nano))
}

// Time parses the value as an xs:dateTime. A value without a zone offset
// (allowed by XML Schema; TR-069 leaves it to the device's clock) is taken
// as UTC. The Unknown Time parses as the zero time.Time.
func (d DateTime) Time() (time.Time, error) {
	s := strings.TrimSpace(string(d))
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1 {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cwmp dateTime %q: not an xs:dateTime", string(d))
}

var dateTimeLayouts = []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"}

// parseDateTime checks decoded text: upper-cases the T and Z separators
// (some devices write them in lower case), and rejects anything that is not
// an xs:dateTime, since Encode would have to write it back.
func parseDateTime(s string) (DateTime, error) {
	if s == "" {
		return UnknownTime, nil
	}
	if strings.ContainsAny(s, "tz") {
		s = strings.NewReplacer("t", "T", "z", "Z").Replace(s)
	}
	d := DateTime(s)
	if _, err := d.Time(); err != nil {
		return "", err
	}
	return d, nil
}

// IsUnknown reports whether the value is the Unknown Time (any spelling of
// 0001-01-01T00:00:00 UTC) or empty.
func (d DateTime) IsUnknown() bool {
	t, err := d.Time()
	return err == nil && t.Equal(time.Time{})
}

// wire returns the text to encode.
func (d DateTime) wire() string {
	if d == "" {
		return string(UnknownTime)
	}
	return string(d)
}
