package provision

import (
	"errors"
	"strconv"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/datamodel"
)

// MaxPresetNameLength bounds a preset's name, which appears in URLs, in
// ParameterKeys and in the audit log.
const MaxPresetNameLength = 64

// compiledPreset is a stored preset, checked and compiled for reconciling.
type compiledPreset struct {
	name    string
	version int64
	updated time.Time
	filter  *Filter
	values  []desiredValue
	attrs   []desiredAttr
}

type desiredAttr struct {
	name         string
	notification int
}

// ValidatePreset checks a preset before it is saved, so a bad value is an
// error for the operator now rather than a CPE fault at every Inform later:
// the name, the filter, and every value against the data model its path's
// root names (TR-181 for "Device.", TR-098 for "InternetGatewayDevice."):
// the parameter exists, is writable, is not a command, and the value (and
// the type, when given) fits. A value whose type is omitted gets the
// schema's. A vendor parameter (a path with an X_ segment) is beyond the
// schema: it needs an explicit type, and its value is checked against that.
// Attributes must name parameters, with a notification of 0 to 6 that the
// data model allows. The error is a *PresetError listing every problem.
func ValidatePreset(p *store.Preset) error {
	cp, err := compilePreset(p, Options{})
	if err != nil {
		return err
	}
	for i := range p.Values {
		p.Values[i].Type = cp.values[i].typ
	}
	return nil
}

// compilePreset does ValidatePreset's checks and keeps what reconciling
// needs.
func compilePreset(p *store.Preset, opts Options) (*compiledPreset, error) {
	pe := &PresetError{Preset: p.Name}
	add := func(field, param, reason string) {
		pe.Problems = append(pe.Problems, Problem{Field: field, Parameter: param, Reason: reason})
	}
	if reason := checkPresetName(p.Name); reason != "" {
		add("name", "", reason)
	}
	cp := &compiledPreset{name: p.Name, version: p.Version, updated: p.Updated}
	f, err := opts.Compile(p.Filter)
	if err != nil {
		add("filter", "", err.Error())
	}
	cp.filter = f
	if len(p.Values) == 0 && len(p.Attributes) == 0 {
		add("values", "", "a preset needs at least one value or attribute")
	}
	seen := make(map[string]bool, len(p.Values))
	for i, v := range p.Values {
		field := "values[" + strconv.Itoa(i) + "]"
		if seen[v.Name] {
			add(field, v.Name, "set twice in this preset")
			continue
		}
		seen[v.Name] = true
		dv, reason := checkValue(v)
		if reason != "" {
			add(field, v.Name, reason)
			continue
		}
		cp.values = append(cp.values, dv)
	}
	clear(seen)
	for i, a := range p.Attributes {
		field := "attributes[" + strconv.Itoa(i) + "]"
		if seen[a.Name] {
			add(field, a.Name, "given twice in this preset")
			continue
		}
		seen[a.Name] = true
		if reason := checkAttribute(a); reason != "" {
			add(field, a.Name, reason)
			continue
		}
		cp.attrs = append(cp.attrs, desiredAttr{name: a.Name, notification: a.Notification})
	}
	if len(pe.Problems) > 0 {
		return nil, pe
	}
	return cp, nil
}

// checkPresetName keeps names to what travels unescaped in a URL path
// segment and a ParameterKey.
func checkPresetName(name string) string {
	switch {
	case name == "":
		return "name is empty"
	case len(name) > MaxPresetNameLength:
		return "name longer than " + strconv.Itoa(MaxPresetNameLength) + " characters"
	case !isDigit(name[0]) && !isLetter(name[0]):
		return "name must start with a letter or digit"
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isDigit(c) && !isLetter(c) && c != '-' && c != '_' && c != '.' {
			return "name may hold only letters, digits, '-', '_' and '.'"
		}
	}
	return ""
}

