//go:build linux

package linux

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// The platform speaks rtnetlink on its own socket (nlsocket.go) and
// encodes and decodes the few headers and attributes it needs itself
// (rtnl_*.go). The netlink library's high-level API would link a decoder
// for every link kind and route encapsulation the kernel knows, a third
// of a megabyte on MIPS, for the dozen fields the tree reads.

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
type rtnl struct{ s *nlSocket }

func openRtnl() (*rtnl, error) {
	s, err := openNetlink()
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	return &rtnl{s: s}, nil
}

func (r *rtnl) close() { r.s.Close() }

// change sends a request and waits for the kernel's acknowledgement; a
// refusal comes back as the kernel's errno (unix.EEXIST...).
func (r *rtnl) change(typ, flags int, body []byte) error {
	_, err := r.s.exec(typ, flags|unix.NLM_F_ACK, body, 0)
	return err
}

// dump returns the bodies of the messages of type res a dump request
// with header hdr answers with.
func (r *rtnl) dump(typ int, res uint16, hdr []byte) ([][]byte, error) {
	for try := 1; ; try++ {
		msgs, err := r.s.exec(typ, unix.NLM_F_DUMP, hdr, res)
		if err == errDumpInterrupted && try < dumpRetries {
			continue
		}
		if err != nil && err != errDumpInterrupted {
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

// The family headers of requests, laid out as the kernel's structs in
// the host's byte order, with room for attributes.

// ifInfoHdr is a struct ifinfomsg (AF_UNSPEC, index 0: the link is named
// by IFLA_IFNAME) with flags and the mask of flags to change.
func ifInfoHdr(flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg, 64)
	binary.NativeEndian.PutUint32(b[8:], flags)
	binary.NativeEndian.PutUint32(b[12:], change)
	return b
}

// ifAddrHdr is a struct ifaddrmsg.
func ifAddrHdr(family int, prefixLen uint8, index uint32) []byte {
	b := make([]byte, unix.SizeofIfAddrmsg, 64)
	b[0], b[1] = uint8(family), prefixLen
	binary.NativeEndian.PutUint32(b[4:], index)
	return b
}

// rtHdr is a struct rtmsg of the main table.
func rtHdr(family int, dstLen, protocol, scope, typ uint8) []byte {
	b := make([]byte, unix.SizeofRtMsg, 64)
	b[0], b[1], b[4], b[5], b[6], b[7] = uint8(family), dstLen, unix.RT_TABLE_MAIN, protocol, scope, typ
	return b
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
