package api

import (
	"strings"

	"gatewarden/protocol/datamodel"
)

// deviceIDFrom checks the {id} segment of a route. ServeMux has already
// decoded the segment once (r.PathValue unescapes it), which is exactly
// the one extra escaping ARCHITECTURE.md asks clients to apply ("%" →
// "%25"); what remains must be a canonical device ID.
func deviceIDFrom(c *call) (string, error) {
	id := c.r.PathValue("id")
	return checkDeviceID(id)
}

func checkDeviceID(id string) (string, error) {
	if _, err := datamodel.ParseDeviceID(id); err != nil {
		hint := ""
		if !strings.Contains(id, "%") {
			hint = "; in URLs escape each % of the ID as %25 (OUI-Product%2DClass-SN is OUI-Product%252DClass-SN)"
		}
		return "", badRequest(codeInvalidDeviceID, "%v%s", err, hint)
	}
	return id, nil
}
