package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strconv"
)

func (c *cli) faultFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.device, "device", "", "only this device's faults")
	fs.IntVar(&c.limit, "limit", 100, "at most this many faults (up to 1000)")
}

func (c *cli) faults(ctx context.Context, args []string) error {
	if err := wantArgs(args, 0, "faults [--device ID] [--limit N]"); err != nil {
		return err
	}
	q := url.Values{"limit": {strconv.Itoa(c.limit)}}
	if c.device != "" {
		if _, err := deviceSegment(c.device); err != nil {
			return err
		}
		q.Set("device", c.device) // a query value: url.Values escapes it
	}
	var out struct {
		Faults []fault `json:"faults"`
	}
	_, raw, err := c.do(ctx, "GET", "/faults", q, nil, &out)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	t := newTable(c.env.stdout, "TIME", "DEVICE", "RPC", "CODE", "MESSAGE", "TASK")
	for _, f := range out.Faults {
		t.row(when(f.Time), f.Device, f.RPC, strconv.Itoa(f.Code), f.Message, orDash(f.Task))
	}
	return t.flush()
}

func (c *cli) auditFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.after, "after", "", "entries after this sequence number")
	fs.IntVar(&c.limit, "limit", 100, "at most this many entries (up to 1000)")
}

func (c *cli) audit(ctx context.Context, args []string) error {
	if err := wantArgs(args, 0, "audit [--after SEQ] [--limit N]"); err != nil {
		return err
	}
	q := url.Values{"limit": {strconv.Itoa(c.limit)}}
	if c.after != "" {
		q.Set("after", c.after)
	}
	var out struct {
		Entries []auditEntry `json:"entries"`
		Next    string       `json:"next"`
	}
	_, raw, err := c.do(ctx, "GET", "/audit", q, nil, &out)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	t := newTable(c.env.stdout, "SEQ", "TIME", "ACTOR", "ROLE", "ACTION", "TARGET", "STATUS", "DETAIL")
	for _, e := range out.Entries {
		t.row(strconv.FormatUint(e.Seq, 10), when(e.Time), e.Actor, e.Role, e.Action, orDash(e.Target), strconv.Itoa(e.Status), e.Detail)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if out.Next != "" {
		fmt.Fprintf(c.env.stderr, "more entries follow: acsctl audit --after %s\n", out.Next)
	}
	return nil
}
