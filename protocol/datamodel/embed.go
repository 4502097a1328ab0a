package datamodel

import (
	_ "embed"
	"sync"
)

// The generated schemas (see internal/gen). Each is decoded on first use,
// and a program that never calls TR098 does not link its data.
var (
	//go:embed data/tr-181-2-17-0.gwdm
	tr181File string
	//go:embed data/tr-098-1-8-0.gwdm
	tr098File string
)

// The Onces are referenced from the accessors only, never from package
// initialisation, so that the linker can drop a schema nobody asks for.
var tr181, tr098 struct {
	once   sync.Once
	schema *Schema
}

// TR181 returns the TR-181 Issue 2 Amendment 17 CWMP data model
// (Device:2.17), decoding it on first use.
func TR181() *Schema {
	tr181.once.Do(func() { tr181.schema = mustDecode(tr181File) })
	return tr181.schema
}

// TR098 returns the TR-098 Amendment 8 data model
// (InternetGatewayDevice:1.14), decoding it on first use.
func TR098() *Schema {
	tr098.once.Do(func() { tr098.schema = mustDecode(tr098File) })
	return tr098.schema
}

// mustDecode panics on a file that does not decode: the files are
// generated, embedded and tested, so failure means a broken build.
func mustDecode(file string) *Schema {
	s, err := decode(file)
	if err != nil {
		panic("datamodel: embedded schema: " + err.Error())
	}
	return s
}
