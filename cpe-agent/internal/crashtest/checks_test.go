package crashtest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gatewarden/protocol/cwmp"
)

// The parameters local changes go to: an active one (the sim keeps it),
// and two passive ones (one the sim keeps, one the tree stores).
const (
	paramSSID     = "Device.WiFi.SSID.1.SSID"
	paramRekey    = "Device.WiFi.AccessPoint.1.Security.RekeyingInterval"
	paramMTU      = "Device.IP.Interface.1.MaxMTUSize"
	paramCRUser   = "Device.ManagementServer.ConnectionRequestUsername"
	paramCRPass   = "Device.ManagementServer.ConnectionRequestPassword"
	paramRetryMin = "Device.ManagementServer.CWMPRetryMinimumWaitInterval"
	paramRetryMul = "Device.ManagementServer.CWMPRetryIntervalMultiplier"
)

var changeParams = []string{paramSSID, paramRekey, paramMTU}

// delivered reports whether an Inform the peer answered, matching ok,
// carried every one of evs.
func (l *ledger) deliveredLocked(ok func(*informRec) bool, evs ...string) bool {
	for _, r := range l.informs {
		if !r.answered || !ok(r) {
			continue
		}
		all := true
		for _, e := range evs {
			if !slices.Contains(r.events, e) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// reportedLocked reports whether a TransferComplete for key, matching ok,
// was acknowledged by the peer.
func (l *ledger) reportedLocked(key string, ok func(*tcRec) bool) bool {
	for _, r := range l.tcs {
		if r.answered && r.key == key && ok(r) {
			return true
		}
	}
	return false
}

func afterInc(inc int) func(*informRec) bool { return func(r *informRec) bool { return r.inc >= inc } }
func after(t time.Time) func(*informRec) bool {
	return func(r *informRec) bool { return r.arrived.After(t) }
}

// unmet lists the promises not kept yet: what the store held at each kill,
// what the CPE acknowledged, the last acknowledged change of each notified
// parameter. The run drains until it is empty; count is how many promises
// there are.
func (l *ledger) unmet() (missing []string, count int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	miss := func(format string, args ...any) { missing = append(missing, fmt.Sprintf(format, args...)) }
	for j, snap := range l.snaps {
		inc := j + 1
		for _, e := range snap.events {
			count++
			if !l.deliveredLocked(afterInc(inc), e) {
				miss("event %q queued at kill %d never delivered after the restart", e, inc)
			}
		}
		for _, k := range snap.transfers {
			count++
			if !l.reportedLocked(k, func(r *tcRec) bool { return r.inc >= inc }) {
				miss("transfer %q in the store at kill %d never reported after the restart", k, inc)
			}
		}
		for _, k := range snap.scheduled {
			count++
			if !l.deliveredLocked(afterInc(inc), string(cwmp.EventScheduled), string(cwmp.EventMScheduleInform)+"/"+k) {
				miss("ScheduleInform %q in the store at kill %d never delivered after the restart", k, inc)
			}
		}
	}
	for k, at := range l.downloads {
		count++
		if !l.reportedLocked(k, func(r *tcRec) bool { return r.arrived.After(at) }) {
			miss("acknowledged Download %q never reported by TransferComplete", k)
		}
	}
	for k, at := range l.schedules {
		count++
		if !l.deliveredLocked(after(at), string(cwmp.EventScheduled), string(cwmp.EventMScheduleInform)+"/"+k) {
			miss("acknowledged ScheduleInform %q never delivered", k)
		}
	}
	for _, p := range changeParams {
		c, accept := l.lastNotifiedChangeLocked(p)
		if c == nil {
			continue
		}
		count++
		ok := false
		// The values are unique, so an Inform carrying one proves the
		// change; it may arrive before the parent reads the ack.
		for _, r := range l.informs {
			if r.answered && r.arrived.After(c.sent) && slices.Contains(r.events, string(cwmp.EventValueChange)) &&
				slices.Contains(accept, r.params[p]) {
				ok = true
				break
			}
		}
		if !ok {
			miss("acknowledged local change %s=%s never reported with 4 VALUE CHANGE", p, c.value)
		}
	}
	return missing, count
}

// lastNotifiedChangeLocked returns the last acknowledged local change of p
// made after an acknowledged SetParameterAttributes turned its
// notification on, and the values an Inform may report for it (its own or
// a later change's: only the latest value is sent).
func (l *ledger) lastNotifiedChangeLocked(p string) (*change, []string) {
	var on time.Time
	for _, s := range l.spas {
		if s.param == p && s.notif != cwmp.NotificationOff && !s.acked.IsZero() && (on.IsZero() || s.acked.Before(on)) {
			on = s.acked
		}
	}
	if on.IsZero() {
		return nil, nil
	}
	var last *change
	for _, c := range l.changes {
		if c.param == p && !c.acked.IsZero() && c.sent.After(on) {
			last = c
		}
	}
	if last == nil {
		return nil, nil
	}
	var accept []string
	for _, c := range l.changes[last.n:] {
		if c.param == p {
			accept = append(accept, c.value)
		}
	}
	return last, accept
}

// violations lists what the spec forbids and the peer saw anyway, and
// returns how many Informs and TransferCompletes it examined.
func (l *ledger) violations() (bad []string, count int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	crOK := func(inc int, before time.Time) bool {
		for _, c := range l.crSent {
			if c.ok && c.inc == inc && c.sent.Before(before) {
				return true
			}
		}
		return false
	}
	downloadSince := func(k string, since time.Time) bool {
		at, ok := l.downloads[k]
		return ok && at.After(since)
	}
	scheduleSince := func(k string, since time.Time) bool {
		at, ok := l.schedules[k]
		return ok && at.After(since)
	}
	for _, r := range l.informs {
		count++
		has := func(e string) bool { return slices.Contains(r.events, e) }
		if has(string(cwmp.EventConnectionRequest)) && !crOK(r.inc, r.arrived) {
			v("6 CONNECTION REQUEST in incarnation %d without a connection request to it (events %q)", r.inc, r.events)
		}
		var mdl []string
		for _, e := range r.events {
			if k, ok := strings.CutPrefix(e, string(cwmp.EventMDownload)+"/"); ok {
				mdl = append(mdl, k)
			}
		}
		if has(string(cwmp.EventTransferComplete)) != (len(mdl) > 0) {
			v("7 TRANSFER COMPLETE and M Download do not go together: %q", r.events)
		}
		if r.inc == 0 {
			continue
		}
		snap := l.snaps[r.inc-1]
		since := l.starts[r.inc]
		if has(string(cwmp.EventBoot)) && snap.bootRecorded && !slices.Contains(snap.events, string(cwmp.EventBoot)) {
			v("1 BOOT after restart %d within the same boot, not queued at the kill (events %q)", r.inc, r.events)
		}
		if has(string(cwmp.EventBootstrap)) && snap.bootstrapDone && !slices.Contains(snap.events, string(cwmp.EventBootstrap)) {
			v("0 BOOTSTRAP after restart %d though the bootstrap was done and none was queued", r.inc)
		}
		for _, k := range mdl {
			if !slices.Contains(snap.transfers, k) && !downloadSince(k, since) {
				v("M Download/%s after restart %d, not in the store at the kill", k, r.inc)
			}
		}
		for _, e := range r.events {
			k, ok := strings.CutPrefix(e, string(cwmp.EventMScheduleInform)+"/")
			if ok && !slices.Contains(snap.events, e) && !slices.Contains(snap.scheduled, k) && !scheduleSince(k, since) {
				v("M ScheduleInform/%s after restart %d, not in the store at the kill", k, r.inc)
			}
		}
	}
	for _, r := range l.tcs {
		count++
		if !r.announced {
			v("TransferComplete %q in a session whose Inform did not announce it", r.key)
		}
		if r.inc > 0 && !slices.Contains(l.snaps[r.inc-1].transfers, r.key) && !downloadSince(r.key, l.starts[r.inc]) {
			v("TransferComplete %q after restart %d, not in the store at the kill", r.key, r.inc)
		}
	}
	return bad, count
}
