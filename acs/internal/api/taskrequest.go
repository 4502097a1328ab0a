package api

import (
	"fmt"
	"net/url"
	"strings"

	"gatewarden/protocol/datamodel"
)

// Task types of POST /devices/{id}/tasks.
const (
	taskGetParameterValues     = "getParameterValues"
	taskSetParameterValues     = "setParameterValues"
	taskAddObject              = "addObject"
	taskDeleteObject           = "deleteObject"
	taskReboot                 = "reboot"
	taskFactoryReset           = "factoryReset"
	taskDownload               = "download"
	taskRefresh                = "refresh"
	taskSetParameterAttributes = "setParameterAttributes"
	taskUpload                 = "upload"
)

// taskPermission says which permission each task type needs beyond the
// route's: support staff may read, refresh and reboot, not reconfigure.
var taskPermission = map[string]Permission{
	taskGetParameterValues:     PermTaskSupport,
	taskRefresh:                PermTaskSupport,
	taskReboot:                 PermTaskSupport,
	taskSetParameterValues:     PermTaskConfig,
	taskAddObject:              PermTaskConfig,
	taskDeleteObject:           PermTaskConfig,
	taskFactoryReset:           PermTaskConfig,
	taskDownload:               PermTaskConfig,
	taskSetParameterAttributes: PermTaskConfig,
	// A vendor configuration file may hold the device's secrets.
	taskUpload: PermTaskConfig,
}

// maxTaskNames bounds the names of one task: one RPC has to carry them.
const maxTaskNames = 1000

// taskRequest is the body of POST /devices/{id}/tasks. Which fields apply
// depends on type; a field of another type is refused. After validation
// the same struct, with defaults filled in (value types from the schema),
// is the task's stored payload that the task engine turns into an RPC.
type taskRequest struct {
	Type       string         `json:"type" enum:"getParameterValues,setParameterValues,addObject,deleteObject,reboot,factoryReset,download,refresh,setParameterAttributes,upload"`
	Parameters []string       `json:"parameters,omitempty" doc:"getParameterValues: parameter names or partial paths ending in '.'"`
	Values     []taskValue    `json:"values,omitempty" doc:"setParameterValues"`
	Object     string         `json:"object,omitempty" doc:"addObject: table path ending in '.'; deleteObject: instance path ending in '.'"`
	File       string         `json:"file,omitempty" doc:"download: file name in the ACS file repository"`
	URL        string         `json:"url,omitempty" doc:"download: absolute http, https or ftp URL, instead of a repository file; upload: where the device sends the file (default: this ACS's file server)"`
	FileType   string         `json:"fileType,omitempty" doc:"download: CWMP FileType, e.g. '1 Firmware Upgrade Image'; upload: '1 Vendor Configuration File' or '2 Vendor Log File'"`
	Prefix     string         `json:"prefix,omitempty" doc:"refresh: subtree to re-read (default: the whole tree)"`
	Attributes []taskAttrSpec `json:"attributes,omitempty" doc:"setParameterAttributes"`
}

type taskValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty" doc:"xsd type; defaults from the data-model schema"`
}

type taskAttrSpec struct {
	Name         string `json:"name"`
	Notification int    `json:"notification" doc:"0 off, 1 passive, 2 active (3-6 per TR-069 Amendment 6)"`
}

// validate checks the request for a device whose data model starts at
// root ("" when not known yet) and fills in defaults. Messages never quote
// a parameter value: it may be a secret.
func (t *taskRequest) validate(root string) error {
	if _, ok := taskPermission[t.Type]; !ok {
		if t.Type == "" {
			return taskErr("missing \"type\"; one of %s", taskTypeList())
		}
		return taskErr("unknown task type %q; one of %s", t.Type, taskTypeList())
	}
	if f := t.strayField(); f != "" {
		return taskErr("field %q does not apply to a %s task", f, t.Type)
	}
	switch t.Type {
	case taskGetParameterValues:
		return t.validateGet(root)
	case taskSetParameterValues:
		return t.validateSet(root)
	case taskAddObject, taskDeleteObject:
		return t.validateObject(root)
	case taskDownload:
		return t.validateDownload()
	case taskUpload:
		return t.validateUpload()
	case taskRefresh:
		if t.Prefix == "" {
			return nil
		}
		_, err := checkName(t.Prefix, root, true, "prefix")
		return err
	case taskSetParameterAttributes:
		return t.validateAttributes(root)
	}
	return nil // reboot, factoryReset: nothing to check
}

func taskTypeList() string {
	return "getParameterValues, setParameterValues, addObject, deleteObject, reboot, factoryReset, download, refresh, setParameterAttributes, upload"
}

func taskErr(format string, args ...any) error {
	return badRequest(codeInvalidTask, format, args...)
}

