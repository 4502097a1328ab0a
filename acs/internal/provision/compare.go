package provision

import (
	"strings"
	"time"
)

// cmpOp turns the result of a three-way comparison into the operator's
// verdict; ok is false for LIKE, which is not an ordering.
func cmpOp(op string) (f func(c int) bool, ok bool) {
	switch op {
	case "=":
		return func(c int) bool { return c == 0 }, true
	case "!=":
		return func(c int) bool { return c != 0 }, true
	case "<":
		return func(c int) bool { return c < 0 }, true
	case "<=":
		return func(c int) bool { return c <= 0 }, true
	case ">":
		return func(c int) bool { return c > 0 }, true
	case ">=":
		return func(c int) bool { return c >= 0 }, true
	}
	return nil, false
}

func isOrdering(op string) bool {
	return op == "<" || op == "<=" || op == ">" || op == ">="
}

// decimal is a parsed number: sign, integer digits without leading zeros
// and fraction digits without trailing zeros. Comparing these exactly avoids
// float rounding, so unsignedLong counters near 2^64 compare right.
type decimal struct {
	neg        bool
	intp, frac string
}

// parseDecimal reads [+-]digits[.digits], the lexical form of every TR-106
// integer type and of xsd:decimal (leading zeros allowed, as CPEs send
// them).
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	if s != "" && (s[0] == '-' || s[0] == '+') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	if (ip == "" && fp == "") || !allDigits(ip) || !allDigits(fp) {
		return decimal{}, false
	}
	d.intp = strings.TrimLeft(ip, "0")
	d.frac = strings.TrimRight(fp, "0")
	if d.intp == "" && d.frac == "" {
		d.neg = false // -0 is 0
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func (a decimal) cmp(b decimal) int {
	if a.neg != b.neg {
		if a.neg {
			return -1
		}
		return 1
	}
	c := a.cmpAbs(b)
	if a.neg {
		return -c
	}
	return c
}

func (a decimal) cmpAbs(b decimal) int {
	if len(a.intp) != len(b.intp) {
		if len(a.intp) < len(b.intp) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.intp, b.intp); c != 0 {
		return c
	}
	// Fractions without trailing zeros compare as strings: "5" > "49".
	return strings.Compare(a.frac, b.frac)
}

// timeLit is a lastInform or dateTime value in a filter: an absolute RFC
// 3339 time, or one relative to the moment of matching ("-1h", "-7d").
type timeLit struct {
	abs      time.Time
	rel      time.Duration // <= 0; used when relative
	relative bool
}

func (t timeLit) at(now time.Time) time.Time {
	if t.relative {
		return now.Add(t.rel)
	}
	return t.abs
}

// parseTimeLit reads an RFC 3339 time or a relative one: "-" followed by
// one or more number+unit pairs with units d (24 h), h, m, s ("-1d12h").
// Only past offsets exist, because a device's last Inform lies in the past.
func parseTimeLit(s string) (timeLit, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return timeLit{abs: t}, true
	}
	if len(s) < 3 || s[0] != '-' {
		return timeLit{}, false
	}
	var total time.Duration
	rest := s[1:]
	for rest != "" {
		i := 0
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 0 || i > 9 || i == len(rest) {
			return timeLit{}, false
		}
		var n time.Duration
		for _, c := range rest[:i] {
			n = n*10 + time.Duration(c-'0')
		}
		var unit time.Duration
		switch rest[i] {
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		case 's':
			unit = time.Second
		default:
			return timeLit{}, false
		}
		total += n * unit
		if total > 100*365*24*time.Hour {
			return timeLit{}, false
		}
		rest = rest[i+1:]
	}
	return timeLit{rel: -total, relative: true}, true
}
