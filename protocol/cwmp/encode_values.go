package cwmp

// Argument writers, one per RPC (encode_cpe.go, encode_acs.go,
// encode_du.go), follow the XSD sequence order and write every required
// element even when empty. These are the pieces they share.

func (e *encoder) parameterValueList(name string, list []ParameterValueStruct) {
	e.array(name, "cwmp:ParameterValueStruct", len(list))
	for i := range list {
		p := &list[i]
		e.raw("<ParameterValueStruct><Name>")
		e.buf = appendEscaped(e.buf, p.Name, false)
		e.raw(`</Name><Value xsi:type="`)
		e.raw(valueTypeAttr(p.Type))
		e.raw(`">`)
		e.buf = appendEscaped(e.buf, p.Value, false)
		e.raw("</Value></ParameterValueStruct>")
		e.eol()
		e.maybeFlush()
	}
	e.closeArray(name)
}

// valueTypeAttr returns the xsi:type QName for a ParameterValueStruct type.
func valueTypeAttr(t string) string {
	switch t {
	case "", "string":
		return "xsd:string"
	case "unsignedInt":
		return "xsd:unsignedInt"
	case "boolean":
		return "xsd:boolean"
	case "int":
		return "xsd:int"
	case "dateTime":
		return "xsd:dateTime"
	case "base64":
		return "xsd:base64Binary"
	case "long":
		return "xsd:long"
	case "unsignedLong":
		return "xsd:unsignedLong"
	case "hexBinary":
		return "xsd:hexBinary"
	}
	return string(appendEscaped([]byte("xsd:"), t, true))
}

// optional writes an element the schema marks minOccurs="0" when it has a value.
func (e *encoder) optional(name, value string) {
	if value != "" {
		e.leaf(name, value)
	}
}
