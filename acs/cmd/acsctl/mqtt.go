package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// mqttCommands are the MQTT lane's commands: preset pushes and telemetry.
func (c *cli) mqttCommands() map[string]command {
	var pf pushFlags
	var since string
	return map[string]command{
		"presets push": {flags: pf.register, run: func(ctx context.Context, args []string) error { return c.presetsPush(ctx, args, pf) }},
		"push show":    {run: c.pushShow},
		"telemetry": {flags: func(fs *flag.FlagSet) {
			fs.StringVar(&since, "since", "-1h", "RFC 3339 time or a negative duration")
		}, run: func(ctx context.Context, args []string) error { return c.telemetry(ctx, args, since) }},
	}
}

type pushFlags struct {
	group    string
	interval time.Duration
	timeout  time.Duration
}

func (p *pushFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.group, "group", "", "the device tag whose members get the push (required)")
	fs.DurationVar(&p.interval, "interval", time.Second, "how often to ask the ACS for progress")
	fs.DurationVar(&p.timeout, "timeout", 2*time.Minute, "how long to follow the push (0: do not follow)")
}

type pushCounts struct {
	Total     int `json:"total"`
	Pending   int `json:"pending"`
	Applied   int `json:"applied"`
	Unchanged int `json:"unchanged"`
	Converged int `json:"converged"`
	Fault     int `json:"fault"`
	Rejected  int `json:"rejected"`
}

