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
}

func newListener(id, addr string, tlsCfg *tls.Config) (*listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	return &listener{id: id, ln: ln}, nil
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
		go func() { _ = establish(l.id, c) }()
	}
}

func (l *listener) Close(closeClients listeners.CloseFn) {
	l.once.Do(func() {
		_ = l.ln.Close()
		if closeClients != nil {
			closeClients(l.id)
		}
	})
}
