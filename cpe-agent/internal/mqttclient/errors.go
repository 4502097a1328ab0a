package mqttclient

import (
	"errors"
	"fmt"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

var (
	// ErrClosed is the reason of a connection this side ended (Close or
	// Disconnect), and what operations on it return.
	ErrClosed = errors.New("mqtt: connection closed")
	// ErrPingTimeout: the broker did not answer a PINGREQ in time.
	ErrPingTimeout = errors.New("mqtt: no PINGRESP from the broker")
	// ErrProtocol wraps every violation of the protocol by the broker.
	ErrProtocol = errors.New("mqtt: protocol violation")
	// ErrAckTimeout: the broker did not acknowledge in time.
	ErrAckTimeout = errors.New("mqtt: no acknowledgement from the broker")
)

// RefusedError is a CONNACK with a non-zero return code. It unwraps to
// paho's packets.Error* value for the code (1-5), so callers can tell
// bad credentials from an unavailable broker with errors.Is.
type RefusedError struct {
	Code byte
}

func (e *RefusedError) Error() string {
	if err := e.Unwrap(); err != nil {
		return fmt.Sprintf("broker refused the connection: %v (code %d)", err, e.Code)
	}
	return fmt.Sprintf("broker refused the connection with unknown code %d", e.Code)
}

// Unwrap picks paho's error by a switch rather than from its ConnErrors
// map: a map referenced is a map built at start-up, 1 KB of router code.
func (e *RefusedError) Unwrap() error {
	switch e.Code {
	case packets.ErrRefusedBadProtocolVersion:
		return packets.ErrorRefusedBadProtocolVersion
	case packets.ErrRefusedIDRejected:
		return packets.ErrorRefusedIDRejected
	case packets.ErrRefusedServerUnavailable:
		return packets.ErrorRefusedServerUnavailable
	case packets.ErrRefusedBadUsernameOrPassword:
		return packets.ErrorRefusedBadUsernameOrPassword
	case packets.ErrRefusedNotAuthorised:
		return packets.ErrorRefusedNotAuthorised
	}
	return nil
}

func protocolErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrProtocol}, args...)...)
}
