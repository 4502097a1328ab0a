package cwmp

import (
	"strings"

	"github.com/beevik/etree"
)

// Decoders of the methods an ACS handles, their responses, and the SOAP Fault.

func decodeInform(d *decoder, el *etree.Element) Body {
	v := &Inform{CurrentTime: UnknownTime}
	seenDevice := false
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "DeviceId":
			seenDevice = true
			for f, at := firstChild(c); f != nil; f, at = nextChild(c, at) {
				switch f.Tag {
				case "Manufacturer":
					v.DeviceId.Manufacturer = str(f)
				case "OUI":
					v.DeviceId.OUI = str(f)
				case "ProductClass":
					v.DeviceId.ProductClass = str(f)
				case "SerialNumber":
					v.DeviceId.SerialNumber = str(f)
				}
			}
		case "Event":
			v.Event = arrayOf(d, c, func(_ *decoder, el *etree.Element, ev *EventStruct) {
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "EventCode":
						ev.EventCode = EventCode(str(c))
					case "CommandKey":
						ev.CommandKey = str(c)
					}
				}
			})
		case "MaxEnvelopes":
			v.MaxEnvelopes = d.uint32(c)
		case "CurrentTime":
			v.CurrentTime = d.dateTime(c)
		case "RetryCount":
			v.RetryCount = d.uint32(c)
		case "ParameterList":
			v.ParameterList = d.parameterValues(c)
		}
	}
	d.require(el, seenDevice, "DeviceId")
	return v
}

func decodeInformResponse(d *decoder, el *etree.Element) Body {
	v := &InformResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "MaxEnvelopes" {
			v.MaxEnvelopes = d.uint32(c)
		}
	}
	return v
}

func decodeTransferComplete(d *decoder, el *etree.Element) Body {
	v := &TransferComplete{StartTime: UnknownTime, CompleteTime: UnknownTime}
	seenFault := false
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "CommandKey":
			v.CommandKey = str(c)
		case "FaultStruct":
			v.FaultStruct, seenFault = d.faultStruct(c), true
		case "StartTime":
			v.StartTime = d.dateTime(c)
		case "CompleteTime":
			v.CompleteTime = d.dateTime(c)
		}
	}
	d.require(el, seenFault, "FaultStruct")
	return v
}

func decodeAutonomousTransferComplete(d *decoder, el *etree.Element) Body {
	v := &AutonomousTransferComplete{StartTime: UnknownTime, CompleteTime: UnknownTime}
	seenFault := false
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "AnnounceURL":
			v.AnnounceURL = str(c)
		case "TransferURL":
			v.TransferURL = str(c)
		case "IsDownload":
			v.IsDownload = d.boolean(c)
		case "FileType":
			v.FileType = FileType(str(c))
		case "FileSize":
			v.FileSize = d.uint32(c)
		case "TargetFileName":
			v.TargetFileName = str(c)
		case "FaultStruct":
			v.FaultStruct, seenFault = d.faultStruct(c), true
		case "StartTime":
			v.StartTime = d.dateTime(c)
		case "CompleteTime":
			v.CompleteTime = d.dateTime(c)
		}
	}
	d.require(el, seenFault, "FaultStruct")
	return v
}

func decodeKicked(_ *decoder, el *etree.Element) Body {
	v := &Kicked{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "Command":
			v.Command = str(c)
		case "Referer":
			v.Referer = str(c)
		case "Arg":
			v.Arg = str(c)
		case "Next":
			v.Next = str(c)
		}
	}
	return v
}

func decodeKickedResponse(_ *decoder, el *etree.Element) Body {
	v := &KickedResponse{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		if c.Tag == "NextURL" {
			v.NextURL = str(c)
		}
	}
	return v
}

func decodeRequestDownload(d *decoder, el *etree.Element) Body {
	v := &RequestDownload{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "FileType":
			v.FileType = FileType(str(c))
		case "FileTypeArg":
			v.FileTypeArg = arrayOf(d, c, func(_ *decoder, el *etree.Element, a *ArgStruct) {
				for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
					switch c.Tag {
					case "Name":
						a.Name = str(c)
					case "Value":
						a.Value = str(c)
					}
				}
			})
		}
	}
	return v
}

// fault decodes a SOAP Fault. faultcode loses its prefix ("soap:Client"
// becomes "Client"); an empty faultcode or faultstring takes the TR-069
// default, exactly as Encode fills them in.
func (d *decoder) fault(el *etree.Element) *Fault {
	f := &Fault{}
	for c, at := firstChild(el); c != nil; c, at = nextChild(el, at) {
		switch c.Tag {
		case "faultcode":
			code := str(c)
			if i := strings.LastIndexByte(code, ':'); i >= 0 {
				code = strings.TrimSpace(code[i+1:])
			}
			f.SOAPFaultCode = code
		case "faultstring":
			f.SOAPFaultString = str(c)
		}
	}
	if detail := faultDetail(el); detail != nil {
		if detail.Space != "" && detail.NamespaceURI() == "" && d.err == nil {
			d.err = unboundPrefix(detail)
		}
		seen := false
		for c, at := firstChild(detail); c != nil; c, at = nextChild(detail, at) {
			switch c.Tag {
			case "FaultCode":
				f.FaultCode, seen = FaultCode(d.uint32(c)), true
			case "FaultString":
				f.FaultString = str(c)
			case "SetParameterValuesFault":
				var p SetParameterValuesFault
				seenCode := false
				for g, at := firstChild(c); g != nil; g, at = nextChild(c, at) {
					switch g.Tag {
					case "ParameterName":
						p.ParameterName = str(g)
					case "FaultCode":
						p.FaultCode, seenCode = FaultCode(d.uint32(g)), true
					case "FaultString":
						p.FaultString = str(g)
					}
				}
				d.require(c, seenCode, "FaultCode")
				f.SetParameterValuesFault = append(f.SetParameterValuesFault, p)
			}
		}
		d.require(detail, seen, "FaultCode")
	}
	f.SOAPFaultCode = f.soapFaultCode()
	f.SOAPFaultString = f.soapFaultString()
	return f
}
