package crashtest

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"gatewarden/protocol/cwmp"
)

// ledger is what one run observed, in the parent's real time: what the
// peer saw and answered, what it was told was done, what the store held
// at each kill. The checks compare them at the end.
type ledger struct {
	mu sync.Mutex
	// inc is the child incarnation running now (0 before the first kill);
	// starts[i] is when incarnation i was started.
	inc    int
	starts []time.Time
	// snaps[i] is the state found after the kill of incarnation i.
	snaps []snapshot

	informs []*informRec
	tcs     []*tcRec
	// Acknowledged by a response the peer received.
	downloads map[string]time.Time
	schedules map[string]time.Time
	spas      []*spaRec
	credsOK   bool
	retryOK   bool
	changes   []*change
	crSent    []crRec
	crURL     string
	// failures collects check failures as they are found.
	failures []string
	// checked counts the promises and prohibitions verified.
	checked int
}

// informRec is one Inform the peer received.
type informRec struct {
	inc      int
	arrived  time.Time
	events   []string // "code" or "code/key"
	params   map[string]string
	answered bool // InformResponse written
}

// tcRec is one TransferComplete the peer received.
type tcRec struct {
	inc       int
	key       string
	arrived   time.Time
	answered  bool // TransferCompleteResponse written
	announced bool // its Inform carried 7 TRANSFER COMPLETE and M Download/key
}

// spaRec is one SetParameterAttributes the peer sent (one parameter).
type spaRec struct {
	param string
	notif cwmp.Notification
	sent  time.Time
	acked time.Time // zero: no response
}

// change is one local change commanded to the child.
type change struct {
	n            int
	param, value string
	sent, acked  time.Time
}

type crRec struct {
	inc  int
	sent time.Time
	ok   bool // answered 200: the listener triggered a session
}

// snapshot is the state found in the data directory after a kill.
type snapshot struct {
	events        []string // queued events, "code" or "code/key"
	transfers     []string // CommandKeys of transfers in the store
	scheduled     []string // CommandKeys of scheduled informs
	bootstrapDone bool
	// bootRecorded: the store holds the sim's current boot id, so the
	// agent has queued (and maybe delivered) this boot's 1 BOOT.
	bootRecorded bool
}

func newLedger() *ledger {
	return &ledger{downloads: map[string]time.Time{}, schedules: map[string]time.Time{}}
}

func (l *ledger) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures = append(l.failures, fmt.Sprintf(format, args...))
}

func (l *ledger) checkedOne() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.checked++
}

func (l *ledger) started(inc int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inc = inc
	l.starts = append(l.starts, time.Now())
}

// incAtLocked is the incarnation that sent a request arriving at t: the
// peer may take up a dead incarnation's last request after the next one
// started, but it arrived before (the parent waits for the kill).
func (l *ledger) incAtLocked(t time.Time) int {
	inc := 0
	for i, s := range l.starts {
		if !t.Before(s) {
			inc = i
		}
	}
	return inc
}

func eventKeys(list []cwmp.EventStruct) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = string(e.EventCode)
		if e.CommandKey != "" {
			out[i] += "/" + e.CommandKey
		}
	}
	return out
}

func (l *ledger) inform(inf *cwmp.Inform, arrived time.Time) *informRec {
	rec := &informRec{arrived: arrived, events: eventKeys(inf.Event), params: map[string]string{}}
	for _, p := range inf.ParameterList {
		rec.params[p.Name] = p.Value
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rec.inc = l.incAtLocked(arrived)
	l.informs = append(l.informs, rec)
	if u := rec.params["Device.ManagementServer.ConnectionRequestURL"]; u != "" {
		l.crURL = u
	}
	return rec
}

func (l *ledger) answered(rec *informRec) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec.answered = true
}

func (l *ledger) transferComplete(inf *informRec, tc *cwmp.TransferComplete, arrived time.Time) *tcRec {
	rec := &tcRec{key: tc.CommandKey, arrived: arrived}
	rec.announced = inf != nil && slices.Contains(inf.events, string(cwmp.EventTransferComplete)) &&
		slices.Contains(inf.events, string(cwmp.EventMDownload)+"/"+tc.CommandKey)
	l.mu.Lock()
	defer l.mu.Unlock()
	rec.inc = l.incAtLocked(arrived)
	l.tcs = append(l.tcs, rec)
	return rec
}

func (l *ledger) tcAnswered(rec *tcRec) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec.answered = true
}

// acked records what a response from the CPE proves it has committed.
func (l *ledger) acked(req cwmp.Body, spas []*spaRec) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	switch r := req.(type) {
	case *cwmp.Download:
		l.downloads[r.CommandKey] = now
	case *cwmp.ScheduleInform:
		l.schedules[r.CommandKey] = now
	case *cwmp.SetParameterValues:
		for _, p := range r.ParameterList {
			switch p.Name {
			case paramCRUser:
				l.credsOK = true
			case paramRetryMin:
				l.retryOK = true
			}
		}
	case *cwmp.SetParameterAttributes:
		for _, s := range spas {
			s.acked = now
		}
	}
}

func (l *ledger) sentSPA(param string, n cwmp.Notification) *spaRec {
	rec := &spaRec{param: param, notif: n, sent: time.Now()}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.spas = append(l.spas, rec)
	return rec
}

// configured reports whether the ACS settings the checks rely on are in
// place: connection-request credentials and a 1 s retry wait.
func (l *ledger) configured() (creds, retry bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.credsOK, l.retryOK
}

// lastSPA returns the last acknowledged attribute of param and the
// notifications sent after it (which may have been applied unacknowledged).
func (l *ledger) lastSPA(param string) (acked *spaRec, later []cwmp.Notification) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.spas {
		if s.param != param {
			continue
		}
		if !s.acked.IsZero() {
			acked, later = s, nil
		} else if acked != nil {
			later = append(later, s.notif)
		}
	}
	return acked, later
}

// active reports whether param's active notification is acknowledged,
// with no other setting sent after it.
func (l *ledger) active(param string) bool {
	last, later := l.lastSPA(param)
	return last != nil && last.notif == cwmp.NotificationActive && len(later) == 0
}

func (l *ledger) newChange(param, value string) *change {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := &change{n: len(l.changes), param: param, value: value, sent: time.Now()}
	l.changes = append(l.changes, c)
	return c
}

func (l *ledger) changeAcked(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n >= 0 && n < len(l.changes) {
		l.changes[n].acked = time.Now()
	}
}

// crRequest records a connection request about to be sent; done records
// whether the listener accepted it.
func (l *ledger) crRequest() (done func(ok bool)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := len(l.crSent)
	l.crSent = append(l.crSent, crRec{inc: l.inc, sent: time.Now()})
	return func(ok bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.crSent[i].ok = ok
	}
}

func (l *ledger) connReqURL() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.crURL
}

func (l *ledger) snapshot(s snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.snaps = append(l.snaps, s)
}
