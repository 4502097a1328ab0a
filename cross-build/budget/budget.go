// Package budget keeps the agent's size per target in check: the budgets
// file in the repository says how large each target may be and how large it
// was at the last recorded change, so `make cross` can fail on growth and
// show each change's effect.
package budget

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limit is one target's line of the budgets file. Sizes are in bytes.
type Limit struct {
	Target      string
	MaxStripped int64
	MaxXZ       int64
	// PrevStripped and PrevXZ are the sizes recorded at the last accepted
	// change; 0 when never recorded.
	PrevStripped int64
	PrevXZ       int64
}

// File is the parsed budgets file. The header comment is kept so Record
// rewrites the file without losing its explanation.
type File struct {
	Header []string
	Limits []Limit
}

// Lookup returns the limit for target.
func (f *File) Lookup(target string) (Limit, bool) {
	for _, l := range f.Limits {
		if l.Target == target {
			return l, true
		}
	}
	return Limit{}, false
}

// Parse reads lines of `target max_stripped max_xz prev_stripped prev_xz`;
// `#` starts a comment.
func Parse(r io.Reader) (*File, error) {
	f := &File{}
	sc := bufio.NewScanner(r)
	n := 0
	seen := map[string]bool{}
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			// The column heading is Format's to write.
			if len(f.Limits) == 0 && !strings.HasPrefix(trimmed, "#target") {
				f.Header = append(f.Header, line)
			}
			continue
		}
		if i := strings.IndexByte(trimmed, '#'); i >= 0 {
			trimmed = strings.TrimSpace(trimmed[:i])
		}
		if trimmed == "" {
			continue
		}
		fields := strings.Fields(trimmed)
		if len(fields) != 5 {
			return nil, fmt.Errorf("budgets line %d: want `target max_stripped max_xz prev_stripped prev_xz`, got %d fields", n, len(fields))
		}
		var nums [4]int64
		for i, s := range fields[1:] {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("budgets line %d: %q is not a byte count", n, s)
			}
			nums[i] = v
		}
		if nums[0] == 0 || nums[1] == 0 {
			return nil, fmt.Errorf("budgets line %d: a budget of 0 bytes cannot be met", n)
		}
		if seen[fields[0]] {
			return nil, fmt.Errorf("budgets line %d: target %s listed twice", n, fields[0])
		}
		seen[fields[0]] = true
		f.Limits = append(f.Limits, Limit{Target: fields[0], MaxStripped: nums[0], MaxXZ: nums[1],
			PrevStripped: nums[2], PrevXZ: nums[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("budgets: %w", err)
	}
	if len(f.Limits) == 0 {
		return nil, fmt.Errorf("budgets: no targets")
	}
	return f, nil
}

// Format writes f in the form Parse reads.
func Format(w io.Writer, f *File) error {
	var b strings.Builder
	for _, h := range f.Header {
		b.WriteString(h + "\n")
	}
	fmt.Fprintf(&b, "%-8s %12s %12s %14s %12s\n", "#target", "max_stripped", "max_xz", "prev_stripped", "prev_xz")
	for _, l := range f.Limits {
		fmt.Fprintf(&b, "%-8s %12d %12d %14d %12d\n", l.Target, l.MaxStripped, l.MaxXZ, l.PrevStripped, l.PrevXZ)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Record returns a copy of f whose previous sizes are the measured ones,
// for the commit that accepts a change in size.
func Record(f *File, sizes []Size) *File {
	out := &File{Header: f.Header, Limits: append([]Limit(nil), f.Limits...)}
	for i, l := range out.Limits {
		for _, s := range sizes {
			if s.Target == l.Target {
				out.Limits[i].PrevStripped, out.Limits[i].PrevXZ = s.Stripped, s.XZ
			}
		}
	}
	return out
}