// strayField names a field set that the type does not use.
func (t *taskRequest) strayField() string {
	uses := map[string]bool{}
	switch t.Type {
	case taskGetParameterValues:
		uses["parameters"] = true
	case taskSetParameterValues:
		uses["values"] = true
	case taskAddObject, taskDeleteObject:
		uses["object"] = true
	case taskDownload:
		uses["file"], uses["fileType"], uses["url"] = true, true, true
	case taskUpload:
		uses["fileType"], uses["url"] = true, true
	case taskRefresh:
		uses["prefix"] = true
	case taskSetParameterAttributes:
		uses["attributes"] = true
	}
	set := []struct {
		name string
		set  bool
	}{
		{"parameters", t.Parameters != nil},
		{"values", t.Values != nil},
		{"object", t.Object != ""},
		{"file", t.File != ""},
		{"fileType", t.FileType != ""},
		{"url", t.URL != ""},
		{"prefix", t.Prefix != ""},
		{"attributes", t.Attributes != nil},
	}
	for _, f := range set {
		if f.set && !uses[f.name] {
			return f.name
		}
	}
	return ""
}

// checkName parses a parameter or object name of a task. partial: a path
// ending in "." is allowed. CWMP RPCs name instances by number or alias;
// "{i}" templates and "*" wildcards are for data-model definitions and USP.
func checkName(name, root string, partial bool, what string) (datamodel.Path, error) {
	p, err := datamodel.ParsePath(name)
	if err != nil {
		return p, taskErr("%s: %v", what, err)
	}
	if p.IsEmpty() && !partial {
		return p, taskErr("%s: empty name", what)
	}
	if p.IsPartial() && !partial {
		return p, taskErr("%s %q: a parameter name must not end in '.'", what, name)
	}
	if p.HasTemplate() || p.HasWildcard() {
		return p, taskErr("%s %q: name instances by number, not {i} or *", what, name)
	}
	if root != "" && !p.IsEmpty() && !strings.HasPrefix(name, root) {
		return p, taskErr("%s %q: this device's data model starts at %s", what, name, root)
	}
	return p, nil
}

func checkCount(n int, what string) error {
	if n == 0 {
		return taskErr("give at least one entry in %q", what)
	}
	if n > maxTaskNames {
		return taskErr("%q has %d entries; at most %d per task", what, n, maxTaskNames)
	}
	return nil
}

func (t *taskRequest) validateGet(root string) error {
	if err := checkCount(len(t.Parameters), "parameters"); err != nil {
		return err
	}
	seen := make(map[string]bool, len(t.Parameters))
	for _, name := range t.Parameters {
		if _, err := checkName(name, root, true, "parameter"); err != nil {
			return err
		}
		if seen[name] {
			return taskErr("parameter %q is listed twice", name)
		}
		seen[name] = true
	}
	return nil
}

func (t *taskRequest) validateSet(root string) error {
	if err := checkCount(len(t.Values), "values"); err != nil {
		return err
	}
	seen := make(map[string]bool, len(t.Values))
	for i := range t.Values {
		v := &t.Values[i]
		if _, err := checkName(v.Name, root, false, "parameter"); err != nil {
			return err
		}
		if seen[v.Name] {
			// CWMP refuses a SetParameterValues naming a parameter twice
			// (fault 9003); say so before the device does.
			return taskErr("parameter %q is set twice", v.Name)
		}
		seen[v.Name] = true
		if err := v.resolve(); err != nil {
			return err
		}
	}
	return nil
}

// resolve fills in the value's type from the schema and checks the value
// against it. A parameter the schema does not know (a vendor extension)
// must come with its type.
func (v *taskValue) resolve() error {
	if v.Type != "" {
		k, ok := datamodel.KindOfXSD(v.Type)
		if !ok {
			return taskErr("parameter %q: unknown type %q; use an xsd type such as xsd:string, xsd:unsignedInt, xsd:boolean", v.Name, v.Type)
		}
		v.Type = k.XSD()
	}
	var node *datamodel.Node
	if s := schemaFor(v.Name); s != nil {
		node, _ = s.Lookup(v.Name)
	}
	if node == nil {
		if v.Type == "" {
			return taskErr("parameter %q is not in the data model; give its \"type\"", v.Name)
		}
		return nil
	}
	if !node.Writable() {
		return taskErr("parameter %q is read-only", v.Name)
	}
	if v.Type == "" {
		v.Type = node.XSDType()
	} else if err := node.CheckXSIType(v.Type); err != nil {
		return taskErr("parameter %q: %v", v.Name, err)
	}
	if err := node.ValidateSet(v.Value); err != nil {
		// The datamodel's messages leave hidden and secured values out.
		return taskErr("parameter %q: %v", v.Name, err)
	}
	return nil
}

