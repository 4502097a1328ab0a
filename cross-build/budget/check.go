package budget

import (
	"fmt"
	"io"
	"strings"
)

// Size is what one built target measures.
type Size struct {
	Target   string
	Stripped int64
	XZ       int64
}

// Over describes a target beyond its budget.
type Over struct {
	Target string
	What   string // "stripped" or "xz"
	Size   int64
	Max    int64
}

func (o Over) String() string {
	return fmt.Sprintf("%s: %s size %s is over its budget of %s by %s",
		o.Target, o.What, MB(o.Size), MB(o.Max), MB(o.Size-o.Max))
}

// Check compares sizes with f and lists every target over budget. A
// measured target missing from the budgets file is an error: a new target
// needs a budget before it ships.
func Check(f *File, sizes []Size) ([]Over, error) {
	var over []Over
	for _, s := range sizes {
		l, ok := f.Lookup(s.Target)
		if !ok {
			return nil, fmt.Errorf("target %s has no line in the budgets file", s.Target)
		}
		if s.Stripped > l.MaxStripped {
			over = append(over, Over{Target: s.Target, What: "stripped", Size: s.Stripped, Max: l.MaxStripped})
		}
		if s.XZ > l.MaxXZ {
			over = append(over, Over{Target: s.Target, What: "xz", Size: s.XZ, Max: l.MaxXZ})
		}
	}
	return over, nil
}

// MB formats bytes in decimal megabytes, as flash chips and the budgets are
// quoted.
func MB(n int64) string {
	return fmt.Sprintf("%.2f MB", float64(n)/1e6)
}

// growth is the change against a recorded size, "new" when none was
// recorded.
func growth(now, prev int64) string {
	if prev == 0 {
		return "new"
	}
	d := now - prev
	return fmt.Sprintf("%+d (%+.1f%%)", d, 100*float64(d)/float64(prev))
}

// Table writes one row per target: sizes, budgets and growth against the
// recorded sizes; rows over budget are marked.
func Table(w io.Writer, f *File, sizes []Size) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %10s %10s %20s   %10s %10s %20s  %s\n",
		"target", "stripped", "budget", "growth", "xz", "budget", "growth", "")
	for _, s := range sizes {
		l, _ := f.Lookup(s.Target)
		mark := "ok"
		if (l.MaxStripped > 0 && s.Stripped > l.MaxStripped) || (l.MaxXZ > 0 && s.XZ > l.MaxXZ) {
			mark = "OVER BUDGET"
		}
		if l.MaxStripped == 0 {
			mark = "NO BUDGET"
		}
		fmt.Fprintf(&b, "%-8s %10s %10s %20s   %10s %10s %20s  %s\n",
			s.Target, MB(s.Stripped), MB(l.MaxStripped), growth(s.Stripped, l.PrevStripped),
			MB(s.XZ), MB(l.MaxXZ), growth(s.XZ, l.PrevXZ), mark)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
