//go:build linux

package linux

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"

	"gatewarden/cpe-agent/internal/model"
)

func (p *Platform) registerDeviceInfo(r *model.Registry) {
	const di = "Device.DeviceInfo."
	r.Param(di+"UpTime", uintParam(func(model.Index) (uint64, error) {
		b, err := readFile(p.roots.proc("uptime"))
		if err != nil {
			return 0, fmt.Errorf("uptime: %w", err)
		}
		return parseUptime(b)
	}))
	mem := func(pick func(memInfo) uint64) model.Binding {
		return uintParam(func(model.Index) (uint64, error) {
			b, err := readFile(p.roots.proc("meminfo"))
			if err != nil {
				return 0, fmt.Errorf("meminfo: %w", err)
			}
			m, err := parseMeminfo(b)
			return min(pick(m), 1<<32-1), err
		})
	}
	r.Param(di+"MemoryStatus.Total", mem(func(m memInfo) uint64 { return m.Total }))
	r.Param(di+"MemoryStatus.Free", mem(func(m memInfo) uint64 { return m.Free }))
	r.Param(di+"ProcessStatus.CPUUsage", uintParam(func(model.Index) (uint64, error) {
		u, err := p.cpuUsage()
		return uint64(u), err
	}))

	const pr = di + "ProcessStatus.Process.{i}."
	r.Table(pr, func(context.Context, model.Index) ([]string, error) { return p.listProcs() })
	proc := func(ix model.Index) procInfo {
		p.mu.Lock()
		x := p.procs[ix.LastKey()]
		p.mu.Unlock()
		return x
	}
	// A table bound in a loop: a registration call per parameter, each
	// with its closures, cost the router binary ~200 bytes a parameter.
	for i := range procNums {
		pn := &procNums[i]
		r.Param(pr+pn.name, uintParam(func(ix model.Index) (uint64, error) {
			x := proc(ix)
			return uint64(pn.get(&x)), nil
		}))
	}
	r.Param(pr+"Command", textParam(func(ix model.Index) string { return proc(ix).Command }))
	r.Param(pr+"State", textParam(func(ix model.Index) string {
		if s := proc(ix).State; s != "" {
			return s
		}
		return "Idle"
	}))
}

var procNums = [...]struct {
	name string
	get  func(x *procInfo) uint32
}{
	{"PID", func(x *procInfo) uint32 { return x.PID }},
	{"Size", func(x *procInfo) uint32 { return x.SizeKiB }},
	{"Priority", func(x *procInfo) uint32 { return x.Priority }},
	{"CPUTime", func(x *procInfo) uint32 { return x.CPUMillis }},
}

// cpuUsage is the CPU's busy share since the previous reading (since boot
// for the first), in percent; with no tick in between, the last figure.
func (p *Platform) cpuUsage() (uint32, error) {
	b, err := readFile(p.roots.proc("stat"))
	if err != nil {
		return 0, fmt.Errorf("stat: %w", err)
	}
	cur, err := parseCPUStat(b)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	if u, ok := cpuUsage(p.lastCPU, cur); ok {
		p.usage = u
		p.lastCPU = cur
	} else if cur.Total < p.lastCPU.Total {
		p.lastCPU = cur
	}
	u := p.usage
	p.mu.Unlock()
	return u, nil
}

// listProcs reads every /proc/<pid>/stat into a snapshot the parameters
// then read, so one RPC sees one consistent process table. A process that
// exits between the directory listing and its stat is left out; a stat
// that does not parse is left out too (a kernel thread with an odd name
// must not fail the whole table).
func (p *Platform) listProcs() ([]string, error) {
	ents, err := os.ReadDir(p.roots.Proc)
	if err != nil {
		return nil, fmt.Errorf("processes: %w", err)
	}
	snap := map[string]procInfo{}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		b, err := readFile(p.roots.proc(e.Name(), "stat"))
		if err != nil {
			continue
		}
		info, err := parsePIDStat(b)
		if err != nil || int(info.PID) != pid {
			continue
		}
		snap[e.Name()] = info
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	keys := make([]string, len(pids))
	for i, pid := range pids {
		keys[i] = strconv.Itoa(pid)
	}
	p.mu.Lock()
	p.procs = snap
	p.mu.Unlock()
	return keys, nil
}