func (t *taskRequest) validateObject(root string) error {
	if t.Object == "" {
		return taskErr("give the \"object\"")
	}
	p, err := checkName(t.Object, root, true, "object")
	if err != nil {
		return err
	}
	if !p.IsPartial() || p.IsEmpty() {
		return taskErr("object %q must end in '.'", t.Object)
	}
	last := p.Last()
	switch {
	case t.Type == taskAddObject && last.Kind != datamodel.SegName:
		return taskErr("addObject takes the table, e.g. Device.IP.Interface., not an instance")
	case t.Type == taskDeleteObject && last.Kind != datamodel.SegInstance && last.Kind != datamodel.SegAlias:
		return taskErr("deleteObject takes an instance, e.g. Device.IP.Interface.3.")
	}
	s := schemaFor(t.Object)
	if s == nil {
		return nil
	}
	node, ok := s.Lookup(t.Object)
	if !ok {
		return nil // a vendor table the schema does not describe
	}
	if !node.IsTable() || !node.Writable() {
		return taskErr("object %q is not a table that takes %s", t.Object, t.Type)
	}
	return nil
}

// CWMP FileType values of Download (TR-069 A.3.2.8); vendors add "X ...".
var fileTypes = []string{
	"1 Firmware Upgrade Image",
	"2 Web Content",
	"3 Vendor Configuration File",
	"4 Tone File",
	"5 Ringer File",
}

func (t *taskRequest) validateDownload() error {
	if t.File == "" && t.URL == "" || len(t.File) > 1024 || len(t.URL) > 1024 {
		return taskErr("give the \"file\" or \"url\" to download (at most 1024 characters)")
	}
	if t.URL != "" {
		u, err := url.Parse(t.URL)
		switch {
		case err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp":
			return taskErr("url must be an absolute http, https or ftp URL")
		case u.User != nil:
			// CPEs refuse credentials in the URL (TR-069 A.3.2.8).
			return taskErr("url must not carry credentials")
		}
	}
	for _, ft := range fileTypes {
		if t.FileType == ft {
			return nil
		}
	}
	if strings.HasPrefix(t.FileType, "X ") && len(t.FileType) <= 64 {
		return nil
	}
	return taskErr("fileType %q: one of %q or a vendor type \"X OUI name\"", t.FileType, fileTypes)
}

// validateUpload checks an Upload: a vendor configuration or log file,
// to the given http(s) URL or (none given) this ACS's file server.
func (t *taskRequest) validateUpload() error {
	switch t.FileType {
	case "1 Vendor Configuration File", "2 Vendor Log File":
	case "":
		return taskErr("upload: give the fileType, \"1 Vendor Configuration File\" or \"2 Vendor Log File\"")
	default:
		if !strings.HasPrefix(t.FileType, "X ") || len(t.FileType) > 64 {
			return taskErr("upload: fileType %q: \"1 Vendor Configuration File\", \"2 Vendor Log File\" or a vendor type \"X OUI name\"", t.FileType)
		}
	}
	if t.URL != "" {
		u, err := url.Parse(t.URL)
		switch {
		case err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" || len(t.URL) > 1024:
			return taskErr("url must be an absolute http or https URL")
		case u.User != nil:
			return taskErr("url must not carry credentials")
		}
	}
	return nil
}

func (t *taskRequest) validateAttributes(root string) error {
	if err := checkCount(len(t.Attributes), "attributes"); err != nil {
		return err
	}
	seen := make(map[string]bool, len(t.Attributes))
	for _, at := range t.Attributes {
		if _, err := checkName(at.Name, root, true, "parameter"); err != nil {
			return err
		}
		if seen[at.Name] {
			return taskErr("parameter %q is listed twice", at.Name)
		}
		seen[at.Name] = true
		if at.Notification < 0 || at.Notification > 6 {
			return taskErr("parameter %q: notification must be 0 to 6", at.Name)
		}
		if s := schemaFor(at.Name); s != nil {
			if node, ok := s.Lookup(at.Name); ok && node.IsParameter() &&
				node.ActiveNotify() == datamodel.NotifyForceEnabled && at.Notification != 2 {
				return taskErr("parameter %q always notifies actively; its notification cannot change", at.Name)
			}
		}
	}
	return nil
}

// summary describes the task for the audit log: names and counts, never
// values.
func (t *taskRequest) summary() string {
	switch t.Type {
	case taskGetParameterValues:
		return andMore(t.Parameters[0], len(t.Parameters))
	case taskSetParameterValues:
		return andMore(t.Values[0].Name, len(t.Values))
	case taskAddObject, taskDeleteObject:
		return t.Object
	case taskDownload:
		if t.URL != "" {
			u, _ := url.Parse(t.URL)
			return t.FileType + " from " + u.Host // the path may hold a token
		}
		return t.FileType + " " + t.File
	case taskRefresh:
		return "prefix " + t.Prefix
	case taskSetParameterAttributes:
		return andMore(t.Attributes[0].Name, len(t.Attributes))
	}
	return ""
}

func andMore(first string, n int) string {
	if n == 1 {
		return first
	}
	return fmt.Sprintf("%s and %d more", first, n-1)
}