// resolvePath finds the schema node of a preset's parameter; node is nil
// (and reason empty) for a vendor parameter the schema does not know.
func resolvePath(name string) (path datamodel.Path, node *datamodel.Node, reason string) {
	if name == "" {
		return path, nil, "name is empty"
	}
	path, err := datamodel.ParsePath(name)
	if err != nil {
		var pe *datamodel.PathError
		if errors.As(err, &pe) {
			return path, nil, "invalid path at offset " + strconv.Itoa(pe.Offset) + ": " + pe.Reason
		}
		return path, nil, "invalid path"
	}
	if path.IsPartial() {
		return path, nil, "names an object; a preset sets parameters"
	}
	if !path.IsConcrete() {
		return path, nil, "instance wildcards, {i} and aliases are not supported; name each instance by number"
	}
	schema := schemaFor(path.Segment(0).Text)
	if schema == nil {
		return path, nil, "unknown root; paths start with Device. or InternetGatewayDevice."
	}
	n, ok := schema.LookupPath(path)
	switch {
	case ok && n.IsParameter():
		return path, n, ""
	case ok:
		return path, nil, "names an object; a preset sets parameters"
	case isVendorPath(path):
		return path, nil, ""
	case isObject(schema, name):
		return path, nil, "names an object; a preset sets parameters"
	}
	return path, nil, "unknown parameter (not in " + modelName(schema) + ")"
}

func checkValue(v store.PresetValue) (desiredValue, string) {
	_, node, reason := resolvePath(v.Name)
	if reason != "" {
		return desiredValue{}, reason
	}
	dv := desiredValue{name: v.Name, value: v.Value, node: node}
	if node == nil {
		// A vendor parameter: only its declared type can be checked.
		if v.Type == "" {
			return desiredValue{}, "vendor parameter: give its type (string, boolean, unsignedInt, ...)"
		}
		k, ok := datamodel.KindOfXSD(v.Type)
		if !ok {
			return desiredValue{}, "unknown type " + strconv.Quote(v.Type)
		}
		c, err := kindCanonical(k, v.Value)
		if err != nil {
			return desiredValue{}, "value is not " + article(k.String()) + " " + k.String()
		}
		dv.kind, dv.typ, dv.canon = k, k.String(), c
		return dv, ""
	}
	switch {
	case acsManaged(node):
		return desiredValue{}, "the ACS manages this credential per device; a preset would lock devices out"
	case node.Access() == datamodel.ReadOnly:
		return desiredValue{}, "read-only parameter"
	case node.Command():
		return desiredValue{}, "a command parameter acts each time it is set; use a task, not a preset"
	}
	typ := node.Type()
	if v.Type != "" {
		if _, ok := datamodel.KindOfXSD(v.Type); !ok {
			return desiredValue{}, "unknown type " + strconv.Quote(v.Type)
		}
		if err := node.CheckXSIType(v.Type); err != nil {
			return desiredValue{}, "type " + strconv.Quote(v.Type) + " does not match the parameter's " + typ.String()
		}
	}
	if err := node.ValidateSet(v.Value); err != nil {
		// ValueError leaves a hidden or secured value out of its text.
		return desiredValue{}, err.Error()
	}
	c, err := node.Canonical(v.Value)
	if err != nil {
		return desiredValue{}, err.Error()
	}
	dv.kind, dv.typ, dv.canon = typ.Kind(), typ.Kind().String(), c
	return dv, ""
}

// acsManaged reports whether the ACS itself sets the parameter per device:
// the CWMP credentials (derived from the fleet secret and the serial
// number) and the connection-request credentials (random, set in the first
// session). One value for a whole fleet would break both.
func acsManaged(n *datamodel.Node) bool {
	p := n.Parent()
	if p == nil || p.Name() != "ManagementServer" || p.Parent() == nil || p.Parent().Parent() != nil {
		return false
	}
	switch n.Name() {
	case "Username", "Password", "ConnectionRequestUsername", "ConnectionRequestPassword":
		return true
	}
	return false
}

func checkAttribute(a store.PresetAttribute) string {
	_, node, reason := resolvePath(a.Name)
	if reason != "" {
		return reason
	}
	if a.Notification < 0 || a.Notification > 6 {
		return "notification must be 0 to 6, not " + strconv.Itoa(a.Notification)
	}
	if node == nil {
		return ""
	}
	switch node.ActiveNotify() {
	case datamodel.NotifyCanDeny:
		if a.Notification == 2 {
			return "the data model lets the CPE refuse active notification here (fault 9009); use 1 (passive)"
		}
	case datamodel.NotifyForceEnabled:
		if a.Notification != 2 {
			return "active notification is always on for this parameter (forceEnabled); only 2 applies"
		}
	}
	return ""
}
