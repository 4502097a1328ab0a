package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// schemaNames gives each body type its name in components/schemas. A
// struct reachable from the route table that is missing here stops New:
// the document must not describe anonymous shapes.
var schemaNames = map[reflect.Type]string{
	typeOf(deviceView{}):      "Device",
	typeOf(deviceList{}):      "DeviceList",
	typeOf(parameterView{}):   "Parameter",
	typeOf(parameterList{}):   "ParameterList",
	typeOf(taskView{}):        "Task",
	typeOf(faultBody{}):       "TaskFault",
	typeOf(taskRequest{}):     "TaskRequest",
	typeOf(taskValue{}):       "TaskValue",
	typeOf(taskAttrSpec{}):    "TaskAttribute",
	typeOf(faultView{}):       "Fault",
	typeOf(faultList{}):       "FaultList",
	typeOf(presetView{}):      "Preset",
	typeOf(presetInput{}):     "PresetInput",
	typeOf(presetValue{}):     "PresetValue",
	typeOf(presetAttribute{}): "PresetAttribute",
	typeOf(presetList{}):      "PresetList",
	typeOf(auditView{}):       "AuditEntry",
	typeOf(auditLog{}):        "AuditLog",
	typeOf(errorBody{}):       "Error",
}

func typeOf(v any) reflect.Type { return reflect.TypeOf(v) }

var (
	jsonTimeType   = typeOf(jsonTime{})
	rawMessageType = typeOf(json.RawMessage{})
)

type schemaGen struct {
	schemas map[string]any
}

func newSchemaGen() *schemaGen { return &schemaGen{schemas: map[string]any{}} }

// ref returns the schema of t, adding named structs to g.schemas.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	switch {
	case t == jsonTimeType:
		return map[string]any{"type": "string", "format": "date-time", "nullable": true}
	case t == rawMessageType:
		return map[string]any{"nullable": true, "description": "any JSON value"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64", "minimum": 0}
	case reflect.Float64:
		return map[string]any{"type": "number", "format": "double"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.ref(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Pointer:
		return map[string]any{"allOf": []any{g.ref(t.Elem())}, "nullable": true}
	case reflect.Struct:
		name, ok := schemaNames[t]
		if !ok {
			panic(fmt.Sprintf("api openapi: no schema name for %v", t))
		}
		if _, done := g.schemas[name]; !done {
			g.schemas[name] = nil // reserve against recursion
			g.schemas[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	panic(fmt.Sprintf("api openapi: no schema for %v", t))
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		s := g.ref(f.Type)
		if enum := f.Tag.Get("enum"); enum != "" {
			s["enum"] = strings.Split(enum, ",")
		}
		if doc := f.Tag.Get("doc"); doc != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}}
			}
			s["description"] = doc
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if required != nil {
		o["required"] = required
	}
	return o
}
