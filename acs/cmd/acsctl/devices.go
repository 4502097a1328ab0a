package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

const apiMaxPage = 1000

func (c *cli) listFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.filter, "filter", "", `filter expression, e.g. 'productClass = "X" AND tag = "pilot"'`)
	fs.IntVar(&c.limit, "limit", 100, "show at most this many devices")
	fs.StringVar(&c.after, "after", "", "start after this device ID (the `next` of an earlier listing)")
}

// devicesList pages through the API until --limit devices are shown.
func (c *cli) devicesList(ctx context.Context, args []string) error {
	if err := wantArgs(args, 0, "devices list [--filter EXPR] [--limit N] [--after ID]"); err != nil {
		return err
	}
	if c.limit < 1 {
		return usagef("--limit must be at least 1")
	}
	var all []json.RawMessage
	after := c.after
	for len(all) < c.limit {
		q := url.Values{"limit": {strconv.Itoa(min(c.limit-len(all), apiMaxPage))}}
		if c.filter != "" {
			q.Set("filter", c.filter)
		}
		if after != "" {
			q.Set("after", after)
		}
		var page deviceList
		if _, _, err := c.do(ctx, "GET", "/devices", q, nil, &page); err != nil {
			return err
		}
		all = append(all, page.Devices...)
		after = page.Next
		if after == "" {
			break
		}
	}
	if c.g.json {
		out, err := json.Marshal(deviceList{Devices: all, Next: after})
		if err != nil {
			return err
		}
		return c.printJSON(out)
	}
	t := newTable(c.env.stdout, "ID", "PRODUCT CLASS", "SOFTWARE", "LAST INFORM", "ONLINE", "TAGS")
	for _, raw := range all {
		var d device
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("a device in the answer: %w", err)
		}
		t.row(d.ID, orDash(d.ProductClass), orDash(d.SoftwareVersion), when(d.LastInform), yesNo(d.Online), strings.Join(d.Tags, ","))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if after != "" {
		fmt.Fprintf(c.env.stderr, "more devices follow: acsctl devices list --after '%s'\n", after)
	}
	return nil
}

func (c *cli) devicesShow(ctx context.Context, args []string) error {
	if err := wantArgs(args, 1, "devices show ID"); err != nil {
		return err
	}
	seg, err := deviceSegment(args[0])
	if err != nil {
		return err
	}
	var d device
	_, raw, err := c.do(ctx, "GET", "/devices/"+seg, nil, nil, &d)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	t := newTable(c.env.stdout, "FIELD", "VALUE")
	for _, kv := range [][2]string{
		{"ID", d.ID}, {"OUI", d.OUI}, {"Product class", orDash(d.ProductClass)}, {"Serial number", d.SerialNumber},
		{"Manufacturer", orDash(d.Manufacturer)}, {"Software", orDash(d.SoftwareVersion)}, {"Hardware", orDash(d.HardwareVersion)},
		{"Last inform", when(d.LastInform)}, {"Last boot", when(d.LastBoot)}, {"Online", yesNo(d.Online)},
		{"Connection request URL", orDash(d.ConnectionRequestURL)}, {"IP", orDash(d.IP)}, {"Tags", orDash(strings.Join(d.Tags, ","))},
	} {
		t.row(kv[0], kv[1])
	}
	return t.flush()
}
