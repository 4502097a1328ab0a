package loadgen

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

// worker runs sessions one after another, each on a new TCP connection,
// reusing its buffers from one session to the next.
type worker struct {
	run   *runner
	id    int
	seq   uint64
	http  *httpConn
	auth  *digest.Client // per-session challenges (Config.ReuseNonce off)
	idBuf []byte
	msg   []byte
	ack   ackMemo
	stats stats
}

// outcome of one session.
type outcome struct {
	rejected bool
	kind     string // why it failed; empty when it succeeded or was rejected
}

func (o outcome) ok() bool { return !o.rejected && o.kind == "" }

func failed(kind string) outcome { return outcome{kind: kind} }

// session runs one CWMP session of device d: Inform, InformResponse, the
// empty POST, the ACS's requests answered one by one, and the final 204.
func (w *worker) session(ctx context.Context, d *device) outcome {
	c := w.http
	c.begin()
	defer c.close()
	auth := w.authFor(d)

	w.nextID()
	msg, err := w.run.inform.appendInform(w.msg[:0], d, w.idBuf, time.Now().Truncate(time.Second))
	w.msg = msg
	if err != nil {
		return failed("encode")
	}
	a, err := c.post(ctx, w.msg, auth)
	if o, done := w.check(a, err); done {
		return o
	}
	if a.status != http.StatusOK || len(a.body) == 0 {
		return failed("no_inform_response")
	}
	if !w.ack.matches(a.body, w.idBuf) {
		env, err := cwmp.Decode(a.body)
		if err != nil {
			return failed("bad_message")
		}
		switch env.Body.(type) {
		case *cwmp.InformResponse:
			w.ack.remember(a.body, w.idBuf, env.Header.ID == string(w.idBuf))
		case *cwmp.Fault:
			return failed("inform_fault")
		default:
			return failed("unexpected_message")
		}
	}

	next := w.msg[:0] // the empty POST
	for n := 0; ; n++ {
		a, err := c.post(ctx, next, auth)
		if o, done := w.check(a, err); done {
			return o
		}
		if a.status == http.StatusNoContent || len(a.body) == 0 {
			break // the ACS has nothing more: the session is over
		}
		if n == maxACSRequests {
			return failed("too_many_requests")
		}
		var kind string
		if w.msg, kind = w.reply(d, a.body); kind != "" {
			return failed(kind)
		}
		next = w.msg
	}
	return outcome{}
}

// reply decodes an ACS message and encodes the device's answer into w.msg;
// kind says why that was impossible.
func (w *worker) reply(d *device, body []byte) ([]byte, string) {
	env, err := cwmp.Decode(body)
	if err != nil {
		return w.msg, "bad_message"
	}
	if !isRequest(env.Body) {
		return w.msg, "unexpected_message"
	}
	w.stats.acsRequests++
	answer, fault := d.answerRequest(env.Body)
	if fault {
		w.stats.cpeFaults++
	}
	out := appendWriter{b: w.msg[:0]}
	msg := &cwmp.Envelope{Namespace: env.Namespace, Header: cwmp.Header{ID: env.Header.ID}, Body: answer}
	if err := cwmp.Encode(&out, msg); err != nil {
		return out.b, "encode"
	}
	return out.b, ""
}

// nextID makes the cwmp:ID of the next session's Inform, unique within
// the run: tb-WORKER-SEQ.
func (w *worker) nextID() {
	w.seq++
	b := append(w.idBuf[:0], "tb-"...)
	b = strconv.AppendInt(b, int64(w.id), 10)
	b = append(b, '-')
	w.idBuf = strconv.AppendUint(b, w.seq, 10)
}

// check sorts out what every exchange can end in: a transport error, a
// refused authentication, a 503. done=false means the caller goes on with
// a.status and a.body.
func (w *worker) check(a answer, err error) (outcome, bool) {
	if a.challenged {
		w.stats.challenges++
	}
	switch {
	case err != nil:
		return failed(errorKind(err)), true
	case a.status == http.StatusServiceUnavailable:
		// Retry-After is not honoured: the device goes back in the queue
		// and the worker moves on, so a benchmark measures how fast the
		// ACS turns load away, and no worker sleeps past the run's end.
		return outcome{rejected: true}, true
	case a.status != http.StatusOK && a.status != http.StatusNoContent:
		return failed(httpKind(a.status)), true
	}
	return outcome{}, false
}

func (w *worker) authFor(d *device) *digest.Client {
	if w.run.cfg.Password == nil {
		return nil
	}
	pw := d.passwordFrom(w.run.cfg.Password)
	if w.run.cfg.ReuseNonce {
		if d.auth == nil {
			d.auth = digest.NewClient(d.serial, pw)
		}
		return d.auth
	}
	// A fresh challenge each session, as a CPE that opens a new TCP
	// connection with a new cnonce does.
	w.auth.SetCredentials(d.serial, pw)
	return w.auth
}

func httpKind(status int) string { return "http_" + strconv.Itoa(status) }

// errorKind names a failed exchange for the error breakdown.
func errorKind(err error) string {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, errTooLarge):
		return "too_large"
	case errors.Is(err, errUnauthorized):
		return "unauthorized"
	case errors.Is(err, errTLS):
		return "tls"
	case errors.Is(err, digest.ErrBadCredentials), errors.Is(err, digest.ErrUnsupported),
		errors.Is(err, digest.ErrMalformed):
		return "auth"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &oe) && oe.Op == "dial":
		return "connect"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "closed"
	}
	return "io"
}

// ackMemo spares the client a full decode of every InformResponse: an ACS
// answers the same bytes each time but for the echoed cwmp:ID, so once one
// answer decoded as an InformResponse, another with the same bytes around
// an ID of the same syntax decodes the same way. Anything different is
// decoded in full (and becomes the new reference when it is an
// InformResponse).
type ackMemo struct {
	head, tail []byte
	withID     bool
}

func (m *ackMemo) matches(body, id []byte) bool {
	if m.head == nil {
		return false
	}
	if !m.withID {
		return bytes.Equal(body, m.head)
	}
	h := len(m.head)
	return len(body) == h+len(id)+len(m.tail) &&
		bytes.Equal(body[:h], m.head) &&
		bytes.Equal(body[h:h+len(id)], id) &&
		bytes.Equal(body[h+len(id):], m.tail)
}

// remember stores body, known to decode as an InformResponse; echoed says
// its header carried id.
func (m *ackMemo) remember(body, id []byte, echoed bool) {
	m.head, m.tail, m.withID = nil, nil, false
	if echoed {
		// The ID as element content: ">id<".
		pat := make([]byte, 0, len(id)+2)
		pat = append(append(append(pat, '>'), id...), '<')
		if i := bytes.Index(body, pat); i >= 0 && bytes.Count(body, id) == 1 {
			m.head = append([]byte(nil), body[:i+1]...)
			m.tail = append([]byte(nil), body[i+1+len(id):]...)
			m.withID = true
			return
		}
	}
	m.head = append([]byte(nil), body...)
}
