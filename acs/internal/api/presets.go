package api

import (
	"fmt"
	"net/http"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/datamodel"
)

type presetValue struct {
	Name  string `json:"name"`
	Value string `json:"value" doc:"empty for secret parameters unless the caller is admin"`
	Type  string `json:"type,omitempty" doc:"xsd type; defaults from the schema"`
}

type presetAttribute struct {
	Name         string `json:"name"`
	Notification int    `json:"notification"`
}

// presetView is a stored preset.
type presetView struct {
	Name       string            `json:"name"`
	Filter     string            `json:"filter" doc:"devices the preset applies to; empty: every device"`
	Values     []presetValue     `json:"values"`
	Attributes []presetAttribute `json:"attributes"`
	Version    int64             `json:"version" doc:"increases with every change"`
	Updated    jsonTime          `json:"updated"`
}

type presetList struct {
	Presets []presetView `json:"presets"`
}

// presetInput is the body of PUT /presets/{name}. It accepts what GET
// returns, so a shown preset can be edited and applied back: name must
// match the URL, version (when not 0) must be the stored one, updated is
// ignored.
type presetInput struct {
	Name       string            `json:"name,omitempty" doc:"optional; must equal the name in the URL"`
	Filter     string            `json:"filter"`
	Values     []presetValue     `json:"values"`
	Attributes []presetAttribute `json:"attributes,omitempty"`
	Version    int64             `json:"version,omitempty" doc:"optional: replace only if the stored preset has this version, else 409"`
	Updated    *jsonTime         `json:"updated,omitempty" doc:"ignored"`
}

func viewPreset(p *store.Preset, seesSecrets bool) presetView {
	v := presetView{
		Name: p.Name, Filter: p.Filter, Version: p.Version, Updated: jsonTime(p.Updated),
		Values:     make([]presetValue, 0, len(p.Values)),
		Attributes: make([]presetAttribute, 0, len(p.Attributes)),
	}
	for _, pv := range p.Values {
		v.Values = append(v.Values, presetValue{Name: pv.Name, Value: maskValue(pv.Name, pv.Value, seesSecrets), Type: pv.Type})
	}
	for _, pa := range p.Attributes {
		v.Attributes = append(v.Attributes, presetAttribute(pa))
	}
	return v
}

const maxPresetName = 128

func checkPresetName(name string) error {
	if name == "" || len(name) > maxPresetName {
		return badRequest(codeInvalidPreset, "a preset name is 1 to %d characters", maxPresetName)
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' || ch == '.') {
			return badRequest(codeInvalidPreset, "preset name %q: use letters, digits and _ - . only", name)
		}
	}
	return nil
}

func (a *api) listPresets(c *call) (reply, error) {
	ps, err := a.store.Presets(c.ctx())
	if err != nil {
		return reply{}, fmt.Errorf("presets: %w", err)
	}
	out := presetList{Presets: make([]presetView, 0, len(ps))}
	for i := range ps {
		out.Presets = append(out.Presets, viewPreset(&ps[i], c.seesSecrets()))
	}
	return ok(out)
}

func (a *api) getPreset(c *call) (reply, error) {
	name := c.r.PathValue("name")
	c.target = name
	p, err := a.store.Preset(c.ctx(), name)
	if isNotFound(err) {
		return reply{}, notFound("preset %q not found", name)
	}
	if err != nil {
		return reply{}, fmt.Errorf("preset %q: %w", name, err)
	}
	return ok(viewPreset(&p, c.seesSecrets()))
}

func (a *api) putPreset(c *call) (reply, error) {
	name := c.r.PathValue("name")
	c.target = name
	if err := checkPresetName(name); err != nil {
		return reply{}, err
	}
	var in presetInput
	if err := c.decode(&in); err != nil {
		return reply{}, err
	}
	p, err := in.toPreset(name)
	if err != nil {
		return reply{}, err
	}
	if p.Filter != "" {
		if _, err := a.compileFilter(p.Filter); err != nil {
			return reply{}, badRequest(codeInvalidFilter, "%v", err)
		}
	}
	if a.validate != nil {
		if err := a.validate(p); err != nil {
			return reply{}, badRequest(codeInvalidPreset, "%v", err)
		}
	}
	old, err := a.store.Preset(c.ctx(), name)
	created := isNotFound(err)
	if err != nil && !created {
		return reply{}, fmt.Errorf("preset %q: %w", name, err)
	}
	if in.Version != 0 && (created || old.Version != in.Version) {
		return reply{}, errorf(http.StatusConflict, codeConflict,
			"preset %q is at version %d, not %d: someone changed it; show it again and reapply", name, old.Version, in.Version)
	}
	p.Updated = a.now().UTC()
	if err := a.store.PutPreset(c.ctx(), p); err != nil {
		return reply{}, fmt.Errorf("save preset %q: %w", name, err)
	}
	saved, err := a.store.Preset(c.ctx(), name)
	if err != nil {
		return reply{}, fmt.Errorf("read back preset %q: %w", name, err)
	}
	c.detail = fmt.Sprintf("version %d: %d values, %d attributes", saved.Version, len(saved.Values), len(saved.Attributes))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return reply{status: status, body: viewPreset(&saved, c.seesSecrets())}, nil
}

// toPreset checks the form of the input; what the values mean for the
// data model is ValidatePreset's to judge.
func (in *presetInput) toPreset(name string) (*store.Preset, error) {
	if in.Name != "" && in.Name != name {
		return nil, badRequest(codeInvalidPreset, "the body names preset %q but the URL %q", in.Name, name)
	}
	n := len(in.Values) + len(in.Attributes)
	if n == 0 {
		return nil, badRequest(codeInvalidPreset, "a preset needs at least one entry in \"values\" or \"attributes\"")
	}
	if n > maxTaskNames {
		return nil, badRequest(codeInvalidPreset, "a preset has at most %d values and attributes", maxTaskNames)
	}
	p := &store.Preset{Name: name, Filter: in.Filter}
	seen := make(map[string]bool, len(in.Values))
	for _, v := range in.Values {
		pp, err := datamodel.ParsePath(v.Name)
		if err != nil || pp.IsEmpty() || pp.IsPartial() {
			return nil, badRequest(codeInvalidPreset, "value name %q is not a parameter name", v.Name)
		}
		if seen[v.Name] {
			return nil, badRequest(codeInvalidPreset, "parameter %q is listed twice", v.Name)
		}
		seen[v.Name] = true
		typ := v.Type
		if typ != "" {
			k, ok := datamodel.KindOfXSD(typ)
			if !ok {
				return nil, badRequest(codeInvalidPreset, "parameter %q: unknown type %q", v.Name, typ)
			}
			typ = k.XSD()
		}
		p.Values = append(p.Values, store.PresetValue{Name: v.Name, Value: v.Value, Type: typ})
	}
	for _, at := range in.Attributes {
		if _, err := datamodel.ParsePath(at.Name); err != nil || at.Name == "" {
			return nil, badRequest(codeInvalidPreset, "attribute name %q is not a parameter path", at.Name)
		}
		if at.Notification < 0 || at.Notification > 6 {
			return nil, badRequest(codeInvalidPreset, "parameter %q: notification must be 0 to 6", at.Name)
		}
		p.Attributes = append(p.Attributes, store.PresetAttribute(at))
	}
	return p, nil
}
