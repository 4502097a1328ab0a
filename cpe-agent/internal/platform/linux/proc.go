//go:build linux

package linux

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The parsers below are pure: they take a file's bytes and never touch the
// system, so fixture and fuzz tests cover them on any architecture.

// memInfo is what DeviceInfo.MemoryStatus reports, in KiB.
type memInfo struct {
	Total, Free uint64
}

// parseMeminfo reads /proc/meminfo. Free is MemAvailable (what a new
// program could get without swapping), or MemFree on kernels before 3.14
// that lack it.
func parseMeminfo(b []byte) (memInfo, error) {
	var m memInfo
	var free, avail uint64
	var haveTotal, haveFree, haveAvail bool
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		key, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		if len(f) > 1 && f[1] != "kB" {
			continue
		}
		switch string(key) {
		case "MemTotal":
			m.Total, haveTotal = v, true
		case "MemFree":
			free, haveFree = v, true
		case "MemAvailable":
			avail, haveAvail = v, true
		}
	}
	if !haveTotal {
		return memInfo{}, errors.New("meminfo: no MemTotal")
	}
	switch {
	case haveAvail:
		m.Free = avail
	case haveFree:
		m.Free = free
	default:
		return memInfo{}, errors.New("meminfo: neither MemAvailable nor MemFree")
	}
	m.Free = min(m.Free, m.Total)
	return m, nil
}

// parseUptime reads /proc/uptime: whole seconds since boot.
func parseUptime(b []byte) (uint64, error) {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, errors.New("uptime: empty")
	}
	whole, frac, _ := strings.Cut(f[0], ".")
	if frac != "" {
		if _, err := strconv.ParseUint(frac, 10, 64); err != nil {
			return 0, fmt.Errorf("uptime: %q is not a number of seconds", f[0])
		}
	}
	v, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("uptime: %q is not a number of seconds", f[0])
	}
	return v, nil
}

// cpuTimes is the aggregate "cpu" line of /proc/stat, in clock ticks.
type cpuTimes struct {
	Busy, Total uint64
}

// parseCPUStat reads the first line of /proc/stat. Idle time is idle plus
// iowait; the rest (user, nice, system, irq, softirq, steal) is busy.
// Guest time is already inside user and is not counted twice.
func parseCPUStat(b []byte) (cpuTimes, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 5 {
			return cpuTimes{}, errors.New("stat: short cpu line")
		}
		var v [8]uint64
		for i := 1; i < len(f) && i <= 8; i++ {
			n, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf("stat: cpu field %d: %q", i, f[i])
			}
			v[i-1] = n
		}
		idle := v[3] + v[4]
		var total uint64
		for _, n := range v {
			total += n
		}
		return cpuTimes{Busy: total - idle, Total: total}, nil
	}
	return cpuTimes{}, errors.New("stat: no cpu line")
}

// cpuUsage is the busy share, in percent, between two samples; ok is false
// when no tick passed (or the counters went backwards: a new boot).
func cpuUsage(prev, cur cpuTimes) (uint32, bool) {
	if cur.Total <= prev.Total || cur.Busy < prev.Busy {
		return 0, false
	}
	dt, db := cur.Total-prev.Total, cur.Busy-prev.Busy
	return uint32(min(100, (db*100+dt/2)/dt)), true
}

// procInfo is one process as DeviceInfo.ProcessStatus.Process.{i} shows
// it.
type procInfo struct {
	_        [0]func() // not comparable: spares the binary an equality function
	PID      uint32
	Command  string
	SizeKiB  uint32
	Priority uint32
	// CPUMillis is user plus system time.
	CPUMillis uint32
	State     string
}

// clockTicks is USER_HZ. Linux fixes it at 100 on every architecture the
// agent targets; reading it would need sysconf, that is cgo.
const clockTicks = 100

// parsePIDStat reads /proc/<pid>/stat. The command sits in parentheses and
// may itself hold spaces and parentheses, so the fields after it are found
// from the last ')'.
func parsePIDStat(b []byte) (procInfo, error) {
	s := strings.TrimSpace(string(b))
	open := strings.IndexByte(s, '(')
	end := strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procInfo{}, errors.New("pid stat: no (command)")
	}
	pid, err := strconv.ParseUint(strings.TrimSpace(s[:open]), 10, 32)
	if err != nil {
		return procInfo{}, fmt.Errorf("pid stat: pid %q", s[:open])
	}
	f := strings.Fields(s[end+1:])
	// f[0] is field 3 (state); utime 14, stime 15, priority 18, vsize 23.
	if len(f) < 21 {
		return procInfo{}, errors.New("pid stat: too few fields")
	}
	num := func(i int) (uint64, error) {
		v, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("pid stat: field %d: %q", i+3, f[i])
		}
		return v, nil
	}
	utime, err := num(11)
	if err != nil {
		return procInfo{}, err
	}
	stime, err := num(12)
	if err != nil {
		return procInfo{}, err
	}
	prio, err := strconv.ParseInt(f[15], 10, 64)
	if err != nil {
		return procInfo{}, fmt.Errorf("pid stat: priority %q", f[15])
	}
	vsize, err := num(20)
	if err != nil {
		return procInfo{}, err
	}
	// Saturate rather than wrap: a bogus huge counter must not read as a
	// small one.
	ticks := utime + stime
	if ticks < utime {
		ticks = math.MaxUint64
	}
	ms := ticks * (1000 / clockTicks)
	if ticks > math.MaxUint64/(1000/clockTicks) {
		ms = math.MaxUint64
	}
	return procInfo{
		PID:     uint32(pid),
		Command: s[open+1 : end],
		SizeKiB: uint32(min(vsize/1024, 1<<32-1)),
		// The kernel's priority runs from -100 (real time) to 39 (nice
		// 19); TR-181 wants 0 (highest) to 99.
		Priority:  uint32(max(0, min(99, prio+60))),
		CPUMillis: uint32(min(ms, 1<<32-1)),
		State:     procState(f[0]),
	}, nil
}

// procState maps a stat state letter to TR-181's enumeration.
func procState(s string) string {
	switch s {
	case "R":
		return "Running"
	case "S":
		return "Sleeping"
	case "D":
		return "Uninterruptible"
	case "T", "t":
		return "Stopped"
	case "Z", "X", "x":
		return "Zombie"
	case "I":
		return "Idle"
	}
	return "Idle"
}

// parseRelease reads a shell-style KEY=value file (os-release,
// openwrt_release); quotes are removed, lines that are not assignments
// are skipped.
func parseRelease(b []byte) map[string]string {
	out := map[string]string{}
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		l := strings.TrimSpace(string(line))
		if l == "" || l[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	return out
}
