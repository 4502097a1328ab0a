package cwmp

import "io"

// A CPE and an ACS send different halves of the protocol. Each Body type
// writes its arguments through encodeUp (a message a CPE sends) or
// encodeDown (one an ACS sends), or both for the few both sides send. The
// split is for the router's binary: MarshalCPE calls only encodeUp, so the
// linker leaves out the writers of every ACS request, which the agent
// decodes but never encodes.

// upBody is a message a CPE sends.
type upBody interface {
	Body
	encodeUp(e *encoder)
}

// downBody is a message an ACS sends.
type downBody interface {
	Body
	encodeDown(e *encoder)
}

// sender selects which messages an encode accepts and how it writes their
// arguments. Its implementations are empty structs: passing one costs no
// allocation.
type sender interface {
	sends(b Body) bool
	writeArgs(e *encoder, b Body)
	refusal() string // appended to the error for a body it does not send
	// checkArgs refuses arguments that would not encode to a valid message.
	checkArgs(b Body) error
}

// eitherSide is the sender of Encode and Marshal: every message.
type eitherSide struct{}

func (eitherSide) sends(b Body) bool {
	switch b.(type) {
	case upBody, downBody:
		return true
	}
	return false
}

func (eitherSide) writeArgs(e *encoder, b Body) {
	if u, ok := b.(upBody); ok {
		u.encodeUp(e)
		return
	}
	b.(downBody).encodeDown(e)
}

func (eitherSide) refusal() string { return "" }

// cpeSide is the sender of MarshalCPE and EncodeCPE.
type cpeSide struct{}

func (cpeSide) sends(b Body) bool {
	_, ok := b.(upBody)
	return ok
}

func (cpeSide) writeArgs(e *encoder, b Body) { b.(upBody).encodeUp(e) }

func (cpeSide) refusal() string { return " a CPE sends" }

func (cpeSide) checkArgs(Body) error { return nil }

// MarshalCPE is Marshal for a CPE: it encodes the same bytes, but only the
// messages a CPE sends (its requests, its responses and Fault); anything
// else is an error. An agent that encodes through it links none of the
// code that writes ACS messages.
func MarshalCPE(env *Envelope) ([]byte, error) {
	return marshalAs(env, cpeSide{})
}

// EncodeCPE is Encode for a CPE; see MarshalCPE.
func EncodeCPE(w io.Writer, env *Envelope) error {
	return encodeTo(w, env, cpeSide{})
}
