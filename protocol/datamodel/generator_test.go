package datamodel

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatewarden/protocol/datamodel/internal/dmformat"
	"gatewarden/protocol/datamodel/internal/dmgen"
)

// A small types file in the shape of tr-106-types.xml, entities included.
const testTypes = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cwmp-datamodel-entities [
  <!ENTITY dot "\.">
  <!ENTITY octet "(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])">
  <!ENTITY quad "(&octet;&dot;){3}&octet;">
]>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14">
  <dataType name="IPAddress"><description>any</description><string><size maxLength="45"/></string></dataType>
  <dataType name="IPv4Address" base="IPAddress">
    <size maxLength="15"/>
    <pattern value=""/>
    <pattern value="&quad;"/>
  </dataType>
  <dataType name="Pair"><list minItems="2" maxItems="2"/><int/></dataType>
  <dataType name="OnlyInTypes"><unsignedInt><range minInclusive="2" maxInclusive="10" step="2"/></unsignedInt></dataType>
</dm:document>
`

const testModel = `<?xml version="1.0" encoding="UTF-8"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14"
    xmlns:dmr="urn:broadband-forum-org:cwmp:datamodel-report-1-0">
  <dataType name="Word"><string><size maxLength="4"/><size maxLength="9" status="deleted"/></string></dataType>
  <model name="Box:1.3">
    <object name="Box." access="readOnly" minEntries="1" maxEntries="1" version="1.0">
      <parameter name="Name" access="readWrite"><syntax><dataType ref="Word"/></syntax></parameter>
      <parameter name="Addr" access="readWrite" dmr:version="1.2"><syntax><dataType ref="IPv4Address"/></syntax></parameter>
      <parameter name="Pairs" access="readOnly"><syntax><list maxItems="3" nestedBrackets="legal"/><dataType ref="Pair"/></syntax></parameter>
      <parameter name="Secret " access="readWrite"><syntax hidden="true"><string/><default type="factory" value="x"/></syntax></parameter>
    </object>
    <object name="Box.Port.{i}." access="readWrite" minEntries="0" maxEntries="unbounded" version="1.1"
        numEntriesParameter="PortNumberOfEntries">
      <uniqueKey functional="false"><parameter ref="Alias"/></uniqueKey>
      <parameter name="Level" access="readWrite">
        <syntax><dataType ref="OnlyInTypes"><range minInclusive="4" maxInclusive="8" step="4"/></dataType></syntax>
      </parameter>
      <parameter name="Mode" access="readWrite" version="1.3">
        <syntax><string><enumeration value="On"/><enumeration value="Off" access="readOnly"/><enumeration value="Gone" status="deleted"/></string></syntax>
      </parameter>
    </object>
    <object base="Box.Port.{i}." access="readOnly">
      <parameter name="Alias" access="writeOnceReadOnly"><syntax><string><size maxLength="64"/></string></syntax></parameter>
      <parameter base="Level" activeNotify="canDeny"/>
    </object>
    <profile name="P:1"><object ref="Box." requirement="present"/></profile>
  </model>
