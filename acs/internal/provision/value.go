package provision

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"gatewarden/protocol/datamodel"
)

// desiredValue is one preset value, checked and ready to compare.
type desiredValue struct {
	name  string
	value string // sent as the preset gives it
	typ   string // TR-106 type name, as cwmp.ParameterValueStruct wants it
	canon string // canonical form, for representation-blind comparison
	node  *datamodel.Node
	kind  datamodel.Kind // for a vendor parameter (node nil)
}

// canonical returns v's canonical form for this parameter, or false when
// v is not a value of its type (a CPE reporting garbage differs from
// anything desired).
func (dv *desiredValue) canonical(v string) (string, bool) {
	if dv.node != nil {
		c, err := dv.node.Canonical(v)
		return c, err == nil
	}
	c, err := kindCanonical(dv.kind, v)
	return c, err == nil
}

// secret reports whether the value must stay out of anything readable: the
// schema says so, or, for a vendor parameter, its name does.
func (dv *desiredValue) secret() bool {
	if dv.node != nil {
		return dv.node.Secret()
	}
	last := strings.ToLower(dv.name[strings.LastIndexByte(dv.name, '.')+1:])
	return strings.Contains(last, "password") || strings.Contains(last, "passphrase") ||
		strings.Contains(last, "secret") || strings.Contains(last, "key")
}

var errKind = errors.New("not a value of the type")

// kindCanonical validates and canonicalises a value of a bare TR-106 kind,
// for vendor parameters the schema cannot describe: the same canonical
// forms Type.Canonical gives.
func kindCanonical(k datamodel.Kind, v string) (string, error) {
	switch k {
	case datamodel.KindString:
		return v, nil
	case datamodel.KindBoolean:
		b, err := datamodel.ParseBool(v)
		if err != nil {
			return "", err
		}
		return datamodel.FormatBool(b), nil
	case datamodel.KindInt:
		n, err := datamodel.ParseInt(v)
		return strconv.FormatInt(int64(n), 10), err
	case datamodel.KindUnsignedInt:
		n, err := datamodel.ParseUnsignedInt(v)
		return strconv.FormatUint(uint64(n), 10), err
	case datamodel.KindLong:
		n, err := datamodel.ParseLong(v)
		return strconv.FormatInt(n, 10), err
	case datamodel.KindUnsignedLong:
		n, err := datamodel.ParseUnsignedLong(v)
		return strconv.FormatUint(n, 10), err
	case datamodel.KindDateTime:
		t, err := datamodel.ParseDateTime(v)
		if err != nil {
			return "", err
		}
		return t.String(), nil
	case datamodel.KindBase64:
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), ""))
		if err != nil {
			return "", errKind
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case datamodel.KindHexBinary:
		b, err := hex.DecodeString(v)
		if err != nil {
			return "", errKind
		}
		return strings.ToUpper(hex.EncodeToString(b)), nil
	case datamodel.KindDecimal:
		d, ok := parseDecimal(v)
		if !ok {
			return "", errKind
		}
		return d.String(), nil
	}
	return "", errKind
}

// String writes the decimal without redundant zeros.
func (a decimal) String() string {
	var b strings.Builder
	if a.neg {
		b.WriteByte('-')
	}
	if a.intp == "" {
		b.WriteByte('0')
	} else {
		b.WriteString(a.intp)
	}
	if a.frac != "" {
		b.WriteByte('.')
		b.WriteString(a.frac)
	}
	return b.String()
}
