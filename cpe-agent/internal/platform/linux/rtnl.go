//go:build linux

package linux

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// The platform speaks rtnetlink through the library's low-level layer
// (package nl: requests, sockets, framing) and decodes the few attributes
// it needs itself (rtnl_*.go). The library's high-level API would link a
// decoder for every link kind and route encapsulation the kernel knows,
// a third of a megabyte on MIPS, for the dozen fields the tree reads.

// errMalformed reports a message or attribute the parsers cannot read.
var errMalformed = errors.New("malformed netlink message")

// nlaTypeMask strips the nested and byte-order flags off an attribute
// type.
const nlaTypeMask = ^uint16(unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)

// dumpRetries bounds the retries of a dump the kernel marked interrupted
// (the table changed while it was read); the last try's rows are used.
const dumpRetries = 3

// rtnl is the platform's request socket. It is opened in the network
// namespace of the thread that opens it and stays there, so requests
// reach that namespace whatever thread later sends them.
type rtnl struct{ sh *nl.SocketHandle }

func openRtnl() (*rtnl, error) {
	// A socket subscribed to no group is a plain request socket.
	s, err := nl.Subscribe(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	// A request the kernel never answers must not hang the tree.
	if err := s.SetSendTimeout(&nl.SocketTimeoutTv); err != nil {
		s.Close()
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := s.SetReceiveTimeout(&nl.SocketTimeoutTv); err != nil {
		s.Close()
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	return &rtnl{sh: &nl.SocketHandle{Socket: s}}, nil
}

func (r *rtnl) close() { r.sh.Close() }

// request is a request on the socket with body (the family header and
// its attributes, as the kernel reads them) after the netlink header.
func (r *rtnl) request(typ, flags int, body []byte) *nl.NetlinkRequest {
	req := nl.NewNetlinkRequest(typ, flags)
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: r.sh}
	req.AddRawData(body)
	return req
}

// change sends a request and waits for the kernel's acknowledgement; a
// refusal comes back as the kernel's errno (unix.EEXIST...).
func (r *rtnl) change(typ, flags int, body []byte) error {
	_, err := r.request(typ, flags|unix.NLM_F_ACK, body).Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// dump returns the bodies of the messages of type res a dump request
// with header hdr answers with.
func (r *rtnl) dump(typ int, res uint16, hdr []byte) ([][]byte, error) {
	for try := 1; ; try++ {
		msgs, err := r.request(typ, unix.NLM_F_DUMP, hdr).Execute(unix.NETLINK_ROUTE, res)
		if errors.Is(err, nl.ErrDumpInterrupted) && try < dumpRetries {
			continue
		}
		if err != nil && !errors.Is(err, nl.ErrDumpInterrupted) {
			return nil, err
		}
		return msgs, nil
	}
}

// walkAttrs calls fn with the type and payload of each route attribute
// in b. It stops at the first attribute whose length does not fit; a
// tail too short to hold an attribute header is padding.
func walkAttrs(b []byte, fn func(typ uint16, v []byte)) error {
	for len(b) >= unix.SizeofRtAttr {
		n := int(binary.NativeEndian.Uint16(b))
		if n < unix.SizeofRtAttr || n > len(b) {
			return errMalformed
		}
		fn(binary.NativeEndian.Uint16(b[2:])&nlaTypeMask, b[unix.SizeofRtAttr:n])
		n = (n + unix.RTA_ALIGNTO - 1) &^ (unix.RTA_ALIGNTO - 1)
		if n >= len(b) {
			break
		}
		b = b[n:]
	}
	return nil
}

// u32Attr reads a native-endian 32-bit attribute; a short one reads as
// ok false.
func u32Attr(v []byte) (uint32, bool) {
	if len(v) < 4 {
		return 0, false
	}
	return binary.NativeEndian.Uint32(v), true
}

// strAttr reads a NUL-terminated string attribute.
func strAttr(v []byte) string {
	for i, c := range v {
		if c == 0 {
			return string(v[:i])
		}
	}
	return string(v)
}

// reqBody starts a request body with a family header (nl.IfInfomsg...).
func reqBody(hdr nl.NetlinkRequestData) []byte {
	return append(make([]byte, 0, 64), hdr.Serialize()...)
}

// appendAttr appends a route attribute, padded, to a request body.
// (Attributes written straight into the body spare the request the
// library's attribute tree, which the platform never nests.) Inlined, it
// would cost a copy of its appends at each of its dozen call sites.
//
//go:noinline
func appendAttr(b []byte, typ uint16, v []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(unix.SizeofRtAttr+len(v)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, v...)
	for len(b)%unix.RTA_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

// u32Data is a native-endian 32-bit attribute payload.
func u32Data(v uint32) []byte {
	return binary.NativeEndian.AppendUint32(make([]byte, 0, 4), v)
}