</dm:document>
`

func generateTest(t *testing.T, model string) (*Schema, error) {
	t.Helper()
	dir := t.TempDir()
	types := filepath.Join(dir, "types.xml")
	mfile := filepath.Join(dir, "model.xml")
	if err := os.WriteFile(types, []byte(testTypes), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mfile, []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	var warnings strings.Builder
	payload, _, err := dmgen.Generate(mfile, types, &warnings)
	if err != nil {
		return nil, err
	}
	file, err := dmformat.Pack(payload)
	if err != nil {
		t.Fatal(err)
	}
	return decode(string(file))
}

func TestGeneratorFeatures(t *testing.T) {
	s, err := generateTest(t, testModel)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "Box" || s.Version() != (Version{1, 3}) || s.NumObjects() != 2 || s.NumParameters() != 7 {
		t.Fatalf("model %s %v with %d objects, %d parameters", s.Name(), s.Version(), s.NumObjects(), s.NumParameters())
	}
	get := func(p string) *Node {
		n, ok := s.Lookup(p)
		if !ok {
			t.Fatalf("Lookup(%q) failed", p)
		}
		return n
	}
	checkErr(t, "deleted size facet", get("Box.Name").Validate("abcdefg"), ErrValue)
	addr := get("Box.Addr")
	if addr.Version() != (Version{1, 2}) || addr.Type().DataType() != "IPv4Address" {
		t.Errorf("Addr: version %v type %v", addr.Version(), addr.Type())
	}
	checkErr(t, "entity pattern", addr.Validate("10.1.2.3"), nil)
	checkErr(t, "entity pattern", addr.Validate("10.1.2.300"), ErrValue)
	pairs := get("Box.Pairs")
	checkErr(t, "legal brackets", pairs.Validate("[1,2],[3,4]"), nil)
	checkErr(t, "maxItems", pairs.Validate("[1,2],[3,4],[5,6],[7,8]"), ErrValue)
	checkErr(t, "inner list size", pairs.Validate("[1,2,3]"), ErrValue)
	secret := get("Box.Secret")
	if d, ok := secret.Default(); !secret.Hidden() || !ok || d != (Default{DefaultFactory, "x"}) {
		t.Errorf("Secret: hidden %v default %+v", secret.Hidden(), d)
	}
	port := get("Box.Port.7.")
	if !port.IsTable() || port.Writable() || port.Version() != (Version{1, 1}) || port.NumEntriesParameter() != "PortNumberOfEntries" {
		t.Errorf("Port: table %v writable %v version %v", port.IsTable(), port.Writable(), port.Version())
	}
	level := get("Box.Port.7.Level")
	if level.ActiveNotify() != NotifyCanDeny || level.Version() != (Version{1, 1}) || level.Type().DataType() != "OnlyInTypes" {
		t.Errorf("Level: %v %v %v", level.ActiveNotify(), level.Version(), level.Type())
	}
	checkErr(t, "derived range", level.Validate("8"), nil)
	checkErr(t, "derived range", level.Validate("6"), ErrValue)
	checkErr(t, "derived range", level.Validate("12"), ErrValue)
	mode := get("Box.Port.1.Mode")
	checkErr(t, "deleted enumeration", mode.Validate("Gone"), ErrValue)
	checkErr(t, "read-only enumeration", mode.ValidateSet("Off"), ErrValue)
	if mode.Version() != (Version{1, 3}) {
		t.Errorf("Mode version %v", mode.Version())
	}
	if alias := get("Box.Port.1.Alias"); alias.Access() != WriteOnceReadOnly {
		t.Errorf("Alias added by base=: %v", alias.Access())
	}
	if _, ok := s.DataType("OnlyInTypes"); !ok {
		t.Error("a type only in the types file is missing")
	}
}

func TestGeneratorErrors(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(testModel, old) {
			t.Fatalf("test model lacks %q", old)
		}
		return strings.Replace(testModel, old, new, 1)
	}
	for name, model := range map[string]string{
		"unknown type":      replace(`ref="Word"`, `ref="Nope"`),
		"orphan object":     replace(`name="Box.Port.{i}."`, `name="Box.Nowhere.Port.{i}."`),
		"duplicate name":    replace(`name="Addr"`, `name="Name"`),
		"bad pattern":       replace(`<enumeration value="On"/>`, `<pattern value="\p{L}"/>`),
		"bad access":        replace(`access="writeOnceReadOnly"`, `access="sometimes"`),
		"extends nothing":   replace(`base="Box.Port.{i}."`, `base="Box.Pot.{i}."`),
		"range on a string": replace(`<enumeration value="On"/>`, `<range minInclusive="1"/>`),
		"bad version":       replace(`version="1.3"`, `version="1.3.1"`),
		"no syntax":         replace(`<parameter name="Mode" access="readWrite" version="1.3">`, `<parameter name="Mode2"/><parameter name="Mode" access="readWrite" version="1.3">`),
	} {
		if _, err := generateTest(t, model); err == nil {
			t.Errorf("%s: generated without error", name)
		}
	}
	if _, err := decode("GWDM\x09"); err == nil {
		t.Error("decode accepted an unknown format version")
	}
	file, _ := dmformat.Pack([]byte{1, 0, 9})
	if _, err := decode(string(file)); err == nil || errors.Is(err, ErrPath) {
		t.Errorf("decode of a corrupt payload: %v", err)
	}
}
