package api

import (
	"strings"

	"gatewarden/protocol/datamodel"
)

// secretParam reports whether a parameter's value must be masked for
// callers without PermSecrets. The schema's hidden and secured flags
// decide for standard parameters. Names that merely look like secrets
// (vendor extensions such as X_ACME_AdminPassword, and the few standard
// passwords the data model does not flag, e.g. Device.Ethernet.WoL.
// Password) are masked too: masking a harmless value costs a support
// engineer a click, leaking a password costs a customer.
func secretParam(name string) bool {
	if s := schemaFor(name); s != nil {
		if n, ok := s.Lookup(name); ok && n.Secret() {
			return true
		}
	}
	return looksSecret(name)
}

// schemaFor picks the data model by the name's root object.
func schemaFor(name string) *datamodel.Schema {
	switch {
	case strings.HasPrefix(name, "Device."):
		return datamodel.TR181()
	case strings.HasPrefix(name, "InternetGatewayDevice."):
		return datamodel.TR098()
	}
	return nil
}

var secretSuffixes = []string{"password", "passphrase", "secret", "presharedkey", "psk", "wepkey", "pin", "privatekey"}

func looksSecret(name string) bool {
	last := strings.ToLower(name[strings.LastIndexByte(name, '.')+1:])
	for _, s := range secretSuffixes {
		if strings.HasSuffix(last, s) {
			return true
		}
	}
	return false
}

// maskValue returns the value a caller may see.
func maskValue(name, value string, seesSecrets bool) string {
	if seesSecrets || value == "" || !secretParam(name) {
		return value
	}
	return ""
}
