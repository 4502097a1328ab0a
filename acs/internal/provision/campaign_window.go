package provision

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatewarden/acs/internal/store"
)

// window is a daily span of minutes since midnight; end < start runs
// past midnight, end == start is the whole day.
type window struct{ start, end int }

func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || h == 24 && m != 0 ||
		s[0] == '+' || s[0] == '-' || s[3] == '+' || s[3] == '-' {
		return 0, false
	}
	return h*60 + m, true
}

// parseWindows reads "HH:MM-HH:MM" spans.
func parseWindows(ws []string) ([]window, error) {
	out := make([]window, 0, len(ws))
	for _, w := range ws {
		a, b, ok := strings.Cut(w, "-")
		s, ok1 := parseClock(a)
		e, ok2 := parseClock(b)
		if !ok || !ok1 || !ok2 {
			return nil, fmt.Errorf("campaign: window %q: want HH:MM-HH:MM, e.g. 22:00-05:00: %w", w, store.ErrInvalid)
		}
		out = append(out, window{start: s % 1440, end: e % 1440})
	}
	return out, nil
}

// inWindows reports whether t falls in one of the spans (none: always).
func inWindows(ws []window, loc *time.Location, t time.Time) bool {
	if len(ws) == 0 {
		return true
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	for _, w := range ws {
		switch {
		case w.start == w.end:
			return true
		case w.start < w.end:
			if m >= w.start && m < w.end {
				return true
			}
		default:
			if m >= w.start || m < w.end {
				return true
			}
		}
	}
	return false
}

// campaignOpen answers "may a download start now" for one campaign.
func campaignOpen(c *store.Campaign, t time.Time) bool {
	if len(c.Windows) == 0 {
		return true
	}
	ws, err := parseWindows(c.Windows)
	if err != nil {
		return false
	}
	return inWindows(ws, location(c.Location), t)
}

// zones caches loaded time zones: LoadLocation reads the zone database
// from disk, and every start of a download asks.
var zones sync.Map // name -> *time.Location

// location is the named zone, UTC for "" or a name that does not load
// (specs are checked when created, so that means a host without the
// zone database).
func location(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.UTC
	}
	zones.Store(name, l)
	return l
}
