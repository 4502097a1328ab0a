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
	"strings"
	"time"
)

// firmwareCommands are the file repository and campaign commands.
func (c *cli) firmwareCommands() map[string]command {
	var upName string
	var list listFlags
	var spec campaignFlags
	var watch watchFlags
	return map[string]command{
		"files list": {flags: list.register, run: func(ctx context.Context, args []string) error { return c.filesList(ctx, args, list) }},
		"files upload": {flags: func(fs *flag.FlagSet) {
			fs.StringVar(&upName, "name", "", "name in the repository (default fw-VERSION)")
		}, run: func(ctx context.Context, args []string) error { return c.filesUpload(ctx, args, upName) }},
		"campaign create": {flags: spec.register, run: func(ctx context.Context, args []string) error { return c.campaignCreate(ctx, args, &spec) }},
		"campaign list":   {flags: list.register, run: func(ctx context.Context, args []string) error { return c.campaignList(ctx, args, list) }},
		"campaign show":   {run: c.campaignShow},
		"campaign watch":  {flags: watch.register, run: func(ctx context.Context, args []string) error { return c.campaignWatch(ctx, args, watch) }},
		"campaign pause":  {run: c.campaignAction("pause")},
		"campaign resume": {run: c.campaignAction("resume")},
		"campaign abort":  {run: c.campaignAction("abort")},
	}
}

type listFlags struct {
	limit int
	after string
}

func (l *listFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&l.limit, "limit", 0, "page size, 1 to 1000")
	fs.StringVar(&l.after, "after", "", "continue after this entry (the previous page's next)")
}

func (l listFlags) query() url.Values {
	q := url.Values{}
	if l.limit > 0 {
		q.Set("limit", strconv.Itoa(l.limit))
	}
	if l.after != "" {
		q.Set("after", l.after)
	}
	return q
}

func (c *cli) filesList(ctx context.Context, args []string, l listFlags) error {
	if err := wantArgs(args, 0, "files list"); err != nil {
		return err
	}
	var out struct {
		Files []firmwareFile `json:"files"`
		Next  string         `json:"next"`
	}
	_, raw, err := c.do(ctx, "GET", "/files", l.query(), nil, &out)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	t := newTable(c.env.stdout, "NAME", "VERSION", "BOARDS", "SIZE", "UPLOADED", "BY")
	for _, f := range out.Files {
		t.row(f.Name, f.Version, orDash(strings.Join(f.Boards, ",")), byteSize(f.Size), when(f.Uploaded), orDash(f.UploadedBy))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if out.Next != "" {
		c.printf("more: --after %s\n", out.Next)
	}
	return nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// filesUpload streams a package file to the ACS; the ACS checks its
// signature and reads version and boards from it.
func (c *cli) filesUpload(ctx context.Context, args []string, name string) error {
	if err := wantArgs(args, 1, "files upload PACKAGE [--name NAME]"); err != nil {
		return err
	}
	f, err := os.Open(args[0])
	if err != nil {
		return fmt.Errorf("package: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("package: %w", err)
	}
	target := c.base + "/api/v1/files"
	if name != "" {
		target += "?" + url.Values{"name": {name}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, "POST", target, f)
	if err != nil {
		return fmt.Errorf("request %s: %w", target, err)
	}
	req.ContentLength = st.Size()
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Accept", "application/json")
	hc := &http.Client{Timeout: 30 * time.Minute}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the ACS at %s: %w", c.base, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if res.StatusCode >= 400 {
		return decodeAPIError(res.StatusCode, raw)
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	var out firmwareFile
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("the ACS answer is not a file: %w", err)
	}
	c.printf("uploaded %s: version %s for %s, %s, signed by key %s\n", out.Name, out.Version,
		orDash(strings.Join(out.Boards, ",")), byteSize(out.Size), orDash(out.Key))
	return nil
}
