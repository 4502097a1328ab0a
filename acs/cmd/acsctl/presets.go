package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
)

func (c *cli) presetsList(ctx context.Context, args []string) error {
	if err := wantArgs(args, 0, "presets list"); err != nil {
		return err
	}
	var out struct {
		Presets []preset `json:"presets"`
	}
	_, raw, err := c.do(ctx, "GET", "/presets", nil, nil, &out)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	t := newTable(c.env.stdout, "NAME", "VERSION", "VALUES", "UPDATED", "FILTER")
	for _, p := range out.Presets {
		t.row(p.Name, strconv.FormatInt(p.Version, 10), strconv.Itoa(len(p.Values)+len(p.Attributes)), when(p.Updated), orDash(p.Filter))
	}
	return t.flush()
}

func (c *cli) presetsShow(ctx context.Context, args []string) error {
	if err := wantArgs(args, 1, "presets show NAME"); err != nil {
		return err
	}
	var p preset
	_, raw, err := c.do(ctx, "GET", "/presets/"+url.PathEscape(args[0]), nil, nil, &p)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	c.printf("Name:    %s\nFilter:  %s\nVersion: %d\nUpdated: %s\n\n", p.Name, orDash(p.Filter), p.Version, when(p.Updated))
	t := newTable(c.env.stdout, "PARAMETER", "VALUE", "TYPE")
	for _, v := range p.Values {
		t.row(v.Name, v.Value, orDash(v.Type))
	}
	for _, a := range p.Attributes {
		t.row(a.Name, "notification "+strconv.Itoa(a.Notification), "-")
	}
	return t.flush()
}

func (c *cli) applyFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.name, "name", "", "preset name (default: the file's \"name\")")
}

// presetsApply PUTs a preset read from a file: the form `presets show
// --json` prints, so show, edit, apply is a round trip (its version makes
// the ACS refuse the apply if someone changed the preset meanwhile).
func (c *cli) presetsApply(ctx context.Context, args []string) error {
	if err := wantArgs(args, 1, "presets apply FILE"); err != nil {
		return err
	}
	var data []byte
	var err error
	if args[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(c.env.stdin, 1<<20+1))
	} else {
		data, err = os.ReadFile(args[0])
	}
	if err != nil {
		return fmt.Errorf("preset file: %w", err)
	}
	// The ACS checks the preset; acsctl only needs its name.
	var body map[string]json.RawMessage
	if err := json.Unmarshal(data, &body); err != nil {
		return fmt.Errorf("preset file %s is not a JSON object: %w", args[0], err)
	}
	name := c.name
	if name == "" {
		if raw, ok := body["name"]; ok {
			_ = json.Unmarshal(raw, &name)
		}
	}
	if name == "" {
		return usagef("the preset has no name: add \"name\" to the file or pass --name")
	}
	if c.name != "" {
		delete(body, "name") // the URL names it
	}
	var p preset
	status, raw, err := c.do(ctx, "PUT", "/presets/"+url.PathEscape(name), nil, body, &p)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	verb := "updated"
	if status == http.StatusCreated {
		verb = "created"
	}
	c.printf("preset %s %s (version %d)\n", p.Name, verb, p.Version)
	return nil
}
