package connreq

import (
	"bytes"
	"context"
	"errors"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/mqttwire"
)

// push checks and applies one push, in mqttwire's order: signature with
// the trusted key, target against the topic, replay guard, then the values
// through SetParameterValues. Anything that fails before the signature is
// verified is only logged: an ack would let whoever forged it learn about
// the device. A replay is never acked (its first copy was).
func (l *Lane) push(ctx context.Context, topic string, payload []byte) {
	p, err := mqttwire.DecodePush(payload)
	if err != nil {
		l.log.Warn("push refused: undecodable", "topic", topic, "err", err)
		return
	}
	if l.opts.Key == nil {
		l.log.Warn("push refused: no push key configured", "topic", topic, "id", p.ID)
		return
	}
	key := l.opts.Key.Current()
	// The retained rotation that already took effect comes back at every
	// reconnect, signed by the retired key: nothing to do, nothing to say.
	if p.Kind == mqttwire.PushKeyRotation && bytes.Equal(p.NewKey, key) {
		return
	}
	if err := p.Verify(key); err != nil {
		l.refuse(ctx, topic, &p, err, false)
		return
	}
	if err := p.CheckTarget(topic); err != nil {
		l.refuse(ctx, topic, &p, err, true)
		return
	}
	if p.Kind == mqttwire.PushKeyRotation {
		// Exempt from the age check: the rotation is state, and once
		// applied its copies no longer verify.
		if err := l.opts.Key.Rotate(p.NewKey); err != nil {
			l.log.Error("push key rotation failed", "err", err)
			return
		}
		l.log.Info("push key rotated", "kid", mqttwire.KeyID(p.NewKey))
		return
	}
	if err := l.opts.Guard.Check(p.ID, p.Time, l.opts.Clock.Now()); err != nil {
		l.refuse(ctx, topic, &p, err, !errors.Is(err, mqttwire.ErrReplay))
		return
	}
	cur, err := l.opts.Apply.Value(ctx, model.ParameterKeyPath)
	if err != nil {
		l.log.Error("reading ParameterKey", "err", err)
		l.ack(ctx, &p, mqttwire.AckFault, &mqttwire.Fault{Code: int(cwmp.FaultInternalError), Message: "internal error"})
		return
	}
	if cur == p.Version {
		l.ack(ctx, &p, mqttwire.AckUnchanged, nil)
		return
	}
	list := make([]cwmp.ParameterValueStruct, len(p.Values))
	for i, v := range p.Values {
		list[i] = cwmp.ParameterValueStruct{Name: v.Name, Value: v.Value, Type: v.Type}
	}
	if _, err := l.opts.Apply.SetParameterValues(ctx, list, p.Version); err != nil {
		f := pushFault(err)
		l.log.Warn("push not applied", "id", p.ID, "version", p.Version, "code", f.Code, "fault", f.Message)
		l.ack(ctx, &p, mqttwire.AckFault, f)
		return
	}
	l.log.Info("push applied", "id", p.ID, "version", p.Version, "values", len(list))
	l.ack(ctx, &p, mqttwire.AckApplied, nil)
}

// refuse logs a push that failed a check and, when tell is set, acks it
// rejected. One call site for the three checks' logging: each slog call
// with its attributes is a few hundred bytes of router code.
func (l *Lane) refuse(ctx context.Context, topic string, p *mqttwire.Push, err error, tell bool) {
	l.log.Warn("push refused", "topic", topic, "id", p.ID, "err", err)
	if tell {
		l.ack(ctx, p, mqttwire.AckRejected, nil)
	}
}

// pushFault is the CWMP fault of a refused SetParameterValues: for 9003,
// the first parameter's fault, which says what was wrong.
func pushFault(err error) *mqttwire.Fault {
	var f *cwmp.Fault
	if !errors.As(err, &f) {
		return &mqttwire.Fault{Code: int(cwmp.FaultInternalError), Message: "internal error"}
	}
	out := &mqttwire.Fault{Code: int(f.FaultCode), Message: f.FaultString}
	if len(f.SetParameterValuesFault) > 0 {
		pf := f.SetParameterValuesFault[0]
		out.Message = pf.ParameterName + ": " + pf.FaultString
		if int(pf.FaultCode) >= 9000 {
			out.Code = int(pf.FaultCode)
		}
	}
	if len(out.Message) > mqttwire.MaxMessageLen {
		out.Message = out.Message[:mqttwire.MaxMessageLen]
	}
	return out
}

// ack publishes the answer to a bundle (QoS 1). A lost ack is not
// retried here: the ACS re-publishes unacknowledged pushes, and the
// device answers "unchanged" then.
func (l *Lane) ack(ctx context.Context, p *mqttwire.Push, status string, f *mqttwire.Fault) {
	if p.Kind != mqttwire.PushBundle {
		return
	}
	b, err := mqttwire.Ack{ID: p.ID, Time: mqttwire.Millis(l.opts.Clock.Now()), Version: p.Version, Status: status, Fault: f}.Encode()
	if err != nil {
		l.log.Error("encoding an ack", "err", err)
		return
	}
	msg := Message{Topic: mqttwire.DeviceTopic(l.opts.DeviceID, mqttwire.KindAck), Payload: b, QoS: 1}
	if err := l.ackFn(ctx, msg); err != nil {
		l.log.Warn("publishing an ack", "id", p.ID, "err", err)
	}
}
