package dsl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Files reads lines from a directory tree a modem driver (or a small
// daemon polling the vendor's tool) keeps up to date:
//
//	<Dir>/<line>/state          up | showtime | training | handshake | down | nosignal | error
//	<Dir>/<line>/firmware       free text
//	<Dir>/<line>/profile        "17a"
//	<Dir>/<line>/rate_up        kbit/s (also rate_down, max_rate_up, max_rate_down)
//	<Dir>/<line>/snr_up         0.1 dB, signed (also snr_down, attn_up, attn_down)
//	<Dir>/<line>/power_up       0.1 dBmV, signed (also power_down)
//	<Dir>/<line>/es             seconds (also ses, showtime_es, showtime_ses)
//	<Dir>/<line>/retrains       count
//	<Dir>/<line>/showtime       seconds in the current showtime
//
// Every file holds one value, surrounding white space ignored. A missing
// file is a value the driver does not report (zero); a file that cannot
// be parsed is an error naming it, so a broken driver shows up instead of
// reporting zeros.
type Files struct {
	Dir string
}

var _ Driver = (*Files)(nil)

// Lines implements Driver: the sub-directories of Dir, sorted. A missing
// Dir means a board without DSL.
func (f *Files) Lines() ([]string, error) {
	ents, err := os.ReadDir(f.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dsl: %w", err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() || e.Type()&fs.ModeSymlink != 0 {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// Line implements Driver.
func (f *Files) Line(name string) (Line, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return Line{}, fmt.Errorf("dsl: line %q: %w", name, ErrNoLine)
	}
	dir := filepath.Join(f.Dir, name)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return Line{}, fmt.Errorf("dsl: line %q: %w", name, ErrNoLine)
	}
	r := lineReader{dir: dir}
	var l Line
	if s, ok := r.text("state"); ok {
		st, err := ParseState(s)
		if err != nil {
			r.fail("state", err)
		}
		l.State = st
	}
	l.FirmwareVersion, _ = r.text("firmware")
	l.Profile, _ = r.text("profile")
	l.UpstreamRate = r.uint("rate_up")
	l.DownstreamRate = r.uint("rate_down")
	l.UpstreamMaxRate = r.uint("max_rate_up")
	l.DownstreamMaxRate = r.uint("max_rate_down")
	l.UpstreamNoiseMargin = r.int("snr_up")
	l.DownstreamNoiseMargin = r.int("snr_down")
	l.UpstreamAttenuation = r.int("attn_up")
	l.DownstreamAttenuation = r.int("attn_down")
	l.UpstreamPower = r.int("power_up")
	l.DownstreamPower = r.int("power_down")
	l.ErroredSecs = r.uint("es")
	l.SeverelyErroredSecs = r.uint("ses")
	l.ShowtimeErroredSecs = r.uint("showtime_es")
	l.ShowtimeSeverelyErroredSecs = r.uint("showtime_ses")
	l.Retrains = r.uint("retrains")
	l.Showtime = r.uint("showtime")
	if r.err != nil {
		return Line{}, r.err
	}
	return l, nil
}

// lineReader reads the files of one line, keeping the first error.
type lineReader struct {
	dir string
	err error
}

func (r *lineReader) fail(file string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("dsl: %s: %w", filepath.Join(r.dir, file), err)
	}
}

func (r *lineReader) text(file string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(r.dir, file))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	if err != nil {
		r.fail(file, err)
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

func (r *lineReader) uint(file string) uint64 {
	s, ok := r.text(file)
	if !ok {
		return 0
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		r.fail(file, errors.New("want an unsigned decimal number"))
	}
	return v
}

func (r *lineReader) int(file string) int64 {
	s, ok := r.text(file)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.fail(file, errors.New("want a signed decimal number"))
	}
	return v
}

// ParseState reads a state word as drivers spell it (case-insensitive).
func ParseState(s string) (State, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "up", "showtime":
		return StateUp, nil
	case "training", "handshake", "init", "initializing":
		return StateTraining, nil
	case "down", "idle", "disabled":
		return StateDown, nil
	case "nosignal", "no_signal", "no-signal":
		return StateNoSignal, nil
	case "error", "fault":
		return StateError, nil
	}
	return StateDown, fmt.Errorf("unknown line state %q", s)
}
