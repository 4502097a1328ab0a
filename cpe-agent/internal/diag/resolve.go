package diag

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Error is a failed test: State is the DiagnosticsState it ends in
// ("Error_CannotResolveHostName", "Error_NoRouteToHost", ...).
type Error struct {
	_     [0]func() // not comparable: spares the binary an equality function
	State string
	Err   error
}

func (e *Error) Error() string { return fmt.Sprintf("diag: %s: %v", e.State, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// State returns the DiagnosticsState err ends a test in.
func State(err error) string {
	if err == nil {
		return StateComplete
	}
	var de *Error
	if errors.As(err, &de) {
		return de.State
	}
	return StateInternal
}

// DiagnosticsState values shared by the four tests.
const (
	StateNone       = "None"
	StateRequested  = "Requested"
	StateComplete   = "Complete"
	StateInternal   = "Error_Internal"
	StateOther      = "Error_Other"
	stateNoResolve  = "Error_CannotResolveHostName"
	stateNoRoute    = "Error_NoRouteToHost"
	stateMaxHops    = "Error_MaxHopCountExceeded"
	stateInitConn   = "Error_InitConnectionFailed"
	stateNoResponse = "Error_NoResponse"
	stateTransfer   = "Error_TransferFailed"
	stateTimeout    = "Error_Timeout"
	stateNoComplete = "Error_NoTransferComplete"
)

// resolve turns Host into one address of the wanted family ("Any",
// "IPv4", "IPv6"; "" is Any). A literal address is used as is, so tests
// and field engineers can avoid DNS.
func resolve(ctx context.Context, host, proto string) (net.IP, error) {
	if host == "" {
		return nil, &Error{State: stateNoResolve, Err: errors.New("no host given")}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !familyFits(a, proto) {
			return nil, &Error{State: stateNoResolve, Err: fmt.Errorf("%s is not an %s address", host, proto)}
		}
		return net.IP(a.Unmap().AsSlice()), nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, &Error{State: stateNoResolve, Err: err}
	}
	for _, a := range addrs {
		if familyFits(a, proto) {
			return net.IP(a.Unmap().AsSlice()), nil
		}
	}
	return nil, &Error{State: stateNoResolve, Err: fmt.Errorf("%s has no %s address", host, proto)}
}

func familyFits(a netip.Addr, proto string) bool {
	switch proto {
	case "IPv4":
		return a.Unmap().Is4()
	case "IPv6":
		return a.Is6() && !a.Is4In6()
	}
	return true
}

// sourceFor asks the routing table which local address reaches dst (a
// UDP "connect" sends nothing); no route means Error_NoRouteToHost.
func sourceFor(dst net.IP) (net.IP, error) {
	c, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: dst, Port: 9})
	if err != nil {
		return nil, &Error{State: stateNoRoute, Err: err}
	}
	ip := c.LocalAddr().(*net.UDPAddr).IP
	c.Close()
	return ip, nil
}
