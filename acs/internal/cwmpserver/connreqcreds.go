package cwmpserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/cwmp"
)

// First-session provisioning of connection-request credentials.
//
// The credentials are written to the store (Provisioned still false)
// before the SetParameterValues that carries them is sent, and the RPC's
// ParameterKey is derived from them. So whatever happens to the answer,
// the next Inform's ParameterKey says whether the device has them, and
// the ACS never holds credentials other than the ones it sent.

type credsState uint8

const (
	credsNotNeeded credsState = iota
	credsNeeded               // send them before the Work's requests
	credsSent                 // sent in this session (answered or not)
)

type connReqCreds struct{ username, password string }

// credsKey is the ParameterKey of the credentials' SetParameterValues. It
// names them without revealing them (the key travels in every Inform).
func credsKey(username, password string) string {
	h := sha256.Sum256([]byte("gatewarden connreq\x00" + username + "\x00" + password))
	return "cr-" + hex.EncodeToString(h[:8])
}

func newConnReqCreds() connReqCreds {
	return connReqCreds{username: "acs-" + randomToken(6), password: randomToken(18)}
}

// randomToken returns n random bytes in base64url (no padding).
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// planCreds runs at the Inform, before InformResponse: it decides whether
// this session must (re)send the credentials and settles what the Inform
// proves. A BOOTSTRAP means a factory reset or a new ACS URL, after which
// the device may have lost them; Provisioned is cleared durably first, so
// a crash before the device confirms cannot leave it marked done.
func (srv *Server) planCreds(ctx context.Context, s *session) error {
	d := &s.pub.Device
	_, bootstrap := s.pub.HasEvent(cwmp.EventBootstrap)
	switch {
	case d.Root == "":
		return nil // no parameter in any Inform yet: paths unknown
	case d.Provisioned && !bootstrap:
		return nil
	case d.Provisioned && bootstrap:
		dev, err := srv.cfg.Store.UpdateDevice(ctx, d.ID, func(d *store.Device) error {
			d.Provisioned = false
			return nil
		})
		if err != nil {
			return fmt.Errorf("clearing provisioned after bootstrap: %w", err)
		}
		*d = dev
	case d.ConnReqUsername != "" && d.ParameterKey == credsKey(d.ConnReqUsername, d.ConnReqPassword):
		// The device applied them; the answer was lost before.
		return srv.markProvisioned(ctx, s, connReqCreds{d.ConnReqUsername, d.ConnReqPassword})
	}
	s.creds = credsNeeded
	return nil
}

// credsRequest builds the SetParameterValues, storing fresh credentials
// first when the device has none yet.
func (srv *Server) credsRequest(ctx context.Context, s *session) (cwmp.Body, *pending, error) {
	d := &s.pub.Device
	if d.ConnReqUsername == "" || d.ConnReqPassword == "" {
		c := newConnReqCreds()
		dev, err := srv.cfg.Store.UpdateDevice(ctx, d.ID, func(d *store.Device) error {
			if d.ConnReqUsername == "" || d.ConnReqPassword == "" {
				d.ConnReqUsername, d.ConnReqPassword = c.username, c.password
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("storing connection-request credentials: %w", err)
		}
		*d = dev
	}
	c := &connReqCreds{d.ConnReqUsername, d.ConnReqPassword}
	ms := d.Root + "ManagementServer."
	rpc := &cwmp.SetParameterValues{
		ParameterList: []cwmp.ParameterValueStruct{
			{Name: ms + "ConnectionRequestUsername", Value: c.username, Type: "string"},
			{Name: ms + "ConnectionRequestPassword", Value: c.password, Type: "string"},
		},
		ParameterKey: credsKey(c.username, c.password),
	}
	if srv.cfg.ExtraCredentials != nil {
		rpc.ParameterList = append(rpc.ParameterList, srv.cfg.ExtraCredentials(ctx, d)...)
	}
	return rpc, &pending{method: rpc.Method(), internal: true, creds: c}, nil
}

// credsAnswered settles the credentials request. A fault is recorded for
// support staff; the next session tries again.
func (srv *Server) credsAnswered(ctx context.Context, s *session, p *pending, resp cwmp.Body) {
	switch r := resp.(type) {
	case *cwmp.SetParameterValuesResponse:
		if err := srv.markProvisioned(ctx, s, *p.creds); err != nil {
			srv.log.Error("cwmp: recording connection-request credentials", "device", s.pub.DeviceID, "err", err)
		}
	case *cwmp.Fault:
		err := srv.cfg.Store.AddFault(ctx, &store.Fault{
			Device:  s.pub.DeviceID,
			RPC:     p.method,
			Code:    int(r.FaultCode),
			Message: "setting connection-request credentials: " + faultText(r),
			Time:    srv.cfg.Now(),
		})
		if err != nil {
			srv.log.Error("cwmp: recording a fault", "device", s.pub.DeviceID, "err", err)
		}
	}
}

func (srv *Server) markProvisioned(ctx context.Context, s *session, c connReqCreds) error {
	dev, err := srv.cfg.Store.UpdateDevice(ctx, s.pub.DeviceID, func(d *store.Device) error {
		// Credentials replaced meanwhile (another session): not these.
		if d.ConnReqUsername == c.username && d.ConnReqPassword == c.password {
			d.Provisioned = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.pub.Device = dev
	return nil
}

// faultText is a CPE fault's message for a record: its FaultString, or the
// code's standard text.
func faultText(f *cwmp.Fault) string {
	if f.FaultString != "" {
		return f.FaultString
	}
	return f.FaultCode.Text()
}
