package provision

import (
	"errors"
	"slices"
	"strings"

	"gatewarden/protocol/datamodel"
)

// test is a compiled comparison.
type test = func(e env) bool

// getter reads the text a comparison looks at; ok is false when the
// device has no such value (a parameter it never reported).
type getter = func(e env) (string, bool)

// bind type-checks `f op lit` and returns its test. Every comparison is
// false when the value is missing or not of its type, whatever the
// operator: "!=" too, so `X != "a"` keeps only devices known to differ,
// while `NOT X = "a"` also keeps devices that never reported X.
func (f *field) bind(p *parser, op string, lit literal, opOff int) (test, error) {
	switch f.kind {
	case fText:
		if lit.kind != litString {
			return nil, p.errAt(lit.off, f.name+" is text: write the value in quotes, as in "+quoteText(lit.text))
		}
		return textTest(p, op, lit, f.textGetter(), false)
	case fVersion:
		if lit.kind == litBool {
			return nil, p.errAt(lit.off, f.name+" is a version: write it in quotes, as in \"2.1\"")
		}
		return textTest(p, op, lit, f.textGetter(), true)
	case fTag:
		return tagTest(p, op, lit, opOff)
	case fMAC:
		if lit.kind != litString {
			return nil, p.errAt(lit.off, "mac is text: write it in quotes, as in \"00:11:22:33:44:55\"")
		}
		lit.text = strings.ToLower(lit.text)
		return textTest(p, op, lit, macGetter, false)
	case fOnline:
		if op != "=" && op != "!=" {
			return nil, p.errAt(opOff, "online is a boolean: only = and != apply")
		}
		if lit.kind != litBool {
			return nil, p.errAt(lit.off, "online is true or false, not "+lit.describe())
		}
		want := (lit.text == "true") == (op == "=")
		return func(e env) bool { return e.opts.online(e.d) == want }, nil
	case fTime:
		if op == "LIKE" {
			return nil, p.errAt(opOff, "LIKE applies to text; compare lastInform with =, !=, <, <=, > or >=")
		}
		tl, err := timeLiteral(p, f.name, op, lit)
		if err != nil {
			return nil, err
		}
		verdict, _ := cmpOp(op)
		return func(e env) bool { return verdict(e.d.LastInform.Compare(tl.at(e.clock()))) }, nil
	}
	return f.paramTest(p, op, lit, opOff)
}

func (f *field) textGetter() getter {
	get := f.text
	return func(e env) (string, bool) { return get(e.d), true }
}

func paramGetter(name string) getter {
	return func(e env) (string, bool) {
		prm, ok := e.param(name)
		return prm.Value, ok
	}
}

// textTest compares text: "=" and "!=" exactly, LIKE by pattern, and the
// orderings as versions when versions is set, else byte by byte.
func textTest(p *parser, op string, lit literal, get getter, versions bool) (test, error) {
	want := lit.text
	if op == "LIKE" {
		pat, ok := compileLike(want)
		if !ok {
			return nil, p.errAt(lit.off, `invalid LIKE pattern: a backslash escapes only %, _ or a backslash `+
				`(inside quotes write \\% for a literal %)`)
		}
		return func(e env) bool {
			v, ok := get(e)
			return ok && pat.match(v)
		}, nil
	}
	verdict, _ := cmpOp(op)
	cmp := strings.Compare
	if versions && isOrdering(op) {
		cmp = CompareVersions
	}
	return func(e env) bool {
		v, ok := get(e)
		return ok && verdict(cmp(v, want))
	}, nil
}

func tagTest(p *parser, op string, lit literal, opOff int) (test, error) {
	if op != "=" && op != "!=" && op != "LIKE" {
		return nil, p.errAt(opOff, "tag supports =, != and LIKE: tag = \"x\" keeps devices tagged x")
	}
	if lit.kind != litString {
		return nil, p.errAt(lit.off, "tags are text: write the value in quotes, as in "+quoteText(lit.text))
	}
	want := lit.text
	switch op {
	case "=":
		return func(e env) bool { return slices.Contains(e.d.Tags, want) }, nil
	case "!=":
		return func(e env) bool { return !slices.Contains(e.d.Tags, want) }, nil
	}
	pat, ok := compileLike(want)
	if !ok {
		return nil, p.errAt(lit.off, `invalid LIKE pattern: a backslash escapes only %, _ or a backslash`)
	}
	return func(e env) bool { return slices.ContainsFunc(e.d.Tags, pat.match) }, nil
}

