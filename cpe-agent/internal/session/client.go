package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gatewarden/cpe-agent/internal/clock"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// Run returns these after the ACS's Reboot or FactoryReset was carried
// out (the platform call returned nil): the caller restarts the agent, or
// the device is going down anyway.
var (
	ErrRebooted     = errors.New("session: device rebooting at the ACS's request")
	ErrFactoryReset = errors.New("session: factory reset at the ACS's request")
)

// Client is the CWMP client: it keeps the event queue, decides when to
// open a session, runs sessions one at a time and carries out what they
// leave behind. Its trigger methods are safe for concurrent use; Run must
// be called once.
type Client struct {
	opts      Options
	m         Model
	st        *store.Store
	clk       clock.Clock
	transfers Transfers
	log       *slog.Logger
	wake      chan struct{}
	idPrefix  string
	ids       atomic.Uint64

	mu            sync.Mutex
	kicked        bool      // a session is wanted now
	crPending     bool      // "6 CONNECTION REQUEST" waiting for a session
	urlDirty      bool      // ManagementServer.URL changed
	periodicDirty bool      // a PeriodicInform* parameter changed
	notifyAt      time.Time // throttled session for active notifications
	lastEnd       time.Time
	last          *Result
}

// Result describes one session, for logs, the status page and tests.
type Result struct {
	Start, End time.Time
	// URL is where the session went first (credentials removed).
	URL        string
	Events     []cwmp.EventStruct
	RetryCount uint32
	// Established: the InformResponse arrived.
	Established bool
	// Err is why the session failed; nil when it completed.
	Err error
	// Fault is the ACS's fault to the Inform, if that was the failure.
	Fault *cwmp.Fault
	// RetryIn is the wait before the retry this failure scheduled (0: no
	// retry, as after a session whose only event was a connection request).
	RetryIn time.Duration
}

// New checks opts and registers the session's watches on the model.
func New(opts Options) (*Client, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	c := &Client{
		opts: opts,
		m:    opts.Model,
		st:   opts.Store,
		clk:  opts.Clock,
		log:  opts.Logger.With("component", "session"),
		wake: make(chan struct{}, 1),
	}
	var b [4]byte
	rand.Read(b[:])
	c.idPrefix = hex.EncodeToString(b[:])
	c.transfers = opts.Transfers
	if c.transfers == nil {
		q, err := NewTransferQueue(TransferQueueOptions{Store: opts.Store, Clock: opts.Clock, Logger: opts.Logger})
		if err != nil {
			return nil, err
		}
		c.transfers = q
	}
	c.m.Watch(paramURL, func(string) { c.flag(&c.urlDirty) })
	for _, p := range []string{paramPeriodicEnable, paramPeriodicInterval, paramPeriodicTime} {
		c.m.Watch(p, func(string) { c.flag(&c.periodicDirty) })
	}
	c.m.Watch(paramEnableCWMP, func(string) { c.flag(&c.kicked) })
	return c, nil
}

func (c *Client) flag(f *bool) {
	c.mu.Lock()
	*f = true
	c.mu.Unlock()
	c.signal()
}

