package provision

import (
	"errors"
	"slices"
	"strings"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/datamodel"
)

// fieldKind says how a field's values compare.
type fieldKind uint8

const (
	fText    fieldKind = iota + 1 // id, oui, productClass, serialNumber
	fVersion                      // softwareVersion, hardwareVersion
	fTag
	fOnline
	fTime // lastInform
	fMAC  // mac: the WAN-side MAC address, wherever the data model keeps it
	fParam
)

// field is the left side of a comparison, resolved at compile time.
type field struct {
	name string
	kind fieldKind
	text func(*store.Device) string // fText, fVersion
	// node is a parameter's schema node; nil for a vendor parameter the
	// schema does not know, whose values are compared by the literal's kind.
	node *datamodel.Node
}

var deviceFields = map[string]field{
	"id":              {kind: fText, text: func(d *store.Device) string { return d.ID }},
	"oui":             {kind: fText, text: func(d *store.Device) string { return d.OUI }},
	"productClass":    {kind: fText, text: func(d *store.Device) string { return d.ProductClass }},
	"serialNumber":    {kind: fText, text: func(d *store.Device) string { return d.SerialNumber }},
	"softwareVersion": {kind: fVersion, text: func(d *store.Device) string { return d.SoftwareVersion }},
	"hardwareVersion": {kind: fVersion, text: func(d *store.Device) string { return d.HardwareVersion }},
	"tag":             {kind: fTag},
	"online":          {kind: fOnline},
	"lastInform":      {kind: fTime},
	// Support looks a customer's line up by what the customer can read
	// off the router or the support screen: its address and its MAC.
	"ip":  {kind: fText, text: func(d *store.Device) string { return d.IP }},
	"mac": {kind: fMAC},
}

// fieldNames lists the device fields in the order the documentation gives.
var fieldNames = []string{"id", "oui", "productClass", "serialNumber", "softwareVersion",
	"hardwareVersion", "tag", "online", "lastInform", "ip", "mac"}

// schemaFor returns the data model a path's first segment names.
func schemaFor(root string) *datamodel.Schema {
	switch root {
	case "Device":
		return datamodel.TR181()
	case "InternetGatewayDevice":
		return datamodel.TR098()
	}
	return nil
}

// isVendorPath reports whether a path has a vendor-extension segment
// ("X_0011AA_Foo"), which no BBF schema can know.
func isVendorPath(p datamodel.Path) bool {
	for s := range p.Segments() {
		if s.Kind == datamodel.SegName && strings.HasPrefix(s.Text, "X_") {
			return true
		}
	}
	return false
}

func (p *parser) resolveField(t token) (*field, error) {
	if f, ok := deviceFields[t.text]; ok {
		f.name = t.text
		return &f, nil
	}
	if !strings.Contains(t.text, ".") {
		msg := "unknown field " + quoteText(t.text)
		for _, n := range fieldNames {
			if strings.EqualFold(n, t.text) {
				return nil, p.errAt(t.off, msg+"; did you mean "+n+"?")
			}
		}
		return nil, p.errAt(t.off, msg+"; fields are "+strings.Join(fieldNames, ", ")+
			" or a parameter path such as Device.DeviceInfo.ModelName")
	}
	return p.resolveParam(t)
}

func (p *parser) resolveParam(t token) (*field, error) {
	path, err := datamodel.ParsePath(t.text)
	if err != nil {
		var pe *datamodel.PathError
		if errors.As(err, &pe) {
			return nil, p.errAt(t.off+pe.Offset, "invalid parameter path "+quoteText(t.text)+": "+pe.Reason)
		}
		return nil, p.errAt(t.off, "invalid parameter path "+quoteText(t.text))
	}
	if path.IsPartial() {
		return nil, p.errAt(t.off, t.text+" is an object; compare one of its parameters")
	}
	if !path.IsConcrete() {
		return nil, p.errAt(t.off, t.text+": instance wildcards, {i} and aliases cannot be compared; name one instance by number")
	}
	schema := schemaFor(path.Segment(0).Text)
	if schema == nil {
		return nil, p.errAt(t.off, "unknown field "+quoteText(t.text)+"; parameter paths start with Device. or InternetGatewayDevice.")
	}
	f := &field{name: t.text, kind: fParam}
	switch n, ok := schema.LookupPath(path); {
	case ok && n.IsParameter():
		if n.Secret() {
			// A filter over a secret would let whoever may list devices
			// guess it a character at a time with LIKE.
			return nil, p.errAt(t.off, t.text+" holds a secret; filters cannot read it")
		}
		f.node = n
	case ok || isObject(schema, t.text):
		return nil, p.errAt(t.off, t.text+" is an object; compare one of its parameters")
	case !isVendorPath(path):
		return nil, p.errAt(t.off, "unknown parameter "+t.text+" (not in "+modelName(schema)+
			"; vendor parameters carry an X_ segment)")
	}
	if !slices.Contains(p.params, t.text) {
		p.params = append(p.params, t.text)
	}
	return f, nil
}

// isObject reports whether name is an object written without its
// trailing dot ("Device.WiFi").
func isObject(s *datamodel.Schema, name string) bool {
	n, ok := s.Lookup(name + ".")
	return ok && n.IsObject()
}

func modelName(s *datamodel.Schema) string {
	if s.Name() == "Device" {
		return "TR-181 " + s.Version().String()
	}
	return "TR-098"
}

// quoteText quotes a name for an error message the way filters quote
// strings.
func quoteText(s string) string {
	var b strings.Builder
	quote(&b, s)
	return b.String()
}
