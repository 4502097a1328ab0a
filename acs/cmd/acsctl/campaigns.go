package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// campaignFlags build POST /campaigns' body.
type campaignFlags struct {
	name, file, filter, waves, windows, location, threshold, timeout string
	maxConcurrent                                                    int
}

func (f *campaignFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "campaign name (default: the file's)")
	fs.StringVar(&f.file, "file", "", "package in the repository (acsctl files list)")
	fs.StringVar(&f.filter, "filter", "", "target devices, e.g. productClass = \"GW\" (default: every device)")
	fs.StringVar(&f.waves, "waves", "", "cumulative waves, e.g. 1%,10%,50%,100% (the default)")
	fs.IntVar(&f.maxConcurrent, "max-concurrent", 0, "downloads at once (default 50)")
	fs.StringVar(&f.windows, "windows", "", "when downloads may start, e.g. 22:00-05:00,12:00-13:00 (default any time)")
	fs.StringVar(&f.location, "location", "", "time zone of the windows, e.g. Europe/Berlin (default UTC)")
	fs.StringVar(&f.threshold, "failure-threshold", "", "halt when more of a wave fails, e.g. 5% (default 10%)")
	fs.StringVar(&f.timeout, "device-timeout", "", "an unfinished download counts as failed after this, e.g. 6h (default 24h)")
}

// parsePercents reads "1%,10%,50%,100%" (the % is optional).
func parsePercents(s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		p := strings.TrimSuffix(strings.TrimSpace(part), "%")
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || p == "" {
			return nil, usagef("%q is not a percentage like 10%%", part)
		}
		out = append(out, v)
	}
	return out, nil
}

// body turns the flags into the API's campaign spec; the ACS checks the
// values.
func (f *campaignFlags) body() (map[string]any, error) {
	if f.file == "" {
		return nil, usagef("campaign create needs --file (see acsctl files list)")
	}
	b := map[string]any{"file": f.file}
	if f.name != "" {
		b["name"] = f.name
	}
	if f.filter != "" {
		b["filter"] = f.filter
	}
	if f.waves != "" {
		w, err := parsePercents(f.waves)
		if err != nil {
			return nil, err
		}
		b["waves"] = w
	}
	if f.maxConcurrent != 0 {
		b["maxConcurrent"] = f.maxConcurrent
	}
	if f.windows != "" {
		b["windows"] = strings.Split(f.windows, ",")
	}
	if f.location != "" {
		b["location"] = f.location
	}
	if f.threshold != "" {
		t, err := parsePercents(f.threshold)
		if err != nil || len(t) != 1 {
			return nil, usagef("--failure-threshold: one percentage, e.g. 5%%")
		}
		b["failureThreshold"] = t[0]
	}
	if f.timeout != "" {
		b["deviceTimeout"] = f.timeout
	}
	return b, nil
}

func (c *cli) campaignCreate(ctx context.Context, args []string, f *campaignFlags) error {
	if err := wantArgs(args, 0, "campaign create --file NAME [--filter EXPR] [--waves 1%,10%,50%,100%] ..."); err != nil {
		return err
	}
	body, err := f.body()
	if err != nil {
		return err
	}
	var out campaign
	_, raw, err := c.do(ctx, "POST", "/campaigns", nil, body, &out)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	c.printf("campaign %s created (%s); follow it with: acsctl campaign watch %s\n", out.ID, out.State, out.ID)
	return nil
}

func campaignPath(id string) string { return "/campaigns/" + url.PathEscape(id) }

func (c *cli) getCampaign(ctx context.Context, id string) (campaign, []byte, error) {
	var out campaign
	_, raw, err := c.do(ctx, "GET", campaignPath(id), nil, nil, &out)
	return out, raw, err
}

func (c *cli) campaignShow(ctx context.Context, args []string) error {
	if err := wantArgs(args, 1, "campaign show ID"); err != nil {
		return err
	}
	cp, raw, err := c.getCampaign(ctx, args[0])
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	c.printf("Campaign: %s (%s)\nFile:     %s\nFilter:   %s\nState:    %s", cp.ID, orDash(cp.Name), cp.File, orDash(cp.Filter), cp.State)
	if cp.HaltReason != "" {
		c.printf(" — %s", cp.HaltReason)
	}
	windows := "any time"
	if len(cp.Windows) > 0 {
		windows = strings.Join(cp.Windows, ", ") + " " + cp.Location
	}
	c.printf("\nLimits:   %d at once, windows %s, halt above %g%% failed, device timeout %s\n",
		cp.MaxConcurrent, windows, cp.FailureThreshold, cp.DeviceTimeout)
	c.printf("Progress: %s\n\n", progressLine(&cp, 30))
	t := newTable(c.env.stdout, "WAVE", "UP TO", "SIZE", "PENDING", "ACTIVE", "SUCCEEDED", "FAILED", "SKIPPED")
	for _, w := range cp.Waves {
		mark := strconv.Itoa(w.Wave)
		if w.Wave == cp.Wave && !cp.ended() {
			mark += " *"
		}
		t.row(mark, strconv.FormatFloat(w.Percent, 'g', -1, 64)+"%", strconv.Itoa(w.Size), strconv.Itoa(w.Pending),
			strconv.Itoa(w.Active), strconv.Itoa(w.Succeeded), strconv.Itoa(w.Failed), strconv.Itoa(w.Skipped))
	}
	return t.flush()
}

