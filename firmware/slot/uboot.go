package slot

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// U-Boot environment variables the boot script and the agent share (see
// firmware/README.md for the script). bootcount, bootlimit and
// upgrade_available are U-Boot's own (CONFIG_BOOTCOUNT_ENV): U-Boot counts
// boots while upgrade_available=1 and runs altbootcmd past bootlimit;
// altbootcmd marks gw_boot_slot's state bad, switches gw_boot_slot and
// clears upgrade_available.
const (
	envBootSlot  = "gw_boot_slot"
	envUpgrade   = "upgrade_available"
	envBootCount = "bootcount"
	envBootLimit = "bootlimit"
)

func envState(s Name) string   { return "gw_slot_" + string(s) + "_state" }
func envVersion(s Name) string { return "gw_slot_" + string(s) + "_version" }

// UBoot is the slot backend of a real router: the boot environment through
// fw_printenv/fw_setenv, images written to UBI volumes named
// "<target>_<slot>" (rootfs_a, kernel_b) with ubiupdatevol.
type UBoot struct {
	_    [0]func() // not comparable: spares the binary an equality function
	opts UBootOptions
}

// UBootOptions configures UBoot. Zero values pick the real system's.
type UBootOptions struct {
	_      [0]func() // not comparable: spares the binary an equality function
	Runner Runner    // default ExecRunner
	// SysRoot is where /sys is (tests point it at a fixture tree).
	SysRoot string
	// DevRoot is where /dev is.
	DevRoot string
	// Cmdline is the kernel command line file; the boot script passes
	// gw.slot=a|b there, which names the booted slot even when the
	// environment was changed since boot.
	Cmdline   string
	BootLimit int
	// Timeout bounds one environment command; default 30 s.
	Timeout time.Duration
}

var _ Slots = (*UBoot)(nil)

// NewUBoot returns the U-Boot backend.
func NewUBoot(opts UBootOptions) *UBoot {
	if opts.Runner == nil {
		opts.Runner = &ExecRunner{}
	}
	if opts.SysRoot == "" {
		opts.SysRoot = "/sys"
	}
	if opts.DevRoot == "" {
		opts.DevRoot = "/dev"
	}
	if opts.Cmdline == "" {
		opts.Cmdline = "/proc/cmdline"
	}
	if opts.BootLimit <= 0 {
		opts.BootLimit = DefaultBootLimit
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	return &UBoot{opts: opts}
}

func (u *UBoot) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), u.opts.Timeout)
}

// env reads the whole environment (fw_printenv prints name=value lines).
func (u *UBoot) env() (map[string]string, error) {
	ctx, cancel := u.ctx()
	out, err := u.opts.Runner.Run(ctx, nil, "fw_printenv")
	cancel() // by hand: a defer costs ~150 bytes of router code
	if err != nil {
		return nil, fmt.Errorf("slot: reading the boot environment: %w", err)
	}
	return parseEnv(out), nil
}

// parseEnv reads fw_printenv's output; lines without '=' are ignored.
func parseEnv(out []byte) map[string]string {
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), "=")
		if ok && name != "" {
			env[name] = value
		}
	}
	return env
}

// setEnv writes several variables in one fw_setenv call (its script mode
// writes the redundant environment once: all or nothing). kv alternates
// names and values, names in sorted order (the script's order); an empty
// value deletes the variable. (Pairs, not a map: a map literal compiles
// to an assignment call per entry at every caller.)
func (u *UBoot) setEnv(kv ...string) error {
	var script strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		n, v := kv[i], kv[i+1]
		if strings.ContainsAny(v, "\n\r") {
			return fmt.Errorf("slot: value of %s has a line break", n)
		}
		script.WriteString(n)
		if v != "" {
			script.WriteString(" " + v)
		}
		script.WriteByte('\n')
	}
	ctx, cancel := u.ctx()
	_, err := u.opts.Runner.Run(ctx, strings.NewReader(script.String()), "fw_setenv", "-s", "-")
	cancel()
	if err != nil {
		return fmt.Errorf("slot: writing the boot environment: %w", err)
	}
	return nil
}

// Booted implements Slots: gw.slot= on the kernel command line, else the
// environment's gw_boot_slot.
func (u *UBoot) Booted() (Name, error) {
	if b, err := os.ReadFile(u.opts.Cmdline); err == nil {
		for _, f := range strings.Fields(string(b)) {
			if v, ok := strings.CutPrefix(f, "gw.slot="); ok && Name(v).Valid() {
				return Name(v), nil
			}
		}
	}
	env, err := u.env()
	if err != nil {
		return "", err
	}
	s := Name(env[envBootSlot])
	if !s.Valid() {
		return "", fmt.Errorf("slot: %s=%q in the boot environment is not a or b", envBootSlot, env[envBootSlot])
	}
	return s, nil
}

// Status implements Slots.
func (u *UBoot) Status() ([]Info, error) {
	booted, err := u.Booted()
	if err != nil {
		return nil, err
	}
	env, err := u.env()
	if err != nil {
		return nil, err
	}
	next := Name(env[envBootSlot])
	var out []Info
	for _, s := range []Name{A, B} {
		st := State(env[envState(s)])
		switch st {
		case StateGood, StateBad, StateTrying:
		default:
			// A factory image predating these variables: the booted slot is good.
			st = StateBad
			if s == booted {
				st = StateGood
			}
		}
		out = append(out, Info{Name: s, Version: env[envVersion(s)], State: st, Booted: s == booted, Next: s == next})
	}
	return out, nil
}

