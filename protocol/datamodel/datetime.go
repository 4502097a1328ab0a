package datamodel

import (
	"time"
)

// UnknownTime is the TR-106 value of a dateTime that is unknown or not
// applicable. It equals the zero time.Time.
const UnknownTime = "0001-01-01T00:00:00Z"

// DateTime is a TR-106 dateTime value.
//
// TR-106 values are ISO 8601 date-times with a "Z" or an offset, optionally
// with fractional seconds. A value without a time zone whose year is below
// 1000 is a time since boot (0001-01-03T03:04:05 is 2 days, 3 hours, 4
// minutes and 5 seconds after boot); any other value without a zone is
// taken as UTC. 0001-01-01T00:00:00Z, which is the zero time.Time, is the
// Unknown Time.
type DateTime struct {
	// Time is the instant in UTC; for a relative value it is
	// 0001-01-01T00:00:00 plus the time since boot.
	Time time.Time
	// Relative marks a time since boot.
	Relative bool
}

// IsUnknown reports whether d is the Unknown Time.
func (d DateTime) IsUnknown() bool { return !d.Relative && d.Time.IsZero() }

// SinceBoot returns the time since boot of a relative value.
func (d DateTime) SinceBoot() (time.Duration, bool) {
	if !d.Relative {
		return 0, false
	}
	return d.Time.Sub(time.Time{}), true
}

// String returns the canonical form: UTC with "Z" (no zone for a relative
// value), fractional seconds only when not zero.
func (d DateTime) String() string {
	if d.Relative {
		return d.Time.Format("2006-01-02T15:04:05.999999999")
	}
	return FormatDateTime(d.Time)
}

// FormatDateTime formats an absolute time in canonical TR-106 form, in UTC.
// The zero time.Time formats as UnknownTime.
func FormatDateTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999999Z")
}

// ParseDateTime parses a TR-106 dateTime. Errors wrap ErrType.
func ParseDateTime(s string) (DateTime, error) {
	d, reason := parseDateTime(trimXMLSpace(s))
	if reason != "" {
		return DateTime{}, &ValueError{Kind: ErrType, Type: "dateTime", Value: s, Reason: reason}
	}
	return d, nil
}

// parseDateTime reads YYYY-MM-DDThh:mm:ss[.f+][Z|(+|-)hh:mm].
func parseDateTime(s string) (DateTime, string) {
	const layout = "not a dateTime (YYYY-MM-DDThh:mm:ss with an optional fraction and zone)"
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return DateTime{}, layout
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return DateTime{}, layout
	}
	rest := s[19:]
	nsec := 0
	if rest != "" && rest[0] == '.' {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return DateTime{}, layout
		}
		rest = rest[i:]
	}
	zoned := false
	offset := 0
	switch {
	case rest == "":
	case rest == "Z":
		zoned = true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		zh, ok1 := digits(rest[1:3])
		zm, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || zm > 59 || zh > 14 || zh == 14 && zm != 0 {
			return DateTime{}, "time zone offset out of range"
		}
		offset = (zh*60 + zm) * 60
		if rest[0] == '-' {
			offset = -offset
		}
		zoned = true
	default:
		return DateTime{}, layout
	}
	if year == 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return DateTime{}, "no such date"
	}
	endOfDay := hour == 24 && minute == 0 && sec == 0 && nsec == 0
	if (hour > 23 && !endOfDay) || minute > 59 || sec > 59 {
		return DateTime{}, "no such time of day"
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	t = t.Add(-time.Duration(offset) * time.Second)
	if y := t.Year(); y < 1 || y > 9999 {
		return DateTime{}, "outside the years 0001 to 9999 in UTC"
	}
	return DateTime{Time: t, Relative: !zoned && year < 1000}, ""
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
