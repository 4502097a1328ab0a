package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is the figures of one run against one server. The JSON names are
// the testbench contract of ARCHITECTURE.md (sessions_per_sec, p50_ms,
// p99_ms, rejected, errors); the rest says what was measured and how.
type Result struct {
	Scenario    string  `json:"scenario"`
	ACS         string  `json:"acs"`
	Devices     int     `json:"devices"`
	Concurrency int     `json:"concurrency"`
	DurationS   float64 `json:"duration_s"`

	// Sessions that ran to the ACS's final 204, and their rate.
	Sessions       int64   `json:"sessions"`
	SessionsPerSec float64 `json:"sessions_per_sec"`
	// Wall time of a whole successful session, from connecting to the 204.
	P50Ms float64 `json:"p50_ms"`
	P90Ms float64 `json:"p90_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`

	// Rejected counts sessions the ACS refused with 503; Errors every
	// other failed session, by kind in ErrorKinds.
	Rejected   int64            `json:"rejected"`
	Errors     int64            `json:"errors"`
	ErrorKinds map[string]int64 `json:"error_kinds,omitempty"`

	// AuthChallenges counts 401s answered; ACSRequests the RPCs the ACS
	// sent after the Inform, CPEFaults those answered with a fault;
	// Reconnects the extra TCP connections sessions needed because the
	// ACS closed one mid-session.
	AuthChallenges int64 `json:"auth_challenges"`
	ACSRequests    int64 `json:"acs_requests"`
	CPEFaults      int64 `json:"cpe_faults"`
	Reconnects     int64 `json:"reconnects"`
	ReuseNonce     bool  `json:"reuse_nonce"`

	// CPU time of the testbench process while it ran, and per session
	// attempt: the client's cost when the server is another process.
	ClientCPUS            float64 `json:"client_cpu_s"`
	ClientCPUUsPerSession float64 `json:"client_cpu_us_per_session"`
	// ServerCPUUsPerSession is the server's CPU per session attempt, where
	// the testbench ran the server (the baseline).
	ServerCPUUsPerSession float64 `json:"server_cpu_us_per_session,omitempty"`
}

// SetServerCPU records the CPU time the server used during the run.
func (r *Result) SetServerCPU(cpu time.Duration) {
	if n := r.Sessions + r.Rejected + r.Errors; n > 0 {
		r.ServerCPUUsPerSession = float64(cpu.Microseconds()) / float64(n)
	}
}

// Report is what `testbench run` prints and writes: the run against the
// ACS, and with a baseline the same run against a bare net/http server.
type Report struct {
	Result
	BaselineSessionsPerSec *float64 `json:"baseline_sessions_per_sec,omitempty"`
	Ratio                  *float64 `json:"ratio,omitempty"`
	Baseline               *Result  `json:"baseline,omitempty"`
	Version                string   `json:"testbench_version,omitempty"`
}

// NewReport combines a run with its baseline (nil: none).
func NewReport(acs, baseline *Result, version string) *Report {
	r := &Report{Result: *acs, Baseline: baseline, Version: version}
	if baseline != nil {
		b := baseline.SessionsPerSec
		r.BaselineSessionsPerSec = &b
		ratio := 0.0
		if b > 0 {
			ratio = acs.SessionsPerSec / b
		}
		r.Ratio = &ratio
	}
	return r
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// WriteTable writes the report for people.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario %s, %d devices, concurrency %d\n\n", r.Scenario, r.Devices, r.Concurrency)
	fmt.Fprintln(tw, "target\tsessions\tsessions/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\trejected\terrors\tclient cpu µs/session\tseconds")
	row := func(name string, x *Result) {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%.1f\t%.2f\n",
			name, x.Sessions, x.SessionsPerSec, x.P50Ms, x.P90Ms, x.P99Ms, x.MaxMs, x.Rejected, x.Errors,
			x.ClientCPUUsPerSession, x.DurationS)
	}
	row(r.ACS, &r.Result)
	if r.Baseline != nil {
		row("baseline (bare net/http)", r.Baseline)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	var notes []string
	if r.Ratio != nil {
		notes = append(notes, fmt.Sprintf("ratio to baseline: %.3f", *r.Ratio))
	}
	if r.Baseline != nil && r.Baseline.ServerCPUUsPerSession > 0 {
		notes = append(notes, fmt.Sprintf("baseline server cpu: %.1f µs/session", r.Baseline.ServerCPUUsPerSession))
	}
	if r.AuthChallenges > 0 {
		mode := "a fresh challenge per session"
		if r.ReuseNonce {
			mode = "nonces reused across sessions"
		}
		notes = append(notes, fmt.Sprintf("digest challenges answered: %d (%s)", r.AuthChallenges, mode))
	}
	if r.ACSRequests > 0 {
		notes = append(notes, fmt.Sprintf("acs requests answered: %d (%d with a fault)", r.ACSRequests, r.CPEFaults))
	}
	if r.Reconnects > 0 {
		notes = append(notes, fmt.Sprintf("reconnects within sessions: %d", r.Reconnects))
	}
	if len(r.ErrorKinds) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r.ErrorKinds)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.ErrorKinds[k]))
		}
		notes = append(notes, "errors: "+strings.Join(parts, ", "))
	}
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, n); err != nil {
			return fmt.Errorf("writing report: %w", err)
		}
	}
	return nil
}
