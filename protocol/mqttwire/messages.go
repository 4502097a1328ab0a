package mqttwire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MaxPayload bounds every message of the lane. Brokers are configured with
// the same limit (mochi's MaximumPacketSize, mosquitto's
// message_size_limit), so an oversized message never reaches a decoder.
const MaxPayload = 256 << 10

// Limits inside payloads.
const (
	MaxIDLen         = 64
	MaxGroups        = 64
	MaxValues        = 1024
	MaxNameLen       = 256
	MaxValueLen      = 16 << 10
	MaxTypeLen       = 32
	MaxMessageLen    = 256
	MaxTelemetryVals = 256
	MaxVersionLen    = 32 // ManagementServer.ParameterKey is string(32)
)

// ErrPayload marks a payload that does not decode or breaks a rule.
var ErrPayload = errors.New("invalid payload")

func payloadErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPayload, fmt.Sprintf(format, args...))
}

// Millis converts t to the wire's Unix milliseconds.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts wire milliseconds to a time in UTC.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// validID: 1..64 characters of [A-Za-z0-9_-], so ids can be logged and
// used as map keys without escaping.
func validID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validTS: a positive time that fits the lane (years 2001 to 2200), so
// arithmetic on it never overflows.
func validTS(ms int64) bool { return ms > 978307200000 && ms < 7258118400000 }

// decodeJSON reads one JSON object into v, refusing oversized input and
// trailing data. Unknown fields are ignored so a newer peer can add them.
func decodeJSON(b []byte, v any) error {
	if len(b) > MaxPayload {
		return payloadErr("%d bytes, more than %d", len(b), MaxPayload)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrPayload, err)
	}
	if dec.More() {
		return payloadErr("data after the JSON object")
	}
	return nil
}

// checked is a message that can validate itself. encodeChecked takes the
// message by pointer rather than its check method as a value: a method
// value costs a wrapper function per message type.
type checked interface{ check() error }

func encodeChecked(v checked) ([]byte, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	if len(b) > MaxPayload {
		return nil, payloadErr("%d bytes, more than %d", len(b), MaxPayload)
	}
	return b, nil
}

// ConnectionRequest asks the agent to open a CWMP session now.
type ConnectionRequest struct {
	_    incomparable
	ID   string `json:"id"`
	Time int64  `json:"ts"`
}

func (m *ConnectionRequest) check() error {
	if !validID(m.ID) {
		return payloadErr("connection request id %q", m.ID)
	}
	if !validTS(m.Time) {
		return payloadErr("connection request ts %d", m.Time)
	}
	return nil
}

// Encode validates and encodes m.
func (m ConnectionRequest) Encode() ([]byte, error) { return encodeChecked(&m) }

// DecodeConnectionRequest decodes and validates a connection request.
func DecodeConnectionRequest(b []byte) (ConnectionRequest, error) {
	var m ConnectionRequest
	if err := decodeJSON(b, &m); err != nil {
		return ConnectionRequest{}, err
	}
	return m, m.check()
}

// Groups lists the groups whose push topics the agent should subscribe
// to. Retained, so an agent gets it at every (re)connect.
type Groups struct {
	ID     string   `json:"id"`
	Time   int64    `json:"ts"`
	Groups []string `json:"groups"`
}

func (m *Groups) check() error {
	if !validID(m.ID) {
		return payloadErr("groups id %q", m.ID)
	}
	if !validTS(m.Time) {
		return payloadErr("groups ts %d", m.Time)
	}
	if len(m.Groups) > MaxGroups {
		return payloadErr("%d groups, more than %d", len(m.Groups), MaxGroups)
	}
	for _, g := range m.Groups {
		if !ValidGroup(g) {
			return payloadErr("group %q", g)
		}
	}
	return nil
}

// Encode validates and encodes m.
func (m Groups) Encode() ([]byte, error) {
	if m.Groups == nil {
		m.Groups = []string{}
	}
	return encodeChecked(&m)
}

// DecodeGroups decodes and validates a group list.
func DecodeGroups(b []byte) (Groups, error) {
	var m Groups
	if err := decodeJSON(b, &m); err != nil {
		return Groups{}, err
	}
	return m, m.check()
}

// Ack statuses.
const (
	AckApplied   = "applied"   // the bundle was applied; ParameterKey = Version
	AckUnchanged = "unchanged" // ParameterKey already equalled Version: nothing done
	AckFault     = "fault"     // SetParameterValues semantics refused it; nothing changed
	AckRejected  = "rejected"  // stale, wrong target or failed schema checks; nothing changed
)

