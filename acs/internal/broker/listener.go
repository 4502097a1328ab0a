package broker

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// connectTimeout bounds the time from accept to a complete CONNECT (and
// the TLS handshake before it); mochi sets the keepalive deadline only
// after CONNECT, so without this a silent client would hold a file
// descriptor for ever.
const connectTimeout = 10 * time.Second

// listener is a mochi listener over an already bound net.Listener, so the
// ACS binds (and reports errors, and learns the port of ":0") before the
// broker starts, and every accepted connection gets a deadline.
type listener struct {
	id   string
	ln   net.Listener
	once sync.Once

	mu    sync.Mutex
	conns map[net.Conn]struct{} // accepted and not yet finished
}

func newListener(id, addr string, tlsCfg *tls.Config) (*listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	return &listener{id: id, ln: ln, conns: map[net.Conn]struct{}{}}, nil
}

var _ listeners.Listener = (*listener)(nil)

func (l *listener) Init(*slog.Logger) error { return nil }
func (l *listener) ID() string              { return l.id }
func (l *listener) Address() string         { return l.ln.Addr().String() }
func (l *listener) Protocol() string        { return "tcp" }

func (l *listener) Serve(establish listeners.EstablishFn) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return // closed
		}
		_ = c.SetDeadline(time.Now().Add(connectTimeout))
		l.mu.Lock()
		l.conns[c] = struct{}{}
		l.mu.Unlock()
		go func() {
			_ = establish(l.id, c)
			l.mu.Lock()
			delete(l.conns, c)
			l.mu.Unlock()
		}()
	}
}

// Close stops accepting and closes every connection; each client's
// session then ends as after a network failure. mochi's own closeClients
// is not used: it read-locks the client table twice (GetByListener calls
// Len), so a client attaching at that moment (its write lock waiting)
// deadlocks the shutdown.
func (l *listener) Close(listeners.CloseFn) {
	l.once.Do(func() {
		_ = l.ln.Close()
		l.mu.Lock()
		for c := range l.conns {
			_ = c.Close()
		}
		l.mu.Unlock()
	})
}
