package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// diagnoseArgs are the flags of `acsctl diagnose`.
type diagnoseArgs struct {
	ping, traceroute, download, upload, ticket string
	count                                      int
	size                                       uint64
}

func (d *diagnoseArgs) flags(fs *flag.FlagSet) {
	fs.StringVar(&d.ping, "ping", "", "ping HOST from the device")
	fs.StringVar(&d.traceroute, "traceroute", "", "trace the route from the device to HOST")
	fs.StringVar(&d.download, "download", "", "measure a download of URL on the device")
	fs.StringVar(&d.upload, "upload", "", "measure an upload to URL from the device")
	fs.StringVar(&d.ticket, "ticket", "", "archive the result under this support ticket")
	fs.IntVar(&d.count, "count", 0, "ping: echoes to send (default 4)")
	fs.Uint64Var(&d.size, "size", 0, "upload: bytes to send (default 1 MiB)")
}

func (c *cli) supportCommands() map[string]command {
	d := &diagnoseArgs{}
	return map[string]command{
		"diagnose": {flags: d.flags, run: func(ctx context.Context, args []string) error { return c.diagnose(ctx, d, args) }},
		"ticket":   {run: c.ticket},
	}
}

// diagResult is the API's diagnostics result.
type diagResult struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
	Ping  *struct {
		Success, Failure        uint64
		AverageMs, MinMs, MaxMs uint64
	} `json:"ping"`
	Hops []struct {
		Host, Address string
		RTTms         string `json:"rttMs"`
	} `json:"hops"`
	Speed *struct {
		Bytes          uint64  `json:"bytes"`
		Seconds        float64 `json:"seconds"`
		ThroughputKbps float64 `json:"throughputKbps"`
	} `json:"speed"`
}

func (c *cli) diagnose(ctx context.Context, d *diagnoseArgs, args []string) error {
	const form = "diagnose ID --ping HOST | --traceroute HOST | --download URL | --upload URL [--ticket T]"
	if err := wantArgs(args, 1, form); err != nil {
		return err
	}
	body := map[string]any{}
	n := 0
	for kind, v := range map[string]string{"ping": d.ping, "traceroute": d.traceroute, "download": d.download, "upload": d.upload} {
		if v == "" {
			continue
		}
		n++
		body["kind"] = kind
		if kind == "ping" || kind == "traceroute" {
			body["host"] = v
		} else {
			body["url"] = v
		}
	}
	if n != 1 {
		return usagef("want exactly one of --ping, --traceroute, --download, --upload: acsctl %s", form)
	}
	if d.count > 0 {
		body["count"] = d.count
	}
	if d.size > 0 {
		body["size"] = d.size
	}
	if d.ticket != "" {
		body["ticket"] = d.ticket
	}
	seg, err := deviceSegment(args[0])
	if err != nil {
		return err
	}
	q := url.Values{}
	if c.g.wait > 0 {
		q.Set("wait", c.g.wait.String())
	}
	var t task
	status, raw, err := c.do(ctx, "POST", "/devices/"+seg+"/diagnostics", q, body, &t)
	if err != nil {
		return err
	}
	if c.g.json {
		if err := c.printJSON(raw); err != nil {
			return err
		}
	}
	switch {
	case status == http.StatusAccepted || t.Status != "done" && t.Status != "fault":
		return &pendingError{fmt.Sprintf("diagnostic %s is still %s after %s; follow it with `acsctl tasks show %s`", t.ID, t.Status, c.g.wait, t.ID)}
	case t.Status == "fault":
		return taskFault(&t)
	case c.g.json:
		return nil
	}
	var r diagResult
	if err := json.Unmarshal(t.Result, &r); err != nil {
		return fmt.Errorf("diagnostic %s: unexpected result: %w", t.ID, err)
	}
	c.printDiag(r)
	if r.State != "Complete" {
		return fmt.Errorf("the device ended the %s in %s", r.Kind, r.State)
	}
	return nil
}

func (c *cli) printDiag(r diagResult) {
	c.printf("%s: %s\n", r.Kind, r.State)
	switch {
	case r.Ping != nil:
		c.printf("%d of %d answered", r.Ping.Success, r.Ping.Success+r.Ping.Failure)
		if r.Ping.Success > 0 {
			c.printf(", round trip min/avg/max %d/%d/%d ms", r.Ping.MinMs, r.Ping.AverageMs, r.Ping.MaxMs)
		}
		c.printf("\n")
	case len(r.Hops) > 0:
		tb := newTable(c.env.stdout, "HOP", "ADDRESS", "RTT (ms)")
		for i, h := range r.Hops {
			addr := h.Address
			if addr == "" {
				addr = "*"
			}
			tb.row(fmt.Sprint(i+1), addr, h.RTTms)
		}
		tb.flush()
	case r.Speed != nil:
		c.printf("%d bytes in %.2f s: %.0f kbit/s\n", r.Speed.Bytes, r.Speed.Seconds, r.Speed.ThroughputKbps)
	}
}

// ticket shows what support ran under a ticket.
func (c *cli) ticket(ctx context.Context, args []string) error {
	if err := wantArgs(args, 1, "ticket REF"); err != nil {
		return err
	}
	var v struct {
		Ticket  string `json:"ticket"`
		Entries []struct {
			Device string `json:"device"`
			Kind   string `json:"kind"`
			Actor  string `json:"actor"`
			Time   string `json:"time"`
			Task   *task  `json:"task"`
		} `json:"entries"`
	}
	_, raw, err := c.do(ctx, "GET", "/tickets/"+url.PathEscape(args[0]), nil, nil, &v)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	tb := newTable(c.env.stdout, "TIME", "DEVICE", "KIND", "BY", "STATE")
	for _, e := range v.Entries {
		state := "pruned"
		if e.Task != nil {
			state = e.Task.Status
			var r diagResult
			if json.Unmarshal(e.Task.Result, &r) == nil && r.State != "" {
				state = r.State
			}
		}
		tb.row(e.Time, e.Device, e.Kind, e.Actor, strings.TrimSpace(state))
	}
	return tb.flush()
}
