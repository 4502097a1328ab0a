package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

// crCredentials are the connection-request credentials the peer of run n
// sets, as an ACS does in its first session: one pair per run, so that a
// request that reached another run's device could not start a session.
func crCredentials(n int) (user, pass string) {
	return fmt.Sprintf("crash-acs-%d", n), fmt.Sprintf("crash-secret-%d", n)
}

// sessionLimit bounds one session on the peer's side; the child's own
// response timeout is shorter.
const sessionLimit = 15 * time.Second

// handler plays the ACS for one session.
type handler func(ctx context.Context, p *peer, s *acstest.Session)

// peer is the scripted ACS of one run. Sessions are handled one at a
// time, in order: by the scripted handlers queued with push, else by
// standard.
type peer struct {
	srv *acstest.Server
	led *ledger
	run int

	mu     sync.Mutex
	rnd    *rand.Rand
	chaos  bool // the RPC mix and failures of the chaos phase
	script []handler
	seq    int
	// verified: the attribute check after the last restart is done.
	verified bool
}

func newPeer(run int, seed uint64, led *ledger) (*peer, error) {
	srv, err := acstest.Start(acstest.Options{})
	if err != nil {
		return nil, err
	}
	return &peer{srv: srv, led: led, run: run, rnd: rand.New(rand.NewPCG(seed, 0x7ee4)), chaos: true}, nil
}

func (p *peer) setChaos(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.chaos = on
	if !on {
		p.verified = false
	}
}

func (p *peer) push(h ...handler) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.script = append(p.script, h...)
}

func (p *peer) next() handler {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.script) == 0 {
		return standard(nil)
	}
	h := p.script[0]
	p.script = p.script[1:]
	return h
}

// loop serves sessions until ctx ends.
func (p *peer) loop(ctx context.Context) {
	for {
		s, err := p.srv.NextSession(ctx)
		if err != nil {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, sessionLimit)
		p.next()(sctx, p, s)
		cancel()
	}
}

func (p *peer) chance(f float64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rnd.Float64() < f
}

func (p *peer) key(prefix string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	return fmt.Sprintf("%s-%d-%d", prefix, p.run, p.seq)
}

// takeInform waits for the session's Inform and files it.
func (p *peer) takeInform(ctx context.Context, s *acstest.Session) (*informRec, *acstest.Exchange, bool) {
	ex, inf, err := s.ExpectInform(ctx)
	if err != nil {
		return nil, nil, false
	}
	return p.led.inform(inf, ex.Arrived), ex, true
}

// answerInform sends the InformResponse; the events count as delivered
// once it is written.
func (p *peer) answerInform(ctx context.Context, rec *informRec, ex *acstest.Exchange) bool {
	if ex.Reply(acstest.InformResponse()) != nil || ex.Written(ctx) != nil {
		return false
	}
	p.led.answered(rec)
	return true
}

// cpeRequests answers the CPE's TransferCompletes and returns its empty
// POST, still pending.
func (p *peer) cpeRequests(ctx context.Context, s *acstest.Session, rec *informRec) (*acstest.Exchange, bool) {
	for {
		ex, err := s.Next(ctx)
		if err != nil {
			return nil, false
		}
		if ex.Empty() {
			return ex, true
		}
		tc, ok := ex.Envelope.Body.(*cwmp.TransferComplete)
		if !ok {
			p.led.fail("unexpected %s from the CPE", ex.RPC())
			ex.Reply(acstest.Status(http.StatusBadRequest))
			return nil, false
		}
		tr := p.led.transferComplete(rec, tc, ex.Arrived)
		if ex.Reply(acstest.Respond(&cwmp.TransferCompleteResponse{})) != nil || ex.Written(ctx) != nil {
			return nil, false
		}
		p.led.tcAnswered(tr)
	}
}

// planned is one ACS request and the attribute records it carries.
type planned struct {
	body cwmp.Body
	spas []*spaRec
	// check runs on a successful answer.
	check func(cwmp.Body)
}

// standard plays the ACS: in the chaos phase it sometimes fails a session
// and sends a random mix of requests; afterwards it only puts the
// settings the checks need in place and verifies the attributes once.
// observe, when set, sees the Inform's events.
func standard(observe chan<- []string) handler {
	return func(ctx context.Context, p *peer, s *acstest.Session) {
		rec, ex, ok := p.takeInform(ctx, s)
		if !ok {
			return
		}
		if observe != nil {
			observe <- slices.Clone(rec.events)
		}
		p.mu.Lock()
		chaos := p.chaos
		p.mu.Unlock()
		creds, retry := p.led.configured()
		// Failures only once retries are quick (1 s) and connection
		// requests can cut them short.
		if chaos && creds && retry && p.chance(0.12) {
			ex.Reply(acstest.Status(http.StatusServiceUnavailable))
			ex.Written(ctx)
			return
		}
		if !p.answerInform(ctx, rec, ex) {
			return
		}
		pending, ok := p.cpeRequests(ctx, s, rec)
		if !ok {
			return
		}
		for _, req := range p.plan(chaos) {
			ans, err := s.Call(ctx, pending, req.body)
			if err != nil {
				return
			}
			if f := ans.Fault(); f != nil {
				if f.FaultCode != cwmp.FaultResourcesExceeded {
					p.led.fail("%s refused with fault %d %q", req.body.Method(), f.FaultCode, f.FaultString)
				}
			} else {
				p.led.acked(req.body, req.spas)
				if req.check != nil {
					req.check(ans.Envelope.Body)
				}
			}
			pending = ans
		}
		if pending.Reply(acstest.Empty()) == nil {
			pending.Written(ctx)
		}
	}
}