// MarkBad implements Slots.
func (u *UBoot) MarkBad(s Name) error {
	booted, err := u.Booted()
	if err != nil {
		return err
	}
	if s == booted || !s.Valid() {
		return ErrBootedSlot
	}
	return u.setEnv(envBootCount, "0", envBootSlot, string(booted),
		envState(s), string(StateBad), envVersion(s), "", envUpgrade, "0")
}

// MarkBootOnce implements Slots.
func (u *UBoot) MarkBootOnce(s Name, version string) error {
	booted, err := u.Booted()
	if err != nil {
		return err
	}
	if s == booted || !s.Valid() {
		return ErrBootedSlot
	}
	return u.setEnv(envBootCount, "0", envBootLimit, strconv.Itoa(u.opts.BootLimit),
		envBootSlot, string(s), envState(s), string(StateTrying), envVersion(s), version,
		envUpgrade, "1")
}

// MarkGood implements Slots.
func (u *UBoot) MarkGood() error {
	booted, err := u.Booted()
	if err != nil {
		return err
	}
	return u.setEnv(envBootCount, "0", envBootSlot, string(booted),
		envState(booted), string(StateGood), envUpgrade, "0")
}

// BootCount implements Slots.
func (u *UBoot) BootCount() (int, error) {
	env, err := u.env()
	if err != nil {
		return 0, err
	}
	if env[envUpgrade] != "1" {
		return 0, nil
	}
	n, err := strconv.Atoi(env[envBootCount])
	if err != nil {
		return 0, fmt.Errorf("slot: %s=%q is not a number", envBootCount, env[envBootCount])
	}
	return n, nil
}

// volumeDevice finds /dev/ubiX_Y of the UBI volume called name.
func (u *UBoot) volumeDevice(name string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(u.opts.SysRoot, "class", "ubi", "ubi*_*", "name"))
	if err != nil {
		return "", fmt.Errorf("slot: %w", err)
	}
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		if strings.TrimSpace(string(b)) == name {
			return filepath.Join(u.opts.DevRoot, filepath.Base(filepath.Dir(m))), nil
		}
	}
	return "", fmt.Errorf("%w: no UBI volume named %q", ErrUnknownTarget, name)
}

// OpenTarget implements Slots: the payload streams into ubiupdatevol,
// which replaces the volume's contents. A UBI volume update that was
// interrupted leaves the volume marked corrupt, so it cannot be continued:
// off > 0 gives ErrNoResume and the installer starts the payload over.
func (u *UBoot) OpenTarget(s Name, target string, size, off int64) (Writer, error) {
	if err := checkTarget(s, target); err != nil {
		return nil, err
	}
	if off != 0 {
		return nil, ErrNoResume
	}
	booted, err := u.Booted()
	if err != nil {
		return nil, err
	}
	if s == booted {
		return nil, ErrBootedSlot
	}
	env, err := u.env()
	if err != nil {
		return nil, err
	}
	if st := env[envState(s)]; st != "" && st != string(StateBad) {
		return nil, fmt.Errorf("slot: %s is %s; mark it bad before writing", s, st)
	}
	dev, err := u.volumeDevice(target + "_" + string(s))
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	w := &ubiWriter{pw: pw, done: make(chan error, 1), size: size}
	go func() {
		// No timeout: the update lasts as long as the download feeds it.
		_, err := u.opts.Runner.Run(context.Background(), pr, "ubiupdatevol", dev, "-s", strconv.FormatInt(size, 10), "-")
		pr.CloseWithError(err)
		w.done <- err
	}()
	return w, nil
}

// ubiWriter feeds ubiupdatevol's standard input.
type ubiWriter struct {
	_       [0]func() // not comparable: spares the binary an equality function
	pw      *io.PipeWriter
	done    chan error
	size, n int64
	closed  bool
	err     error
}

func (w *ubiWriter) Write(p []byte) (int, error) {
	if w.n+int64(len(p)) > w.size {
		return 0, fmt.Errorf("slot: payload longer than the %d bytes announced", w.size)
	}
	n, err := w.pw.Write(p)
	w.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("slot: ubiupdatevol: %w", err)
	}
	return n, nil
}

// Sync has nothing to flush mid-stream: ubiupdatevol commits the volume
// when the last byte arrives.
func (w *ubiWriter) Sync() error { return nil }

// Close waits for ubiupdatevol; an incomplete payload makes it fail, which
// leaves the volume corrupt and its slot unbootable (already marked bad).
func (w *ubiWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	w.pw.Close()
	w.err = <-w.done
	if w.err == nil && w.n != w.size {
		w.err = fmt.Errorf("slot: volume got %d of %d bytes", w.n, w.size)
	}
	if w.err != nil {
		w.err = fmt.Errorf("slot: ubiupdatevol: %w", w.err)
	}
	return w.err
}
