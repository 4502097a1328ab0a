package files

import (
	"strconv"
	"strings"
)

// byteRange is one satisfiable range: [start, end] inclusive.
type byteRange struct{ start, end int64 }

// maxRanges bounds the ranges of one request; a CPE resuming a download
// asks for one, and hundreds would only serve to amplify traffic.
const maxRanges = 16

// parseRange reads a Range header (RFC 9110 §14.1.2) against a file of
// size bytes. ok is false for a header that is not a byte-range set;
// otherwise ranges holds the satisfiable ones, clipped to the file (none:
// the request is unsatisfiable). A suffix of zero bytes ("-0") is
// unsatisfiable, which the standard library gets wrong.
func parseRange(h string, size int64) (ranges []byteRange, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found {
		return nil, false
	}
	parts := strings.Split(spec, ",")
	if len(parts) > maxRanges {
		return nil, false
	}
	for _, p := range parts {
		p = strings.Trim(p, " \t")
		first, last, dash := strings.Cut(p, "-")
		if !dash {
			return nil, false
		}
		if first == "" {
			n, err := digits(last)
			if err != nil {
				return nil, false
			}
			if n == 0 || size == 0 {
				continue
			}
			ranges = append(ranges, byteRange{start: max(size-n, 0), end: size - 1})
			continue
		}
		s, err := digits(first)
		if err != nil {
			return nil, false
		}
		e := int64(-1)
		if last != "" {
			if e, err = digits(last); err != nil || e < s {
				return nil, false
			}
		}
		if s >= size {
			continue
		}
		if e < 0 || e >= size {
			e = size - 1
		}
		ranges = append(ranges, byteRange{start: s, end: e})
	}
	return ranges, true
}

// digits reads 1*DIGIT, nothing else (no sign, no spaces).
func digits(s string) (int64, error) {
	if s == "" || len(s) > 18 {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// normalRange rewrites a request's Range header into a form the standard
// library serves exactly: a malformed one is dropped (the whole file is
// sent, as RFC 9110 allows), satisfiable ranges are written out as
// first-last, and an unsatisfiable set becomes one range past the end so
// that the answer is 416 (unless If-Range sends the whole file instead).
func normalRange(h string, size int64) string {
	if h == "" {
		return ""
	}
	ranges, ok := parseRange(h, size)
	if !ok {
		return ""
	}
	if len(ranges) == 0 {
		return "bytes=" + strconv.FormatInt(size, 10) + "-"
	}
	var b strings.Builder
	b.WriteString("bytes=")
	for i, r := range ranges {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(r.start, 10))
		b.WriteByte('-')
		b.WriteString(strconv.FormatInt(r.end, 10))
	}
	return b.String()
}
