package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// discardedOnReboot are the events a new boot drops (TR069-DIGEST §2.2,
// "discarded on reboot"); the new "1 BOOT" replaces the old one.
var discardedOnReboot = []cwmp.EventCode{cwmp.EventBoot, cwmp.EventValueChange, cwmp.EventDiagnosticsComplete}

// sessionManaged are the events the session raises itself, each by its own
// rule (doc.go); AddEvent refuses them so that no caller can break a rule
// such as "7 TRANSFER COMPLETE only with a TransferComplete".
var sessionManaged = []cwmp.EventCode{
	cwmp.EventBootstrap, cwmp.EventBoot, cwmp.EventScheduled, cwmp.EventConnectionRequest,
	cwmp.EventTransferComplete, cwmp.EventMReboot, cwmp.EventMScheduleInform,
	cwmp.EventMDownload, cwmp.EventMUpload, cwmp.EventMScheduleDownload,
}

// queueEvent appends an event unless an equal one is queued: a single
// event at most once, an "M" event once per CommandKey. The check and the
// append are one commit.
func queueEvent(tx *store.Tx, code cwmp.EventCode, key string, ev store.Event) (bool, error) {
	queued, err := tx.Events()
	if err != nil {
		return false, err
	}
	for _, e := range queued {
		if e.Code == string(code) && (!code.IsMethod() || e.CommandKey == key) {
			return false, nil
		}
	}
	if !code.IsMethod() {
		key = ""
	}
	ev.Code, ev.CommandKey = string(code), key
	if _, err := tx.AppendEvent(ev); err != nil {
		return false, err
	}
	return true, nil
}