func timeLiteral(p *parser, name, op string, lit literal) (timeLit, error) {
	tl, ok := timeLit{}, false
	if lit.kind == litString {
		tl, ok = parseTimeLit(lit.text)
	}
	if !ok {
		return timeLit{}, p.errAt(lit.off, name+` takes an RFC 3339 time ("2024-05-01T12:00:00Z") or a relative one `+
			`("-1h", "-7d"), not `+lit.describe())
	}
	if tl.relative && !isOrdering(op) {
		return timeLit{}, p.errAt(lit.off, "a relative time moves; compare it with <, <=, > or >=, not "+op)
	}
	p.usesNow = p.usesNow || tl.relative
	return tl, nil
}

// paramTest types a comparison by the parameter's schema type, or, for a
// vendor parameter the schema does not know, by the literal.
func (f *field) paramTest(p *parser, op string, lit literal, opOff int) (test, error) {
	get := paramGetter(f.name)
	if f.node == nil {
		return untypedTest(p, op, lit, opOff, f.name, get)
	}
	typ := f.node.Type()
	kind := typ.Kind()
	what := f.name + " is " + article(kind.String()) + " " + kind.String()
	if typ.IsList() {
		what = f.name + " is a list"
	}
	equality := op == "=" || op == "!="
	var build func() (test, error)
	switch kind {
	case datamodel.KindString:
		if lit.kind != litString {
			return nil, p.errAt(lit.off, f.name+" is text: write the value in quotes, as in "+quoteText(lit.text))
		}
		build = func() (test, error) {
			return textTest(p, op, lit, get, isOrdering(op) && looksLikeVersion(lit.text))
		}
	case datamodel.KindBoolean:
		if !equality {
			return nil, p.errAt(opOff, what+": only = and != apply")
		}
		if lit.kind != litBool {
			return nil, p.errAt(lit.off, what+": compare it with true or false, not "+lit.describe())
		}
		build = func() (test, error) { return boolTest(op, lit, get), nil }
	case datamodel.KindDateTime:
		if op == "LIKE" {
			return nil, p.errAt(opOff, "LIKE applies to text; "+what)
		}
		tl, err := timeLiteral(p, f.name, op, lit)
		if err != nil {
			return nil, err
		}
		build = func() (test, error) { return dateTimeTest(op, tl, get), nil }
	case datamodel.KindBase64, datamodel.KindHexBinary:
		if !equality {
			return nil, p.errAt(opOff, what+": only = and != apply")
		}
		if lit.kind != litString {
			return nil, p.errAt(lit.off, what+": write the value in quotes")
		}
		build = func() (test, error) { return canonicalTest(f.node, op, lit, get), nil }
	default: // the integer kinds and decimal
		if op == "LIKE" {
			return nil, p.errAt(opOff, "LIKE applies to text; "+what)
		}
		if err := numberLiteral(p, lit, what, kind != datamodel.KindDecimal); err != nil {
			return nil, err
		}
		build = func() (test, error) { return numberTest(op, lit, get), nil }
	}
	if equality {
		if err := f.validateLiteral(p, lit); err != nil {
			return nil, err
		}
	}
	return build()
}

func article(word string) string {
	if word != "" && strings.IndexByte("aeiouAEIOU", word[0]) >= 0 {
		return "an"
	}
	return "a"
}