type pushDelivery struct {
	Device  string    `json:"device"`
	Status  string    `json:"status"`
	Updated time.Time `json:"updated"`
	Fault   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"fault"`
}

type push struct {
	ID         string         `json:"id"`
	Preset     string         `json:"preset"`
	Group      string         `json:"group"`
	Version    string         `json:"version"`
	Created    time.Time      `json:"created"`
	Counts     pushCounts     `json:"counts"`
	Deliveries []pushDelivery `json:"deliveries"`
	Next       string         `json:"next"`
}

// pushLine is one progress line: a bar of answered devices ('#' done,
// 'x' refused), then the counts.
func pushLine(p *push, width int) string {
	n := p.Counts
	good := n.Applied + n.Unchanged + n.Converged
	bad := n.Fault + n.Rejected
	total := max(n.Total, 1)
	g := width * good / total
	b := width * bad / total
	if bad > 0 && b == 0 {
		b = 1 // a refusal is always visible
	}
	g = min(g, width-b)
	bar := strings.Repeat("#", g) + strings.Repeat("x", b) + strings.Repeat("-", width-g-b)
	return fmt.Sprintf("[%s] %d/%d %3.0f%%  applied %d  unchanged %d  converged %d  fault %d  rejected %d  pending %d",
		bar, good+bad, n.Total, 100*float64(good+bad)/float64(total), n.Applied, n.Unchanged, n.Converged, n.Fault, n.Rejected, n.Pending)
}

// presetsPush starts a push and follows it with a progress bar (redrawn
// in place on a terminal, a line per change otherwise, JSON lines with
// --json) until every device answered or --timeout passed. Exit 0: all
// applied (or had it already); 1: some refused it; 3: some still pending
// (they converge at their next Inform).
func (c *cli) presetsPush(ctx context.Context, args []string, pf pushFlags) error {
	if err := wantArgs(args, 1, "presets push NAME --group TAG"); err != nil {
		return err
	}
	if pf.group == "" {
		return usagef("presets push: --group TAG is required")
	}
	if pf.interval < 100*time.Millisecond {
		return usagef("--interval must be at least 100ms")
	}
	var p push
	_, raw, err := c.do(ctx, "POST", "/presets/"+url.PathEscape(args[0])+"/push", nil, map[string]string{"group": pf.group}, &p)
	if err != nil {
		return err
	}
	if pf.timeout <= 0 {
		if c.g.json {
			return c.printJSON(raw)
		}
		c.printf("push %s of %s to %s: %d devices, version %s\n", p.ID, p.Preset, p.Group, p.Counts.Total, p.Version)
		return nil
	}
	if !c.g.json {
		c.printf("push %s of %s to %s: %d devices, version %s\n", p.ID, p.Preset, p.Group, p.Counts.Total, p.Version)
	}
	return c.followPush(ctx, p.ID, pf)
}

func (c *cli) followPush(ctx context.Context, id string, pf pushFlags) error {
	tty := isTerminal(c.env.stdout)
	deadline := time.Now().Add(pf.timeout)
	last := ""
	for {
		var p push
		_, raw, err := c.do(ctx, "GET", "/pushes/"+url.PathEscape(id), url.Values{"limit": {"1"}}, nil, &p)
		if err != nil {
			return err
		}
		line := pushLine(&p, 40)
		if c.g.json {
			var compact map[string]any
			if json.Unmarshal(raw, &compact) == nil {
				delete(compact, "deliveries")
				delete(compact, "next")
				b, _ := json.Marshal(compact)
				line = string(b)
			}
		}
		if line != last {
			if tty && !c.g.json {
				c.printf("\r\033[K%s", line)
			} else {
				c.printf("%s\n", line)
			}
			last = line
		}
		done := p.Counts.Pending == 0
		if done || time.Now().After(deadline) {
			if tty && !c.g.json {
				c.printf("\n")
			}
			switch {
			case p.Counts.Fault+p.Counts.Rejected > 0:
				return fmt.Errorf("push %s: %d devices refused it (acsctl push show %s)", id, p.Counts.Fault+p.Counts.Rejected, id)
			case !done:
				return &pendingError{fmt.Sprintf("push %s: %d devices have not answered; they converge at their next Inform (acsctl push show %s)", id, p.Counts.Pending, id)}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pf.interval):
		}
	}
}

// pushShow lists a push's per-device states.
func (c *cli) pushShow(ctx context.Context, args []string) error {
	if err := wantArgs(args, 1, "push show ID"); err != nil {
		return err
	}
	var all []pushDelivery
	var head push
	after := ""
	for {
		q := url.Values{"limit": {"1000"}}
		if after != "" {
			q.Set("after", after)
		}
		var p push
		_, raw, err := c.do(ctx, "GET", "/pushes/"+url.PathEscape(args[0]), q, nil, &p)
		if err != nil {
			return err
		}
		if c.g.json && after == "" && p.Next == "" {
			return c.printJSON(raw)
		}
		head = p
		all = append(all, p.Deliveries...)
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	c.printf("Push:    %s\nPreset:  %s\nGroup:   %s\nVersion: %s\nCreated: %s\n%s\n\n",
		head.ID, head.Preset, head.Group, head.Version, when(head.Created), pushLine(&head, 40))
	t := newTable(c.env.stdout, "DEVICE", "STATUS", "UPDATED", "FAULT")
	for _, d := range all {
		fault := "-"
		if d.Fault != nil {
			fault = strconv.Itoa(d.Fault.Code) + " " + d.Fault.Message
		}
		t.row(d.Device, d.Status, when(d.Updated), fault)
	}
	return t.flush()
}

// telemetry prints a device's telemetry samples, one row per sample and
// parameter.
func (c *cli) telemetry(ctx context.Context, args []string, since string) error {
	if err := wantArgs(args, 1, "telemetry ID [--since -1h]"); err != nil {
		return err
	}
	seg, err := deviceSegment(args[0])
	if err != nil {
		return err
	}
	var out struct {
		Samples []struct {
			Time   time.Time         `json:"time"`
			Values map[string]string `json:"values"`
		} `json:"samples"`
	}
	_, raw, err := c.do(ctx, "GET", "/devices/"+seg+"/telemetry", url.Values{"since": {since}, "limit": {"1000"}}, nil, &out)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	t := newTable(c.env.stdout, "TIME", "PARAMETER", "VALUE")
	for _, s := range out.Samples {
		names := make([]string, 0, len(s.Values))
		for n := range s.Values {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			t.row(when(s.Time), n, s.Values[n])
		}
	}
	return t.flush()
}
