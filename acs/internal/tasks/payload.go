package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/datamodel"
)

// Task types, as the REST API names them (ARCHITECTURE.md).
const (
	TypeGetParameterValues     = "getParameterValues"
	TypeSetParameterValues     = "setParameterValues"
	TypeAddObject              = "addObject"
	TypeDeleteObject           = "deleteObject"
	TypeReboot                 = "reboot"
	TypeFactoryReset           = "factoryReset"
	TypeDownload               = "download"
	TypeRefresh                = "refresh"
	TypeSetParameterAttributes = "setParameterAttributes"
)

// ErrInvalidTask wraps every payload error, so the API can answer 400.
var ErrInvalidTask = errors.New("invalid task")

// Payloads of the task types. Fields follow the REST API's JSON.
type (
	gpvPayload struct {
		Parameters []string `json:"parameters"`
	}
	spvValue struct {
		Name  string `json:"name"`
		Value string `json:"value"`
		Type  string `json:"type,omitempty"`
	}
	spvPayload struct {
		Values []spvValue `json:"values"`
	}
	objectPayload struct {
		Object string `json:"object"`
	}
	// downloadPayload: File names a file of the ACS's repository and
	// becomes a URL once the files issue lands; until then URL is given.
	downloadPayload struct {
		File           string `json:"file,omitempty"`
		FileType       string `json:"fileType"`
		URL            string `json:"url"`
		FileSize       uint32 `json:"fileSize,omitempty"`
		TargetFileName string `json:"targetFileName,omitempty"`
	}
	refreshPayload struct {
		Prefix string `json:"prefix"`
	}
	spaAttribute struct {
		Name         string `json:"name"`
		Notification int    `json:"notification"`
	}
	spaPayload struct {
		Attributes []spaAttribute `json:"attributes"`
	}
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidTask, fmt.Sprintf(format, args...))
}

// decodePayload reads a payload. Unknown fields are ignored, so the API
// may store its whole request (with "type") as the payload; a misspelt
// field shows up as a missing one.
func decodePayload(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return invalid("payload: %v", err)
	}
	return nil
}

// Validate checks a task before it is queued: its type is known, its
// payload complete and well-formed, and values to set fit the standard
// data model (TR-181 or TR-098, by the parameter's root). root is the
// device's data model root, the default prefix of a refresh. Errors wrap
// ErrInvalidTask.
func Validate(typ string, payload json.RawMessage, root string) error {
	_, err := buildRPC(typ, payload, root, "")
	return err
}

// keyed reports whether the task's RPC carries a ParameterKey (forced
// inform: the next Inform tells whether it was applied).
func keyed(typ string) bool {
	switch typ {
	case TypeSetParameterValues, TypeAddObject, TypeDeleteObject, TypeDiagnostics:
		return true
	}
	return false
}

// needsKey reports whether the task's RPC carries a ParameterKey or a
// CommandKey.
func needsKey(typ string) bool {
	return keyed(typ) || typ == TypeReboot || typ == TypeDownload || typ == TypeUpload
}

// idempotent reports whether sending the task's RPC again is harmless.
func idempotent(typ string) bool {
	switch typ {
	case TypeGetParameterValues, TypeRefresh, TypeSetParameterAttributes:
		return true
	}
	return false
}