func (c *Client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// ConnectionRequest asks for a session carrying "6 CONNECTION REQUEST":
// the connection-request listener (and later MQTT) calls it. Requests
// before a session starts make one session; one during a session makes a
// new session after it; the running session is never cut short.
func (c *Client) ConnectionRequest() {
	c.mu.Lock()
	c.crPending, c.kicked = true, true
	c.mu.Unlock()
	c.signal()
	c.log.Info("session requested", "event", cwmp.EventConnectionRequest)
}

// AddEvent queues an event durably and asks for a session: "8 DIAGNOSTICS
// COMPLETE", "13 WAKEUP", vendor "X <OUI> ..." events. The events the
// session raises by its own rules (BOOTSTRAP, BOOT, SCHEDULED, CONNECTION
// REQUEST, TRANSFER COMPLETE and their "M" events) are refused.
func (c *Client) AddEvent(code cwmp.EventCode, commandKey string) error {
	if listed(sessionManaged, code) {
		return fmt.Errorf("session: %q is raised by the session itself", code)
	}
	if code == "" || len(code) > 64 || len(commandKey) > 32 {
		return fmt.Errorf("session: invalid event %q/%q", code, commandKey)
	}
	if _, err := c.appendEvent(code, commandKey); err != nil {
		return err
	}
	c.flag(&c.kicked)
	return nil
}

// ValueChanged is the model's OnValueChange hook: it queues "4 VALUE
// CHANGE" and, for an active notification, asks for a session no sooner
// than DefaultActiveNotificationThrottle after the last one ended.
func (c *Client) ValueChanged(active bool) {
	if _, err := c.appendEvent(cwmp.EventValueChange, ""); err != nil {
		c.log.Error("queueing value change", "err", err)
	}
	if !active {
		return
	}
	throttle := time.Duration(c.uintParam(context.Background(), paramActiveNotifyThrottle, 0, ^uint32(0), 0)) * time.Second
	now := c.clk.Now()
	c.mu.Lock()
	if at := c.lastEnd.Add(throttle); throttle > 0 && !c.lastEnd.IsZero() && at.After(now) {
		if c.notifyAt.IsZero() || at.Before(c.notifyAt) {
			c.notifyAt = at
		}
	} else {
		c.kicked = true
	}
	c.mu.Unlock()
	c.signal()
}

// Last returns the last session's result.
func (c *Client) Last() (Result, bool) {
	var r Result
	c.mu.Lock()
	ok := c.last != nil
	if ok {
		r = *c.last
	}
	c.mu.Unlock()
	return r, ok
}

func (c *Client) newID() string {
	return c.idPrefix + "-" + strconv.FormatUint(c.ids.Add(1), 10)
}

// loop is the state of Run between sessions.
type loop struct {
	retryAt  time.Time
	periodic periodic
}

// Run decides when to open sessions and runs them until ctx ends (then it
// returns nil, abandoning a session in progress and leaving the queue as it
// was) or the ACS's Reboot/FactoryReset was carried out (ErrRebooted,
// ErrFactoryReset). Other errors come from the store and are fatal.
func (c *Client) Run(ctx context.Context) error {
	newBoot, err := c.checkBoot(ctx)
	if err != nil {
		return err
	}
	if _, err := c.checkBootstrap(ctx); err != nil {
		return err
	}
	var l loop
	l.periodic.load(ctx, c, c.clk.Now())
	retries, err := c.st.RetryCount()
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if retries > 0 && !newBoot {
		// An agent restart in the middle of a backoff continues it rather
		// than hammering the ACS; a new boot is news worth telling at once.
		m, k := c.retryParams(ctx)
		l.retryAt = c.clk.Now().Add(retryWait(retries, m, k, c.opts.Rand()))
	} else {
		c.flag(&c.kicked)
	}

	tctx, stopTransfers := context.WithCancel(ctx)
	var twg sync.WaitGroup // twg.Go: no defer in the goroutine's function
	twg.Go(func() {
		if err := c.transfers.Run(tctx, func() { c.flag(&c.kicked) }); err != nil {
			c.log.Error("transfer queue stopped", "err", err)
		}
	})
	defer func() {
		stopTransfers()
		twg.Wait()
	}()

	for {
		if ctx.Err() != nil {
			return nil
		}
		if err := c.step(ctx, &l); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// step does what is due, runs at most one session, or waits.
func (c *Client) step(ctx context.Context, l *loop) error {
	c.mu.Lock()
	kicked, urlDirty, periodicDirty := c.kicked, c.urlDirty, c.periodicDirty
	c.kicked, c.urlDirty, c.periodicDirty = false, false, false
	now := c.clk.Now()
	if !c.notifyAt.IsZero() && !now.Before(c.notifyAt) {
		c.notifyAt = time.Time{}
		kicked = true
	}
	notifyAt := c.notifyAt
	c.mu.Unlock()

	if urlDirty {
		// A new ACS: bootstrap with it now, even if an earlier bootstrap
		// is still waiting out a retry.
		needed, err := c.checkBootstrap(ctx)
		if err != nil {
			return err
		}
		kicked = kicked || needed
	}
	if periodicDirty {
		l.periodic.load(ctx, c, now)
	}
	if l.periodic.due(now) {
		if _, err := c.appendEvent(cwmp.EventPeriodic, ""); err != nil {
			return err
		}
		kicked = true
	}
	converted, err := c.convertDueScheduled()
	if err != nil {
		return err
	}
	kicked = kicked || converted
	retryDue := !l.retryAt.IsZero() && !now.Before(l.retryAt)

	if kicked || retryDue {
		if !c.boolParam(ctx, paramEnableCWMP, true) {
			// Re-enabling it kicks a session (the Watch in New).
			c.log.Info("session not started: EnableCWMP is false")
			l.retryAt = time.Time{}
			return nil
		}
		return c.sessionAndAfter(ctx, l)
	}

	next := earliest(l.retryAt, l.periodic.next, notifyAt)
	sched, err := c.nextScheduled()
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	next = earliest(next, sched)
	var tc <-chan time.Time
	if !next.IsZero() {
		t := clock.TimerAt(c.clk, next)
		defer t.Stop()
		tc = t.C()
	}
	select {
	case <-tc:
	case <-c.wake:
	case <-ctx.Done():
	}
	return nil
}

func earliest(ts ...time.Time) time.Time {
	var e time.Time
	for _, t := range ts {
		if !t.IsZero() && (e.IsZero() || t.Before(e)) {
			e = t
		}
	}
	return e
}

// sessionAndAfter runs a session, schedules the retry a failure calls
// for, and carries out the deferred actions.
func (c *Client) sessionAndAfter(ctx context.Context, l *loop) error {
	retries, err := c.st.RetryCount()
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	res, def, ran := c.session(ctx, retries)
	if !ran {
		l.retryAt = time.Time{}
		return nil
	}
	if ctx.Err() != nil {
		return nil // abandoned: neither a success nor a failure
	}
	l.retryAt = time.Time{}
	if res.Err != nil && res.RetryIn > 0 {
		l.retryAt = res.End.Add(res.RetryIn)
	}
	c.finishResult(res)

	switch {
	case def.factoryReset:
		return c.factoryReset(ctx)
	case def.reboot:
		if err := c.reboot(ctx, def.rebootKey); err != nil {
			c.log.Error("reboot failed", "err", err)
		} else {
			return ErrRebooted
		}
	}
	c.transfers.Release()
	return nil
}

// finishResult records the result and tells whoever listens.
func (c *Client) finishResult(res Result) {
	c.mu.Lock()
	c.lastEnd = res.End
	c.last = &res
	c.mu.Unlock()
	sr := store.SessionResult{
		Start: res.Start, End: res.End, ACSURL: res.URL, RetryCount: res.RetryCount, OK: res.Err == nil,
	}
	for _, e := range res.Events {
		sr.Events = append(sr.Events, string(e.EventCode))
	}
	if res.Err != nil {
		sr.Error = res.Err.Error()
	}
	if res.Fault != nil {
		sr.FaultCode, sr.FaultString = uint32(res.Fault.FaultCode), res.Fault.FaultString
	}
	if err := c.st.SetLastSession(sr); err != nil {
		c.log.Error("recording the session result", "err", err)
	}
	if c.opts.OnSessionEnd != nil {
		c.opts.OnSessionEnd(res)
	}
}

// reboot saves "M Reboot"(key) and reboots. If the platform cannot, the
// event goes again: no reboot happened to report.
func (c *Client) reboot(ctx context.Context, key string) error {
	var seq uint64
	err := c.st.Update(func(tx *store.Tx) (err error) {
		seq, err = tx.AppendEvent(store.Event{Code: string(cwmp.EventMReboot), CommandKey: key, Time: c.clk.Now()})
		return err
	})
	if err != nil {
		return fmt.Errorf("session: saving M Reboot: %w", err)
	}
	c.log.Info("rebooting at the ACS's request")
	if err := c.opts.Platform.Reboot(ctx); err != nil {
		if derr := c.st.DeleteEvents(seq); derr != nil {
			c.log.Error("dropping M Reboot after the failed reboot", "err", derr)
		}
		return fmt.Errorf("session: reboot: %w", err)
	}
	return nil
}

// factoryReset forgets the bootstrap first, so "0 BOOTSTRAP" follows even
// if the platform's wipe leaves the store alone, then resets.
func (c *Client) factoryReset(ctx context.Context) error {
	if err := c.st.SetBootstrap(store.BootstrapState{}); err != nil {
		return fmt.Errorf("session: factory reset: %w", err)
	}
	c.log.Info("factory reset at the ACS's request")
	if err := c.opts.Platform.FactoryReset(ctx); err != nil {
		// Nothing was reset; the next session merely bootstraps again.
		c.log.Error("factory reset failed", "err", err)
		c.transfers.Release()
		return nil
	}
	return ErrFactoryReset
}
