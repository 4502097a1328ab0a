package apitest

import (
	"fmt"
	"slices"
	"strings"

	"gatewarden/acs/internal/store"
)

// Filter compiles a small subset of the filter language, enough for
// tests: `field = "value"` terms joined by AND. Fields: id, oui,
// productClass, serialNumber, softwareVersion, hardwareVersion, tag, or a
// parameter path.
func Filter(expr string) (func(d *store.Device, params func(string) (store.Param, bool)) bool, error) {
	type term struct{ field, value string }
	var terms []term
	for i, part := range strings.Split(expr, " AND ") {
		field, value, ok := strings.Cut(part, "=")
		field, value = strings.TrimSpace(field), strings.TrimSpace(value)
		if !ok || field == "" || len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
			return nil, fmt.Errorf("filter term %d: want field = \"value\", got %q", i+1, part)
		}
		terms = append(terms, term{field, value[1 : len(value)-1]})
	}
	return func(d *store.Device, params func(string) (store.Param, bool)) bool {
		for _, t := range terms {
			var got string
			switch t.field {
			case "id":
				got = d.ID
			case "oui":
				got = d.OUI
			case "productClass":
				got = d.ProductClass
			case "serialNumber":
				got = d.SerialNumber
			case "softwareVersion":
				got = d.SoftwareVersion
			case "hardwareVersion":
				got = d.HardwareVersion
			case "tag":
				if !slices.Contains(d.Tags, t.value) {
					return false
				}
				continue
			default:
				p, ok := params(t.field)
				if !ok {
					return false
				}
				got = p.Value
			}
			if got != t.value {
				return false
			}
		}
		return true
	}, nil
}