// Fault is the CWMP fault an agent answers a bundle with.
type Fault struct {
	_       incomparable
	Code    int    `json:"code"`
	Message string `json:"message,omitempty"`
}

// Ack is an agent's answer to a push bundle.
type Ack struct {
	_ incomparable
	// ID is the id of the Push acknowledged.
	ID      string `json:"id"`
	Time    int64  `json:"ts"`
	Version string `json:"version"`
	Status  string `json:"status"`
	Fault   *Fault `json:"fault,omitempty"`
}

func (m *Ack) check() error {
	if !validID(m.ID) {
		return payloadErr("ack id %q", m.ID)
	}
	if !validTS(m.Time) {
		return payloadErr("ack ts %d", m.Time)
	}
	if !validVersion(m.Version) {
		return payloadErr("ack version %q", m.Version)
	}
	switch m.Status {
	case AckApplied, AckUnchanged:
		if m.Fault != nil {
			return payloadErr("ack %s with a fault", m.Status)
		}
	case AckFault:
		if m.Fault == nil || m.Fault.Code < 9000 || m.Fault.Code > 9899 {
			return payloadErr("fault ack without a CWMP fault code")
		}
	case AckRejected:
		if m.Fault != nil && (m.Fault.Code < 9000 || m.Fault.Code > 9899) {
			return payloadErr("fault code %d", m.Fault.Code)
		}
	default:
		return payloadErr("ack status %q", m.Status)
	}
	if m.Fault != nil && len(m.Fault.Message) > MaxMessageLen {
		return payloadErr("fault message longer than %d", MaxMessageLen)
	}
	return nil
}

// Encode validates and encodes m.
func (m Ack) Encode() ([]byte, error) { return encodeChecked(&m) }

// DecodeAck decodes and validates an ack.
func DecodeAck(b []byte) (Ack, error) {
	var m Ack
	if err := decodeJSON(b, &m); err != nil {
		return Ack{}, err
	}
	return m, m.check()
}

// Telemetry is one sample of the agent's telemetry parameters.
type Telemetry struct {
	_      incomparable
	Time   int64             `json:"ts"`
	Values map[string]string `json:"values"`
}

func (m *Telemetry) check() error {
	if !validTS(m.Time) {
		return payloadErr("telemetry ts %d", m.Time)
	}
	if len(m.Values) == 0 || len(m.Values) > MaxTelemetryVals {
		return payloadErr("telemetry has %d values, want 1 to %d", len(m.Values), MaxTelemetryVals)
	}
	for n, v := range m.Values {
		if !validParamName(n) {
			return payloadErr("telemetry parameter %q", n)
		}
		if len(v) > MaxValueLen {
			return payloadErr("telemetry value of %s longer than %d", n, MaxValueLen)
		}
	}
	return nil
}

// Encode validates and encodes m.
func (m Telemetry) Encode() ([]byte, error) { return encodeChecked(&m) }

// DecodeTelemetry decodes and validates a telemetry sample.
func DecodeTelemetry(b []byte) (Telemetry, error) {
	var m Telemetry
	if err := decodeJSON(b, &m); err != nil {
		return Telemetry{}, err
	}
	return m, m.check()
}

// State is a device's presence on the lane, retained on its state topic.
type State struct {
	_      incomparable
	Online bool  `json:"online"`
	Time   int64 `json:"ts"`
}

func (m *State) check() error {
	if !validTS(m.Time) {
		return payloadErr("state ts %d", m.Time)
	}
	return nil
}

// Encode validates and encodes m.
func (m State) Encode() ([]byte, error) { return encodeChecked(&m) }

// DecodeState decodes and validates a state message.
func DecodeState(b []byte) (State, error) {
	var m State
	if err := decodeJSON(b, &m); err != nil {
		return State{}, err
	}
	return m, m.check()
}

// validParamName: a full parameter path (not an object path), printable
// ASCII without spaces, bounded.
func validParamName(n string) bool {
	if n == "" || len(n) > MaxNameLen || n[len(n)-1] == '.' || n[0] == '.' {
		return false
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// validVersion: what a ParameterKey can hold, printable ASCII, 1..32.
func validVersion(v string) bool {
	if v == "" || len(v) > MaxVersionLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
