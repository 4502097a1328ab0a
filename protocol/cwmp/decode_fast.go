package cwmp

import "strings"

// decodeFast decodes a plain Inform from a scanned document, following
// decodeEnvelope, decodeHeaders and decodeInform step by step. False means
// "not taken": the message is not an Inform, or the reference decoder
// would report an error (left to it to word), or it uses XML the scanner
// does not read. data has had its byte-order mark removed.
func decodeFast(data []byte) (*Envelope, bool) {
	d, ok := scan(data)
	if !ok {
		return nil, false
	}
	defer d.release()
	root := &d.nodes[0]
	if root.local != "Envelope" || root.ns != NamespaceSOAPEnvelope {
		return nil, false
	}
	var headers []int32
	var hbuf [2]int32
	headers = hbuf[:0]
	body := int32(-1)
	for c := root.first; c >= 0; c = d.nodes[c].next {
		n := &d.nodes[c]
		if n.prefix != "" && n.ns == "" {
			return nil, false // undeclared prefix
		}
		if n.ns != NamespaceSOAPEnvelope && n.ns != "" {
			continue
		}
		switch n.local {
		case "Header":
			headers = append(headers, c)
		case "Body":
			if body >= 0 {
				return nil, false
			}
			body = c
		}
	}
	if body < 0 {
		return nil, false
	}
	rpc := d.nodes[body].first
	if rpc < 0 || d.nodes[rpc].next >= 0 {
		return nil, false
	}
	r := &d.nodes[rpc]
	if r.local != "Inform" || !IsCWMPNamespace(r.ns) {
		return nil, false
	}
	env := &Envelope{Namespace: r.ns}
	if !d.headers(headers, env) {
		return nil, false
	}
	inf, ok := d.inform(rpc)
	if !ok {
		return nil, false
	}
	env.Body = inf
	return env, true
}

// headers is decodeHeaders; the ID comes first there only so that errors
// can echo it, and errors are not the fast path's business.
func (d *xdoc) headers(headers []int32, env *Envelope) bool {
	level := schemaLevel(env.Namespace)
	idSet := false
	for _, h := range headers {
		for c := d.nodes[h].first; c >= 0; c = d.nodes[c].next {
			n := &d.nodes[c]
			if n.prefix != "" && n.ns == "" {
				return false
			}
			cwmpNS := IsCWMPNamespace(n.ns)
			if cwmpNS && n.local == "ID" && !idSet {
				env.Header.ID, idSet = d.textOf(c), true
			}
			if actor, ok := d.attr(c, "actor"); ok && strings.TrimSpace(actor) != actorNext {
				continue
			}
			known := cwmpNS
			if cwmpNS {
				switch n.local {
				case "ID":
				case "HoldRequests":
					v := parseBool(trimXML(d.textOf(c)))
					if v == boolInvalid {
						return false
					}
					b := v == boolTrue
					env.Header.HoldRequests = &b
				case "NoMoreRequests":
					env.Header.NoMoreRequests = parseBool(strings.TrimSpace(d.textOf(c))) == boolTrue
				case "SessionTimeout":
					if known = level >= 12; known {
						v, ok := parseUint32(trimXML(d.textOf(c)))
						if !ok {
							return false
						}
						env.Header.SessionTimeout = &v
					}
				case "SupportedCWMPVersions":
					if known = level >= 12; known {
						env.Header.SupportedCWMPVersions = trimXML(d.textOf(c))
					}
				case "UseCWMPVersion":
					if known = level >= 12; known {
						env.Header.UseCWMPVersion = trimXML(d.textOf(c))
					}
				default:
					known = false
				}
			}
			if !known {
				if mu, ok := d.attr(c, "mustUnderstand"); ok && parseBool(strings.TrimSpace(mu)) == boolTrue {
					return false
				}
			}
		}
	}
	return true
}

// str is the element's trimmed text.
func (d *xdoc) str(idx int32) string { return trimXML(d.textOf(idx)) }

// countChildren counts element children, to size slices once.
func (d *xdoc) countChildren(idx int32) int {
	n := 0
	for c := d.nodes[idx].first; c >= 0; c = d.nodes[c].next {
		n++
	}
	return n
}

// inform is decodeInform.
func (d *xdoc) inform(el int32) (*Inform, bool) {
	v := &Inform{CurrentTime: UnknownTime}
	seenDevice := false
	for c := d.nodes[el].first; c >= 0; c = d.nodes[c].next {
		switch d.nodes[c].local {
		case "DeviceId":
			seenDevice = true
			for f := d.nodes[c].first; f >= 0; f = d.nodes[f].next {
				switch d.nodes[f].local {
				case "Manufacturer":
					v.DeviceId.Manufacturer = d.str(f)
				case "OUI":
					v.DeviceId.OUI = d.str(f)
				case "ProductClass":
					v.DeviceId.ProductClass = d.str(f)
				case "SerialNumber":
					v.DeviceId.SerialNumber = d.str(f)
				}
			}
		case "Event":
			v.Event = d.events(c)
		case "MaxEnvelopes":
			n, ok := parseUint32(d.str(c))
			if !ok {
				return nil, false
			}
			v.MaxEnvelopes = n
		case "CurrentTime":
			t, err := parseDateTime(d.str(c))
			if err != nil {
				return nil, false
			}
			v.CurrentTime = t
		case "RetryCount":
			n, ok := parseUint32(d.str(c))
			if !ok {
				return nil, false
			}
			v.RetryCount = n
		case "ParameterList":
			v.ParameterList = d.parameterValues(c)
		}
	}
	return v, seenDevice
}

func (d *xdoc) events(el int32) []EventStruct {
	n := d.countChildren(el)
	if n == 0 {
		return nil
	}
	out := make([]EventStruct, n)
	i := 0
	for m := d.nodes[el].first; m >= 0; m = d.nodes[m].next {
		ev := &out[i]
		for c := d.nodes[m].first; c >= 0; c = d.nodes[c].next {
			switch d.nodes[c].local {
			case "EventCode":
				ev.EventCode = EventCode(d.str(c))
			case "CommandKey":
				ev.CommandKey = d.str(c)
			}
		}
		i++
	}
	return out
}

// parameterValues is parameterValues/parameterValueMember.
func (d *xdoc) parameterValues(el int32) []ParameterValueStruct {
	n := d.countChildren(el)
	if n == 0 {
		return nil
	}
	out := make([]ParameterValueStruct, n)
	i := 0
	for m := d.nodes[el].first; m >= 0; m = d.nodes[m].next {
		p := &out[i]
		i++
		value := int32(-1)
		for c := d.nodes[m].first; c >= 0; c = d.nodes[c].next {
			switch d.nodes[c].local {
			case "Name":
				p.Name = d.str(c)
			case "Value":
				value = c
			}
		}
		p.Type = "string"
		if value < 0 {
			continue
		}
		if t, ok := d.attr(value, "type"); ok {
			p.Type = typeName(t)
		}
		if p.Type == "string" {
			p.Value = d.textOf(value)
		} else {
			p.Value = d.str(value)
		}
	}
	return out
}