func (c *cli) campaignList(ctx context.Context, args []string, l listFlags) error {
	if err := wantArgs(args, 0, "campaign list"); err != nil {
		return err
	}
	var out struct {
		Campaigns []campaign `json:"campaigns"`
		Next      string     `json:"next"`
	}
	_, raw, err := c.do(ctx, "GET", "/campaigns", l.query(), nil, &out)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	t := newTable(c.env.stdout, "ID", "NAME", "FILE", "STATE", "WAVE", "DONE", "FAILED", "CREATED")
	for _, cp := range out.Campaigns {
		t.row(cp.ID, orDash(cp.Name), cp.File, cp.State, fmt.Sprintf("%d/%d", cp.Wave, len(cp.Waves)),
			fmt.Sprintf("%d/%d", cp.Totals.Succeeded, cp.Totals.Size), strconv.Itoa(cp.Totals.Failed), when(cp.Created))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if out.Next != "" {
		c.printf("more: --after %s\n", out.Next)
	}
	return nil
}

func (c *cli) campaignAction(verb string) func(ctx context.Context, args []string) error {
	return func(ctx context.Context, args []string) error {
		if err := wantArgs(args, 1, "campaign "+verb+" ID"); err != nil {
			return err
		}
		var out campaign
		_, raw, err := c.do(ctx, "POST", campaignPath(args[0])+"/"+verb, nil, nil, &out)
		if err != nil {
			return err
		}
		if c.g.json {
			return c.printJSON(raw)
		}
		c.printf("campaign %s is %s\n", out.ID, out.State)
		return nil
	}
}

// progressLine draws "[#####-----] 120/200 60% ok 118 failed 2 active 5 wave 3/4 running".
func progressLine(cp *campaign, width int) string {
	t := cp.Totals
	done := t.Succeeded + t.Failed + t.Skipped
	frac := 0.0
	if t.Size > 0 {
		frac = float64(done) / float64(t.Size)
	}
	ok := int(float64(width) * float64(t.Succeeded) / float64(max(t.Size, 1)))
	bad := int(float64(width) * float64(t.Failed+t.Skipped) / float64(max(t.Size, 1)))
	if t.Failed > 0 && bad == 0 {
		bad = 1 // a failure is always visible
	}
	ok = min(ok, width-bad)
	bar := strings.Repeat("#", ok) + strings.Repeat("x", bad) + strings.Repeat("-", width-ok-bad)
	line := fmt.Sprintf("[%s] %d/%d %3.0f%%  ok %d  failed %d  active %d  wave %d/%d  %s",
		bar, done, t.Size, frac*100, t.Succeeded, t.Failed, t.Active, cp.Wave, len(cp.Waves), cp.State)
	if cp.HaltReason != "" {
		line += " (" + cp.HaltReason + ")"
	}
	return line
}

type watchFlags struct {
	interval time.Duration
}

func (w *watchFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&w.interval, "interval", 2*time.Second, "how often to ask the ACS")
}

// campaignWatch polls the campaign until it completes, halts or is
// aborted, drawing a progress bar for people (redrawn in place on a
// terminal, a line per change otherwise) or one JSON object per change
// with --json. It exits 0 when the campaign completed, 1 when it halted or
// was aborted.
func (c *cli) campaignWatch(ctx context.Context, args []string, w watchFlags) error {
	if err := wantArgs(args, 1, "campaign watch ID [--interval 2s]"); err != nil {
		return err
	}
	if w.interval < 100*time.Millisecond {
		return usagef("--interval must be at least 100ms")
	}
	tty := isTerminal(c.env.stdout)
	last := ""
	for {
		cp, raw, err := c.getCampaign(ctx, args[0])
		if err != nil {
			return err
		}
		var line string
		if c.g.json {
			var compact map[string]any
			if err := json.Unmarshal(raw, &compact); err != nil {
				return fmt.Errorf("the ACS answer is not JSON: %w", err)
			}
			b, _ := json.Marshal(compact)
			line = string(b)
		} else {
			line = progressLine(&cp, 40)
		}
		if line != last {
			switch {
			case tty && !c.g.json:
				c.printf("\r\033[K%s", line)
			default:
				c.printf("%s\n", line)
			}
			last = line
		}
		if cp.ended() {
			if tty && !c.g.json {
				c.printf("\n")
			}
			if cp.State != "completed" {
				return fmt.Errorf("campaign %s %s", cp.ID, cp.State)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			if tty && !c.g.json {
				c.printf("\n")
			}
			return ctx.Err()
		case <-time.After(w.interval):
		}
	}
}
