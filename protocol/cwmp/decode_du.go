package cwmp

import (
	"strings"

	"github.com/beevik/etree"
)

// Decoders of software-module management: ChangeDUState and its reports.

func decodeChangeDUState(d *decoder, el *etree.Element) Body {
	v := &ChangeDUState{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "Operations":
			if op := d.operation(c); op != nil {
				v.Operations = append(v.Operations, op)
			}
		case "CommandKey":
			v.CommandKey = str(c)
		}
	}
	return v
}

// operation decodes one Operations element by its xsi:type; without a known
// type the operation cannot be understood, so that is an error.
func (d *decoder) operation(el *etree.Element) Operation {
	t, _ := attrValue(el, "type")
	t = strings.TrimSpace(t)
	if i := strings.LastIndexByte(t, ':'); i >= 0 {
		t = t[i+1:]
	}
	switch t {
	case "InstallOpStruct":
		o := &InstallOpStruct{}
		for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
			switch c.Tag {
			case "URL":
				o.URL = str(c)
			case "UUID":
				o.UUID = str(c)
			case "Username":
				o.Username = text(c)
			case "Password":
				o.Password = text(c)
			case "ExecutionEnvRef":
				o.ExecutionEnvRef = str(c)
			}
		}
		return o
	case "UpdateOpStruct":
		o := &UpdateOpStruct{}
		for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
			switch c.Tag {
			case "UUID":
				o.UUID = str(c)
			case "Version":
				o.Version = str(c)
			case "URL":
				o.URL = str(c)
			case "Username":
				o.Username = text(c)
			case "Password":
				o.Password = text(c)
			}
		}
		return o
	case "UninstallOpStruct":
		o := &UninstallOpStruct{}
		for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
			switch c.Tag {
			case "UUID":
				o.UUID = str(c)
			case "Version":
				o.Version = str(c)
			case "ExecutionEnvRef":
				o.ExecutionEnvRef = str(c)
			}
		}
		return o
	}
	d.fail(el, "xsi:type %q is not InstallOpStruct, UpdateOpStruct or UninstallOpStruct", t)
	return nil
}

func (d *decoder) opResult(el *etree.Element, r *OpResultStruct) (operation DUOperation) {
	r.StartTime, r.CompleteTime = UnknownTime, UnknownTime
	seenFault := false
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "UUID":
			r.UUID = str(c)
		case "DeploymentUnitRef":
			r.DeploymentUnitRef = str(c)
		case "Version":
			r.Version = str(c)
		case "CurrentState":
			r.CurrentState = DUState(str(c))
		case "Resolved":
			r.Resolved = d.boolean(c)
		case "ExecutionUnitRefList":
			r.ExecutionUnitRefList = str(c)
		case "StartTime":
			r.StartTime = d.dateTime(c)
		case "CompleteTime":
			r.CompleteTime = d.dateTime(c)
		case "Fault":
			r.Fault, seenFault = DeploymentUnitFaultStruct(d.faultStruct(c)), true
		case "OperationPerformed":
			operation = DUOperation(str(c))
		}
	}
	d.require(el, seenFault, "Fault")
	return operation
}

func decodeDUStateChangeComplete(d *decoder, el *etree.Element) Body {
	v := &DUStateChangeComplete{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "Results":
			var r OpResultStruct
			d.opResult(c, &r)
			v.Results = append(v.Results, r)
		case "CommandKey":
			v.CommandKey = str(c)
		}
	}
	return v
}

func decodeAutonomousDUStateChangeComplete(d *decoder, el *etree.Element) Body {
	v := &AutonomousDUStateChangeComplete{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "Results" {
			var r AutonOpResultStruct
			r.OperationPerformed = d.opResult(c, &r.OpResultStruct)
			v.Results = append(v.Results, r)
		}
	}
	return v
}