// validateLiteral refuses an equality that can never hold: a value the
// parameter's type rejects ("Upp" for an interface Status, 70000 for a
// port), reported where it is written.
func (f *field) validateLiteral(p *parser, lit literal) error {
	err := f.node.Validate(lit.text)
	if err == nil {
		return nil
	}
	reason := err.Error()
	var ve *datamodel.ValueError
	if errors.As(err, &ve) {
		reason = ve.Reason
	}
	return p.errAt(lit.off, lit.describe()+" can never equal "+f.name+" ("+f.node.Type().String()+"): "+reason)
}

func dateTimeTest(op string, tl timeLit, get getter) test {
	verdict, _ := cmpOp(op)
	return func(e env) bool {
		v, ok := get(e)
		if !ok {
			return false
		}
		dt, err := datamodel.ParseDateTime(v)
		return err == nil && verdict(dt.Time.Compare(tl.at(e.clock())))
	}
}

// canonicalTest compares values whose spelling varies (hexBinary case,
// base64 line breaks) by their canonical form.
func canonicalTest(node *datamodel.Node, op string, lit literal, get getter) test {
	want, _ := node.Canonical(lit.text) // validated by the caller
	eq := op == "="
	return func(e env) bool {
		v, ok := get(e)
		if !ok {
			return false
		}
		c, err := node.Canonical(v)
		return err == nil && (c == want) == eq
	}
}

func boolTest(op string, lit literal, get getter) test {
	want := (lit.text == "true") == (op == "=")
	return func(e env) bool {
		v, ok := get(e)
		if !ok {
			return false
		}
		b, err := datamodel.ParseBool(v)
		return err == nil && b == want
	}
}

// numberLiteral checks that lit is a number; whole refuses a fraction
// (an integer parameter).
func numberLiteral(p *parser, lit literal, what string, whole bool) error {
	if lit.kind != litNumber {
		if _, ok := parseDecimal(lit.text); ok && lit.kind == litString {
			return p.errAt(lit.off, what+": write the number without quotes: "+lit.text)
		}
		return p.errAt(lit.off, what+": compare it with a number, not "+lit.describe())
	}
	if d, _ := parseDecimal(lit.text); whole && d.frac != "" {
		return p.errAt(lit.off, what+": compare it with a whole number, not "+lit.text)
	}
	return nil
}

// numberTest compares a value numerically, exactly.
func numberTest(op string, lit literal, get getter) test {
	want, _ := parseDecimal(lit.text) // the lexer admits only valid numbers
	verdict, _ := cmpOp(op)
	return func(e env) bool {
		v, ok := get(e)
		if !ok {
			return false
		}
		d, ok := parseDecimal(strings.TrimSpace(v))
		return ok && verdict(d.cmp(want))
	}
}

// untypedTest compares a vendor parameter by what the literal is: text
// (versions when ordered against a version), a number, or a boolean.
func untypedTest(p *parser, op string, lit literal, opOff int, name string, get getter) (test, error) {
	switch lit.kind {
	case litString:
		return textTest(p, op, lit, get, isOrdering(op) && looksLikeVersion(lit.text))
	case litBool:
		if op != "=" && op != "!=" {
			return nil, p.errAt(opOff, "only = and != compare with true or false")
		}
		return boolTest(op, lit, get), nil
	}
	if op == "LIKE" {
		return nil, p.errAt(opOff, "LIKE takes a quoted pattern, as in "+name+` LIKE "abc%"`)
	}
	return numberTest(op, lit, get), nil
}

// macPaths are where TR-181 and TR-098 devices report the MAC address a
// customer reads off the label: the WAN-facing link first.
var macPaths = []string{
	"Device.Ethernet.Link.1.MACAddress",
	"Device.Ethernet.Interface.1.MACAddress",
	"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.MACAddress",
	"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.MACAddress",
	"InternetGatewayDevice.LANDevice.1.LANEthernetInterfaceConfig.1.MACAddress",
}

// macGetter reads the first known MAC address, in lower case, so a
// lookup matches however the device or the caller wrote the hex digits.
func macGetter(e env) (string, bool) {
	for _, n := range macPaths {
		if prm, ok := e.param(n); ok && prm.Value != "" {
			return strings.ToLower(prm.Value), true
		}
	}
	return "", false
}
