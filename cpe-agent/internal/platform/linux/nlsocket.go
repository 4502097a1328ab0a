//go:build linux

package linux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// nlSocket is a NETLINK_ROUTE socket. The platform needs little of
// netlink (one request at a time, its answer, and the event stream),
// which this file does on the syscall package the net package already
// links; the netlink library's socket layer and x/sys/unix's generic
// sockaddr decoding cost the mipsle build about 20 KB for the same.
//
// The socket is non-blocking under the runtime's poller, so a read
// blocked on it ends when it is closed (how the event reader stops) or
// its deadline passes.
type nlSocket struct {
	f   *os.File
	rc  syscall.RawConn
	pid uint32 // the port id the kernel bound the socket to

	mu  sync.Mutex // one request and its answer at a time
	seq uint32
	buf []byte // receive buffer, allocated on first use
}

// nlTimeout bounds each send and each read of a request: a request the
// kernel never answers must not hang the tree.
const nlTimeout = time.Minute

// nlBufSize holds the largest datagram the kernel sends a dump in.
const nlBufSize = 64 << 10

// errDumpInterrupted marks a dump during which the table changed
// (NLM_F_DUMP_INTR): its rows may be inconsistent.
var errDumpInterrupted = errors.New("netlink dump interrupted")

// openNetlink opens a socket in the network namespace of the calling
// thread, subscribed to the given rtnetlink groups (none: a plain request
// socket).
func openNetlink(groups ...uint) (*nlSocket, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, syscall.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	sa := &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}
	for _, g := range groups {
		sa.Groups |= 1 << (g - 1)
	}
	s := &nlSocket{}
	err = syscall.Bind(fd, sa)
	if err == nil {
		var local syscall.Sockaddr
		if local, err = syscall.Getsockname(fd); err == nil {
			if nsa, ok := local.(*syscall.SockaddrNetlink); ok {
				s.pid = nsa.Pid
			}
		}
	}
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	s.f = os.NewFile(uintptr(fd), "netlink")
	if s.rc, err = s.f.SyscallConn(); err != nil {
		s.f.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the socket; a read blocked on it returns.
func (s *nlSocket) Close() { s.f.Close() }

// receive reads one datagram (deadline zero: no limit) and returns its
// messages and the sender's port id (0: the kernel). The messages own
// their bytes.
func (s *nlSocket) receive(deadline time.Time) ([]syscall.NetlinkMessage, uint32, error) {
	if s.buf == nil {
		s.buf = make([]byte, nlBufSize)
	}
	if err := s.f.SetReadDeadline(deadline); err != nil {
		return nil, 0, err
	}
	var (
		n    int
		from syscall.Sockaddr
		rerr error
	)
	err := s.rc.Read(func(fd uintptr) bool {
		n, from, rerr = syscall.Recvfrom(int(fd), s.buf, 0)
		return rerr != syscall.EAGAIN
	})
	// The poller's error first: a read that waited and then timed out or
	// found the socket closed leaves rerr at the EAGAIN that made it wait.
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, 0, syscall.EAGAIN // what a socket receive timeout reports
	}
	if err != nil {
		return nil, 0, err
	}
	if rerr != nil {
		return nil, 0, rerr // ENOBUFS: the kernel dropped messages
	}
	sa, ok := from.(*syscall.SockaddrNetlink)
	if !ok || n < syscall.NLMSG_HDRLEN {
		return nil, 0, errMalformed
	}
	// A copy padded to the alignment the parser steps by.
	b := make([]byte, (n+syscall.NLMSG_ALIGNTO-1)&^(syscall.NLMSG_ALIGNTO-1))
	copy(b, s.buf[:n])
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return nil, 0, errMalformed
	}
	return msgs, sa.Pid, nil
}

// send writes one request to the kernel.
func (s *nlSocket) send(b []byte) error {
	if err := s.f.SetWriteDeadline(time.Now().Add(nlTimeout)); err != nil {
		return err
	}
	var serr error
	err := s.rc.Write(func(fd uintptr) bool {
		serr = syscall.Sendto(int(fd), b, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK})
		return serr != syscall.EAGAIN
	})
	if serr != nil {
		return serr
	}
	return err
}

// exec sends a request of type typ with body (the family header and its
// attributes) and collects the bodies of the answer's messages of type
// res (0: all) until the answer ends: a single message, the end of a
// dump, or an acknowledgement. A refusal is the kernel's errno
// (unix.EEXIST...). A dump the table changed under returns its rows
// with errDumpInterrupted.
func (s *nlSocket) exec(typ, flags int, body []byte, res uint16) ([][]byte, error) {
	s.mu.Lock()
	out, err := s.execLocked(typ, flags, body, res)
	// The receive buffer lives for the request only: a request socket is
	// idle most of the time, and 64 KB held for good would show in RSS.
	// (The event socket keeps its own: it is always reading.)
	s.buf = nil
	s.mu.Unlock()
	return out, err
}

// execLocked is exec with s.mu held. (No defers: each costs the router
// binary ~150 bytes, and nothing here recovers a panic.)
func (s *nlSocket) execLocked(typ, flags int, body []byte, res uint16) ([][]byte, error) {
	s.seq++
	ne := binary.NativeEndian
	req := make([]byte, syscall.NLMSG_HDRLEN, syscall.NLMSG_HDRLEN+len(body))
	ne.PutUint32(req, uint32(syscall.NLMSG_HDRLEN+len(body)))
	ne.PutUint16(req[4:], uint16(typ))
	ne.PutUint16(req[6:], uint16(syscall.NLM_F_REQUEST|flags))
	ne.PutUint32(req[8:], s.seq)
	if err := s.send(append(req, body...)); err != nil {
		return nil, err
	}
	var out [][]byte
	intr := false
	for {
		msgs, from, err := s.receive(time.Now().Add(nlTimeout))
		if err != nil {
			return nil, err
		}
		if from != 0 {
			return nil, fmt.Errorf("netlink: answer from port %d, not the kernel", from)
		}
		for _, m := range msgs {
			h := m.Header
			if h.Seq != s.seq || h.Pid != s.pid {
				continue // a late answer to an earlier request
			}
			intr = intr || h.Flags&unix.NLM_F_DUMP_INTR != 0
			if h.Type == syscall.NLMSG_DONE || h.Type == syscall.NLMSG_ERROR {
				// An error message, and a dump's end when it has a body,
				// carry an errno: 0 is success.
				if len(m.Data) >= 4 {
					if errno := int32(ne.Uint32(m.Data)); errno != 0 {
						return nil, syscall.Errno(-errno)
					}
				} else if h.Type == syscall.NLMSG_ERROR {
					return nil, errMalformed
				}
				return out, dumpErr(intr)
			}
			if res != 0 && h.Type != res {
				continue
			}
			out = append(out, m.Data)
			if h.Flags&syscall.NLM_F_MULTI == 0 {
				return out, dumpErr(intr)
			}
		}
	}
}

func dumpErr(interrupted bool) error {
	if interrupted {
		return errDumpInterrupted
	}
	return nil
}
