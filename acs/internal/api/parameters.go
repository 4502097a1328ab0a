package api

import (
	"fmt"

	"gatewarden/acs/internal/store"
)

// parameterView is one entry of GET /devices/{id}/parameters.
type parameterView struct {
	Name     string   `json:"name"`
	Value    string   `json:"value" doc:"empty for hidden and secured parameters unless the caller is admin"`
	Type     string   `json:"type" doc:"xsd type, e.g. xsd:unsignedInt"`
	Writable *bool    `json:"writable" doc:"null while unknown"`
	Updated  jsonTime `json:"updated" doc:"when the ACS last learnt this value"`
}

type parameterList struct {
	Parameters []parameterView `json:"parameters"`
}

func (a *api) getParameters(c *call) (reply, error) {
	id, err := deviceCall(c)
	if err != nil {
		return reply{}, err
	}
	prefix := c.query("prefix")
	if len(prefix) > 1024 {
		return reply{}, badRequest(codeInvalidQuery, "prefix is longer than any parameter name")
	}
	// The device must exist: an empty list would hide a typo in the ID.
	if _, err := a.loadDevice(c, id); err != nil {
		return reply{}, err
	}
	ps, err := a.store.Params(c.ctx(), id, prefix)
	if err != nil {
		return reply{}, fmt.Errorf("parameters of %s: %w", id, err)
	}
	out := parameterList{Parameters: make([]parameterView, 0, len(ps))}
	for i := range ps {
		out.Parameters = append(out.Parameters, viewParam(&ps[i], c.seesSecrets()))
	}
	c.detail = fmt.Sprintf("%d parameters", len(ps))
	if prefix != "" {
		c.detail += " under " + prefix
	}
	return ok(out)
}

func viewParam(p *store.Param, seesSecrets bool) parameterView {
	w := p.Writable
	if w == nil {
		// Until GetParameterNames has told, the schema's access is the
		// best guess a client can get.
		if s := schemaFor(p.Name); s != nil {
			if n, ok := s.Lookup(p.Name); ok {
				wr := n.Writable()
				w = &wr
			}
		}
	}
	return parameterView{
		Name:     p.Name,
		Value:    maskValue(p.Name, p.Value, seesSecrets),
		Type:     p.Type,
		Writable: w,
		Updated:  jsonTime(p.Updated),
	}
}
