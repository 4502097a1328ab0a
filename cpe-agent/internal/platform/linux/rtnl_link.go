//go:build linux

package linux

import (
	"encoding/binary"
	"errors"
	"strconv"

	"golang.org/x/sys/unix"
)

// operStates are IFLA_OPERSTATE's values (RFC 2863) as `ip link` names
// them, in lower case.
var operStates = [...]string{"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"}

// encapName names a link's ARPHRD type for the few the platform tells
// apart; the rest are named by number.
func encapName(t uint16) string {
	switch t {
	case unix.ARPHRD_ETHER:
		return "ether"
	case unix.ARPHRD_LOOPBACK:
		return "loopback"
	case unix.ARPHRD_NONE:
		return "none"
	case unix.ARPHRD_PPP:
		return "ppp"
	}
	return "arphrd" + strconv.Itoa(int(t))
}

// parseLink reads an RTM_NEWLINK or RTM_DELLINK body: the ifinfomsg
// header and the attributes linkInfo holds. A link without a kind in
// IFLA_LINKINFO is a plain device ("device").
func parseLink(b []byte) (linkInfo, error) {
	if len(b) < unix.SizeofIfInfomsg {
		return linkInfo{}, errMalformed
	}
	ne := binary.NativeEndian
	flags := ne.Uint32(b[8:])
	li := linkInfo{
		Index:   int(int32(ne.Uint32(b[4:]))),
		Type:    "device",
		Encap:   encapName(ne.Uint16(b[2:])),
		AdminUp: flags&unix.IFF_UP != 0,
		LowerUp: flags&unix.IFF_LOWER_UP != 0,
		Oper:    operStates[0],
	}
	var nested error
	err := walkAttrs(b[unix.SizeofIfInfomsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.IFLA_IFNAME:
			li.Name = strAttr(v)
		case unix.IFLA_MTU:
			if n, ok := u32Attr(v); ok {
				li.MTU = int(n)
			}
		case unix.IFLA_MASTER:
			if n, ok := u32Attr(v); ok {
				li.Master = int(int32(n)) // an ifindex is a C int
			}
		case unix.IFLA_ADDRESS:
			if len(v) == 6 {
				li.MAC = macString(v)
			}
		case unix.IFLA_OPERSTATE:
			if len(v) > 0 && int(v[0]) < len(operStates) {
				li.Oper = operStates[v[0]]
			}
		case unix.IFLA_LINKINFO:
			nested = walkAttrs(v, func(typ uint16, v []byte) {
				if typ == unix.IFLA_INFO_KIND {
					if k := strAttr(v); k != "" {
						li.Type = k
					}
				}
			})
		}
	})
	if err == nil {
		err = nested
	}
	if err != nil {
		return linkInfo{}, err
	}
	if li.Index <= 0 || li.Name == "" {
		return linkInfo{}, errMalformed
	}
	return li, nil
}

// macString prints a 6-byte hardware address as TR-181 writes MACs: upper
// case, colon-separated.
func macString(b []byte) string {
	const hex = "0123456789ABCDEF"
	var s [17]byte
	for i, c := range b[:6] {
		if i > 0 {
			s[3*i-1] = ':'
		}
		s[3*i], s[3*i+1] = hex[c>>4], hex[c&0xf]
	}
	return string(s[:])
}

// links dumps the kernel's links. Messages the parser rejects are
// skipped rather than failing the listing.
func (r *rtnl) links() ([]linkInfo, error) {
	msgs, err := r.dump(unix.RTM_GETLINK, unix.RTM_NEWLINK, ifInfoHdr(0, 0))
	if err != nil {
		return nil, err
	}
	out := make([]linkInfo, 0, len(msgs))
	for _, m := range msgs {
		if li, err := parseLink(m); err == nil {
			out = append(out, li)
		}
	}
	return out, nil
}

// linkByName asks the kernel for one link; a link that does not exist
// is errGone.
func (r *rtnl) linkByName(name string) (linkInfo, error) {
	// No NLM_F_ACK: the answer is the link itself, or the kernel's error.
	msgs, err := r.s.exec(unix.RTM_GETLINK, 0, byName(ifInfoHdr(0, 0), name), unix.RTM_NEWLINK)
	if errors.Is(err, unix.ENODEV) {
		return linkInfo{}, errGone
	}
	if err != nil {
		return linkInfo{}, err
	}
	for _, m := range msgs {
		if li, err := parseLink(m); err == nil && li.Name == name {
			return li, nil
		}
	}
	return linkInfo{}, errGone
}

// setLinkUp sets or clears a link's IFF_UP, addressing it by name (the
// kernel looks the name up when the index is 0).
func (r *rtnl) setLinkUp(name string, up bool) error {
	var flags uint32
	if up {
		flags = unix.IFF_UP
	}
	return linkErr(r.change(unix.RTM_SETLINK, 0, byName(ifInfoHdr(flags, unix.IFF_UP), name)))
}

// setLinkMTU sets a link's MTU, addressing it by name.
func (r *rtnl) setLinkMTU(name string, mtu uint32) error {
	return linkErr(r.change(unix.RTM_SETLINK, 0, appendAttr(byName(ifInfoHdr(0, 0), name), unix.IFLA_MTU, u32Data(mtu))))
}

// byName is a link request body naming its link: with index 0 the
// kernel looks IFLA_IFNAME up.
func byName(hdr []byte, name string) []byte {
	return appendAttr(hdr, unix.IFLA_IFNAME, append([]byte(name), 0))
}

// linkErr turns the kernel's "no such device" into errGone.
func linkErr(err error) error {
	if errors.Is(err, unix.ENODEV) {
		return errGone
	}
	return err
}
