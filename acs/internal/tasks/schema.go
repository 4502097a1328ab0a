package tasks

import (
	"errors"
	"fmt"
	"strings"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// errNotWritable: the data model makes the parameter read-only (9008).
var errNotWritable = errors.New("not writable")

// faultOf is the fault code a task that cannot be built ends with: what
// the CPE would have answered for a schema violation, else 8003.
func faultOf(err error) int {
	if errors.Is(err, errNotWritable) {
		return int(cwmp.FaultNonWritableParameter)
	}
	if c := datamodel.FaultCode(err); c != 0 {
		return c
	}
	return int(cwmp.FaultACSInvalidArguments)
}

// schemaFor returns the standard data model a parameter name belongs to:
// TR-181 under "Device.", TR-098 under "InternetGatewayDevice.".
func schemaFor(name string) *datamodel.Schema {
	switch {
	case strings.HasPrefix(name, "Device."):
		return datamodel.TR181()
	case strings.HasPrefix(name, "InternetGatewayDevice."):
		return datamodel.TR098()
	}
	return nil
}

// typedValue checks one value to set against the standard data model and
// gives it its xsi:type: the one asked for, else the schema's, else string.
// Parameters the schema does not define (vendor extensions) are taken as
// given. Errors wrap ErrInvalidTask and, for schema violations, the
// datamodel error, so datamodel.FaultCode names the fault (9005-9008) a
// CPE would have answered.
func typedValue(name, value, typ string) (cwmp.ParameterValueStruct, error) {
	if err := checkPath(name, true); err != nil {
		return cwmp.ParameterValueStruct{}, err
	}
	if typ != "" {
		k, ok := datamodel.KindOfXSD(typ)
		if !ok {
			return cwmp.ParameterValueStruct{}, invalid("%s: unknown type %q", name, typ)
		}
		typ = k.String()
	}
	var node *datamodel.Node
	if s := schemaFor(name); s != nil {
		if n, ok := s.Lookup(name); ok && n.IsParameter() {
			node = n
		}
	}
	if node == nil {
		if typ == "" {
			typ = "string"
		}
		return cwmp.ParameterValueStruct{Name: name, Value: value, Type: typ}, nil
	}
	if typ == "" {
		typ = node.Type().Kind().String()
	}
	if err := node.CheckXSIType(typ); err != nil {
		return cwmp.ParameterValueStruct{}, fmt.Errorf("%w: %s: %w", ErrInvalidTask, name, err)
	}
	if !node.Writable() {
		return cwmp.ParameterValueStruct{}, fmt.Errorf("%w: %s: %w", ErrInvalidTask, name, errNotWritable)
	}
	if err := node.ValidateSet(value); err != nil {
		return cwmp.ParameterValueStruct{}, fmt.Errorf("%w: %w", ErrInvalidTask, err)
	}
	return cwmp.ParameterValueStruct{Name: name, Value: value, Type: typ}, nil
}

// withTypes gives preset values without a type the schema's.
func withTypes(values []cwmp.ParameterValueStruct) []cwmp.ParameterValueStruct {
	out := make([]cwmp.ParameterValueStruct, len(values))
	for i, v := range values {
		out[i] = v
		if v.Type != "" {
			continue
		}
		out[i].Type = "string"
		if s := schemaFor(v.Name); s != nil {
			if n, ok := s.Lookup(v.Name); ok && n.IsParameter() {
				out[i].Type = n.Type().Kind().String()
			}
		}
	}
	return out
}