// appendEvent queues one event durably (committed and fsync'd on return).
func (c *Client) appendEvent(code cwmp.EventCode, key string) (added bool, err error) {
	err = c.st.Update(func(tx *store.Tx) error {
		added, err = queueEvent(tx, code, key, store.Event{Time: c.clk.Now()})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("session: queueing %q: %w", code, err)
	}
	return added, nil
}

// checkBoot compares the boot id with the recorded one. On a new boot it
// drops the events a reboot discards and queues "1 BOOT" together with the
// new boot id, in one commit; OnNewBoot runs first, so a crash between the
// two repeats both (each is idempotent).
func (c *Client) checkBoot(ctx context.Context) (newBoot bool, err error) {
	id, err := c.opts.BootID()
	if err != nil {
		return false, fmt.Errorf("session: reading the boot id: %w", err)
	}
	if id == "" {
		return false, errors.New("session: empty boot id")
	}
	old, err := c.st.BootID()
	if err != nil {
		return false, fmt.Errorf("session: %w", err)
	}
	if old == id {
		return false, nil
	}
	if c.opts.OnNewBoot != nil {
		if err := c.opts.OnNewBoot(ctx); err != nil {
			return false, fmt.Errorf("session: new boot: %w", err)
		}
	}
	err = c.st.Update(func(tx *store.Tx) error {
		queued, err := tx.Events()
		if err != nil {
			return err
		}
		var drop []uint64
		for _, e := range queued {
			if listed(discardedOnReboot, cwmp.EventCode(e.Code)) {
				drop = append(drop, e.Seq)
			}
		}
		if err := tx.DeleteEvents(drop...); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(store.Event{Code: string(cwmp.EventBoot), Time: c.clk.Now()}); err != nil {
			return err
		}
		return tx.SetBootID(id)
	})
	if err != nil {
		return false, fmt.Errorf("session: recording the new boot: %w", err)
	}
	return true, nil
}

// checkBootstrap queues "0 BOOTSTRAP" (once) when the current ACS URL has
// not been bootstrapped: never since the factory (or a FactoryReset), or
// the URL changed since. needed reports whether a bootstrap is pending.
// The bootstrap record holds the URL the last delivered one went to, so a
// URL the ACS changes during a session that carries "0 BOOTSTRAP" to the
// old URL still gets its own afterwards.
func (c *Client) checkBootstrap(ctx context.Context) (needed bool, err error) {
	url, err := c.m.Value(ctx, paramURL)
	if err != nil {
		return false, fmt.Errorf("session: reading %s: %w", paramURL, err)
	}
	// Read first: a write transaction costs an fsync even when it changes
	// nothing.
	bs, err := c.st.Bootstrap()
	if err != nil {
		return false, fmt.Errorf("session: %w", err)
	}
	if bs.Done && bs.ACSURL == url {
		return false, nil
	}
	err = c.st.Update(func(tx *store.Tx) error {
		_, err := queueEvent(tx, cwmp.EventBootstrap, "", store.Event{Time: c.clk.Now()})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("session: queueing bootstrap: %w", err)
	}
	return true, nil
}

// convertDueScheduled turns every ScheduleInform that fell due into
// "3 SCHEDULED" and "M ScheduleInform"(key) queue entries, removing the
// schedule in the same commit, so from then on they follow the queue's
// retry rules.
func (c *Client) convertDueScheduled() (converted bool, err error) {
	now := c.clk.Now()
	// Read first: this runs at every wake-up, and a write transaction costs
	// an fsync even when it changes nothing.
	if next, err := c.nextScheduled(); err != nil || next.IsZero() || next.After(now) {
		return false, err
	}
	err = c.st.Update(func(tx *store.Tx) error {
		list, err := tx.ScheduledInforms()
		if err != nil {
			return err
		}
		var due []uint64
		for _, si := range list {
			if si.Due.After(now) {
				break // earliest first
			}
			due = append(due, si.ID)
			ev := store.Event{Time: now}
			if _, err := queueEvent(tx, cwmp.EventScheduled, "", ev); err != nil {
				return err
			}
			if _, err := queueEvent(tx, cwmp.EventMScheduleInform, si.CommandKey, ev); err != nil {
				return err
			}
		}
		converted = len(due) > 0
		return tx.DeleteScheduledInforms(due...)
	})
	if err != nil {
		return false, fmt.Errorf("session: scheduled informs: %w", err)
	}
	return converted, nil
}

// nextScheduled returns when the earliest ScheduleInform is due (zero if
// none).
func (c *Client) nextScheduled() (time.Time, error) {
	list, err := c.st.ScheduledInforms()
	if err != nil || len(list) == 0 {
		return time.Time{}, err
	}
	return list[0].Due, nil
}

// informEvents is what one Inform carries and where each part came from,
// so the right things are dropped when it is delivered or fails.
type informEvents struct {
	list      []cwmp.EventStruct
	seqs      []uint64       // stored queue entries included (duplicates too)
	owed      []OwedTransfer // transfers whose "M" events are included
	cr        bool           // "6 CONNECTION REQUEST" included
	bootstrap bool           // "0 BOOTSTRAP" included
	truncated bool           // more than 64: the rest waits
}

// codes returns the event codes for InformParameters.
func (e *informEvents) codes() []cwmp.EventCode {
	out := make([]cwmp.EventCode, len(e.list))
	for i, ev := range e.list {
		out[i] = ev.EventCode
	}
	return out
}

// retryable reports whether a failed session with these events must be
// retried: it carried something besides "6 CONNECTION REQUEST".
func (e *informEvents) retryable() bool {
	if e.truncated {
		return true
	}
	for _, ev := range e.list {
		if ev.EventCode != cwmp.EventConnectionRequest {
			return true
		}
	}
	return false
}

// collect builds the Inform's event list: queued events in order, then
// "4 VALUE CHANGE" if the model has unreported changes, then the completed
// transfers ("7 TRANSFER COMPLETE" once, one "M <method>" per transfer), then
// "6 CONNECTION REQUEST". Singles appear once, "M" events once per
// CommandKey, at most 64 in all.
func (c *Client) collect(ctx context.Context, cr bool) (*informEvents, error) {
	queued, err := c.st.Events()
	if err != nil {
		return nil, fmt.Errorf("session: reading events: %w", err)
	}
	owed, err := c.transfers.Owed(ctx)
	if err != nil {
		return nil, fmt.Errorf("session: reading transfers: %w", err)
	}
	ev := &informEvents{}
	// The list itself tells what is in it: at most 64 entries, a scan is
	// cheaper than a map (and its key type's hash and equality functions).
	add := func(code cwmp.EventCode, ck string) (ok, dup bool) {
		if !code.IsMethod() {
			ck = ""
		}
		for _, e := range ev.list {
			if e.EventCode == code && e.CommandKey == ck {
				return true, true
			}
		}
		if len(ev.list) == maxEvents {
			ev.truncated = true
			return false, false
		}
		ev.list = append(ev.list, cwmp.EventStruct{EventCode: code, CommandKey: ck})
		return true, false
	}
	for _, e := range queued {
		code := cwmp.EventCode(e.Code)
		if ok, _ := add(code, e.CommandKey); ok {
			ev.seqs = append(ev.seqs, e.Seq)
			if code == cwmp.EventBootstrap {
				ev.bootstrap = true
			}
		}
	}
	if c.m.HasPendingChanges() {
		add(cwmp.EventValueChange, "")
	}
	if len(owed) > 0 {
		if ok, _ := add(cwmp.EventTransferComplete, ""); ok {
			for _, t := range owed {
				if ok, _ := add(cwmp.MethodEvent(t.Method), t.Complete.CommandKey); ok {
					ev.owed = append(ev.owed, t)
				}
			}
		}
	}
	if cr {
		if ok, _ := add(cwmp.EventConnectionRequest, ""); ok {
			ev.cr = true
		}
	}
	return ev, nil
}

// delivered applies the InformResponse: the included queue entries go,
// the bootstrap is recorded for the URL it went to, and RetryCount returns
// to 0 — one commit. Transfers stay until their TransferCompleteResponse.
func (c *Client) delivered(ctx context.Context, ev *informEvents, url string) error {
	err := c.st.Update(func(tx *store.Tx) error {
		if err := tx.DeleteEvents(ev.seqs...); err != nil {
			return err
		}
		if ev.bootstrap {
			if err := tx.SetBootstrap(store.BootstrapState{Done: true, ACSURL: url}); err != nil {
				return err
			}
		}
		return tx.SetRetryCount(0)
	})
	if err != nil {
		return fmt.Errorf("session: recording delivered events: %w", err)
	}
	if err := c.m.InformDelivered(ctx); err != nil {
		return fmt.Errorf("session: model: %w", err)
	}
	return nil
}