// plan chooses the ACS's requests for a session.
func (p *peer) plan(chaos bool) []planned {
	var out []planned
	creds, retry := p.led.configured()
	if !creds || !retry {
		user, pass := crCredentials(p.run)
		out = append(out, planned{body: &cwmp.SetParameterValues{ParameterKey: "crash-config", ParameterList: []cwmp.ParameterValueStruct{
			{Name: paramCRUser, Value: user, Type: "string"},
			{Name: paramCRPass, Value: pass, Type: "string"},
			{Name: paramRetryMin, Value: "1", Type: "unsignedInt"},
			{Name: paramRetryMul, Value: "1000", Type: "unsignedInt"},
		}}})
	}
	if !chaos {
		if q, ok := p.verifyAttributes(); ok {
			out = append(out, q)
		}
		for _, param := range []string{paramSSID, paramMTU} {
			if last, later := p.led.lastSPA(param); last == nil || last.notif != cwmp.NotificationActive || len(later) > 0 {
				out = append(out, p.spa(param, cwmp.NotificationActive))
			}
		}
		return out
	}
	p.mu.Lock()
	r := p.rnd.Float64
	draws := [4]float64{r(), r(), r(), r()}
	param := changeParams[p.rnd.IntN(len(changeParams))]
	notif := cwmp.NotificationPassive
	if param == paramSSID || p.rnd.IntN(3) == 0 {
		notif = cwmp.NotificationActive
	}
	p.mu.Unlock()
	if draws[0] < 0.45 {
		out = append(out, p.spa(param, notif))
	}
	if draws[1] < 0.4 {
		out = append(out, planned{body: &cwmp.Download{
			CommandKey: p.key("dl"),
			FileType:   cwmp.FileTypeFirmwareUpgradeImage,
			URL:        "https://firmware.invalid/gw.bin",
			FileSize:   1 << 20,
		}})
	}
	if draws[2] < 0.35 {
		out = append(out, planned{body: &cwmp.ScheduleInform{DelaySeconds: 1, CommandKey: p.key("si")}})
	}
	if draws[3] < 0.2 {
		out = append(out, planned{body: &cwmp.GetParameterValues{ParameterNames: []string{"Device.WiFi.", "Device.ManagementServer."}}})
	}
	return out
}

func (p *peer) spa(param string, n cwmp.Notification) planned {
	rec := p.led.sentSPA(param, n)
	return planned{
		body: &cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: param, NotificationChange: true, Notification: n}}},
		spas: []*spaRec{rec},
	}
}

// verifyAttributes asks, once after each restart, for the attributes the
// CPE acknowledged: each must be the acknowledged value or one sent
// after it (applied, its answer lost in the kill).
func (p *peer) verifyAttributes() (planned, bool) {
	p.mu.Lock()
	done := p.verified
	p.verified = true
	p.mu.Unlock()
	if done {
		return planned{}, false
	}
	want := map[string][]cwmp.Notification{}
	var names []string
	for _, param := range changeParams {
		last, later := p.led.lastSPA(param)
		if last == nil {
			continue
		}
		want[param] = append([]cwmp.Notification{last.notif}, later...)
		names = append(names, param)
	}
	if len(names) == 0 {
		return planned{}, false
	}
	return planned{
		body: &cwmp.GetParameterAttributes{ParameterNames: names},
		check: func(b cwmp.Body) {
			resp, ok := b.(*cwmp.GetParameterAttributesResponse)
			if !ok {
				p.led.fail("GetParameterAttributes answered with %s", b.Method())
				return
			}
			got := map[string]cwmp.Notification{}
			for _, a := range resp.ParameterList {
				got[a.Name] = a.Notification
			}
			for param, ok := range want {
				p.led.checkedOne()
				if !slices.Contains(ok, got[param]) {
					p.led.fail("acknowledged attribute lost: %s Notification=%d after the restart, want one of %v", param, got[param], ok)
				}
			}
		},
	}, true
}

// hold answers the Inform and keeps the CPE's empty POST unanswered until
// release is closed, telling held when it gets there.
func hold(held chan<- []string, release <-chan struct{}) handler {
	return func(ctx context.Context, p *peer, s *acstest.Session) {
		rec, ex, ok := p.takeInform(ctx, s)
		if !ok || !p.answerInform(ctx, rec, ex) {
			return
		}
		pending, ok := p.cpeRequests(ctx, s, rec)
		if !ok {
			return
		}
		held <- slices.Clone(rec.events)
		select {
		case <-release:
		case <-ctx.Done():
			return
		}
		if pending.Reply(acstest.Empty()) == nil {
			pending.Written(ctx)
		}
	}
}

// failInform fails the session at its Inform (HTTP 503) after telling
// observe its events.
func failInform(observe chan<- []string) handler {
	return func(ctx context.Context, p *peer, s *acstest.Session) {
		rec, ex, ok := p.takeInform(ctx, s)
		if !ok {
			return
		}
		observe <- slices.Clone(rec.events)
		ex.Reply(acstest.Status(http.StatusServiceUnavailable))
		ex.Written(ctx)
	}
}
