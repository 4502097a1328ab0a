package cwmp

import "github.com/beevik/etree"

// argReader picks the decoder of a known RPC's arguments.
type argReader func(method string, spec rpcSpec) decodeFunc

// readEither is Decode's reader: every message of both sides.
func readEither(method string, _ rpcSpec) decodeFunc {
	if f, ok := findDecoder(acsMessages[:], method); ok {
		return f
	}
	f, _ := findDecoder(cpeMessages[:], method)
	return f
}

// readAtCPE is DecodeCPE's reader: an ACS's messages in full, the rest by
// name only.
func readAtCPE(method string, spec rpcSpec) decodeFunc {
	if spec.sender&sentByACS != 0 {
		f, _ := findDecoder(acsMessages[:], method)
		return f
	}
	return decodeUnread
}

// DecodeCPE is Decode for a CPE reading what its ACS sent. It differs in
// two ways, both for the size of the router binary: it does not take the
// Inform fast path (a CPE is never sent an Inform worth speeding up; the
// reference decoder gives the same results), and a message that only a
// CPE sends (an Inform, a TransferComplete, a response to an ACS request)
// is checked as an envelope and an RPC of its namespace like any other
// but its arguments are not read: the Body only names the method. A CPE
// has nothing to do with such a message but refuse it, which it can do
// by name, so the code that reads them need not be linked in.
func DecodeCPE(data []byte) (*Envelope, error) {
	return decodeWith(data, readAtCPE)
}

// unread is DecodeCPE's Body for a message only a CPE sends.
type unread struct{ method string }

func (u *unread) Method() string { return u.method }

func decodeUnread(_ *decoder, el *etree.Element) Body { return &unread{el.Tag} }