// buildRPC turns a task into its (first) RPC; key is the task's Key.
func buildRPC(typ string, payload json.RawMessage, root, key string) (cwmp.Body, error) {
	switch typ {
	case TypeDiagnostics:
		return buildDiagnostics(payload, root, key)
	case TypeUpload:
		return buildUpload(payload, key)
	case TypeGetParameterValues:
		var p gpvPayload
		if err := decodePayload(payload, &p); err != nil {
			return nil, err
		}
		if len(p.Parameters) == 0 {
			return nil, invalid("parameters: at least one name or partial path")
		}
		for _, n := range p.Parameters {
			if err := checkPath(n, false); err != nil {
				return nil, err
			}
		}
		return &cwmp.GetParameterValues{ParameterNames: p.Parameters}, nil
	case TypeSetParameterValues:
		var p spvPayload
		if err := decodePayload(payload, &p); err != nil {
			return nil, err
		}
		if len(p.Values) == 0 {
			return nil, invalid("values: at least one")
		}
		list := make([]cwmp.ParameterValueStruct, len(p.Values))
		seen := make(map[string]bool, len(p.Values))
		for i, v := range p.Values {
			if seen[v.Name] {
				return nil, invalid("values: %q given twice", v.Name)
			}
			seen[v.Name] = true
			pv, err := typedValue(v.Name, v.Value, v.Type)
			if err != nil {
				return nil, err
			}
			list[i] = pv
		}
		return &cwmp.SetParameterValues{ParameterList: list, ParameterKey: key}, nil
	case TypeAddObject, TypeDeleteObject:
		var p objectPayload
		if err := decodePayload(payload, &p); err != nil {
			return nil, err
		}
		if err := checkObject(p.Object, typ == TypeDeleteObject); err != nil {
			return nil, err
		}
		if typ == TypeAddObject {
			return &cwmp.AddObject{ObjectName: p.Object, ParameterKey: key}, nil
		}
		return &cwmp.DeleteObject{ObjectName: p.Object, ParameterKey: key}, nil
	case TypeReboot:
		if err := decodePayload(payload, &struct{}{}); err != nil {
			return nil, err
		}
		return &cwmp.Reboot{CommandKey: key}, nil
	case TypeFactoryReset:
		if err := decodePayload(payload, &struct{}{}); err != nil {
			return nil, err
		}
		return &cwmp.FactoryReset{}, nil
	case TypeDownload:
		var p downloadPayload
		if err := decodePayload(payload, &p); err != nil {
			return nil, err
		}
		return buildDownload(p, key)
	case TypeRefresh:
		var p refreshPayload
		if err := decodePayload(payload, &p); err != nil {
			return nil, err
		}
		path := p.Prefix
		if path == "" {
			path = root
		}
		if path != "" {
			if err := checkPath(path, false); err != nil {
				return nil, err
			}
		}
		return &cwmp.GetParameterNames{ParameterPath: path, NextLevel: false}, nil
	case TypeSetParameterAttributes:
		var p spaPayload
		if err := decodePayload(payload, &p); err != nil {
			return nil, err
		}
		if len(p.Attributes) == 0 {
			return nil, invalid("attributes: at least one")
		}
		list := make([]cwmp.SetParameterAttributesStruct, len(p.Attributes))
		for i, a := range p.Attributes {
			if err := checkPath(a.Name, false); err != nil {
				return nil, err
			}
			if a.Notification < int(cwmp.NotificationOff) || a.Notification > int(cwmp.NotificationPassiveWithActiveLightweight) {
				return nil, invalid("attributes: notification %d of %q is not 0..6", a.Notification, a.Name)
			}
			list[i] = cwmp.SetParameterAttributesStruct{Name: a.Name, NotificationChange: true, Notification: cwmp.Notification(a.Notification)}
		}
		return &cwmp.SetParameterAttributes{ParameterList: list}, nil
	}
	return nil, invalid("unknown task type %q", typ)
}

func buildDownload(p downloadPayload, key string) (cwmp.Body, error) {
	if p.URL == "" {
		if p.File != "" {
			return nil, invalid("download: file %q cannot be served yet; give its url", p.File)
		}
		return nil, invalid("download: url is required")
	}
	u, err := url.Parse(p.URL)
	if err != nil || u.Host == "" {
		return nil, invalid("download: url %q is not absolute", p.URL)
	}
	switch u.Scheme {
	case "http", "https", "ftp":
	default:
		return nil, invalid("download: url scheme %q (http, https or ftp)", u.Scheme)
	}
	if u.User != nil {
		// TR-069 CPEs refuse userinfo in the URL (9003); credentials
		// belong in Username/Password.
		return nil, invalid("download: url must not carry credentials")
	}
	ft := p.FileType
	if ft == "" {
		ft = string(cwmp.FileTypeFirmwareUpgradeImage)
	}
	return &cwmp.Download{
		CommandKey:     key,
		FileType:       cwmp.FileType(ft),
		URL:            p.URL,
		FileSize:       p.FileSize,
		TargetFileName: p.TargetFileName,
	}, nil
}

// checkPath accepts a parameter name or (unless paramOnly) a partial path.
func checkPath(name string, paramOnly bool) error {
	p, err := datamodel.ParsePath(name)
	if err != nil {
		return invalid("%q: %v", name, err)
	}
	if paramOnly && p.IsPartial() {
		return invalid("%q: a parameter name, not a partial path", name)
	}
	return nil
}

// checkObject accepts a table ("X.Y.") for AddObject, an instance
// ("X.Y.3.") for DeleteObject.
func checkObject(name string, instance bool) error {
	if name == "" {
		return invalid("object is required")
	}
	p, err := datamodel.ParsePath(name)
	if err != nil {
		return invalid("%q: %v", name, err)
	}
	if !p.IsPartial() {
		return invalid("object %q must end in \".\"", name)
	}
	last := p.Last()
	if instance && last.Kind != datamodel.SegInstance && last.Kind != datamodel.SegAlias {
		return invalid("object %q must name an instance, e.g. %q", name, strings.TrimSuffix(name, ".")+".1.")
	}
	if !instance && last.IsInstance() {
		return invalid("object %q must name a table, not an instance", name)
	}
	return nil
}
