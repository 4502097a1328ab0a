package api

import (
	"encoding/json"

	"gatewarden/acs/internal/store"
)

// taskView is the Task object of ARCHITECTURE.md.
type taskView struct {
	ID        string          `json:"id"`
	Device    string          `json:"device"`
	Type      string          `json:"type"`
	Status    string          `json:"status" enum:"queued,running,done,fault"`
	Created   jsonTime        `json:"created"`
	Completed jsonTime        `json:"completed" doc:"null until done or fault"`
	Result    json.RawMessage `json:"result" doc:"getParameterValues: {values: [{name, value, type}]}; addObject: {instanceNumber}; null until done"`
	Fault     *faultBody      `json:"fault" doc:"null unless status is fault"`
}

type faultBody struct {
	Code    int    `json:"code" doc:"CWMP fault code (9xxx), or 0 for an ACS-side failure"`
	Message string `json:"message"`
}

func viewTask(t *store.Task, seesSecrets bool) taskView {
	v := taskView{
		ID:        t.ID,
		Device:    t.Device,
		Type:      t.Type,
		Status:    t.Status,
		Created:   jsonTime(t.Created),
		Completed: jsonTime(t.Completed),
		Result:    maskResult(t.Result, seesSecrets),
	}
	if len(v.Result) == 0 {
		v.Result = json.RawMessage("null")
	}
	if t.Fault != nil {
		v.Fault = &faultBody{Code: t.Fault.Code, Message: t.Fault.Message}
	}
	return v
}

// maskResult blanks secret values in a result for callers without
// PermSecrets. Any top-level list of {"name", "value"} objects is masked
// by name (getParameterValues' "values", and whatever other type reports
// values the same way). It fails closed: a result that is not a JSON
// object, or whose "values" or "parameters" is not such a list, is
// withheld.
func maskResult(raw json.RawMessage, seesSecrets bool) json.RawMessage {
	if seesSecrets || len(raw) == 0 {
		return raw
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil
	}
	if top == nil {
		return raw // null
	}
	for key, val := range top {
		masked, isList := maskNamedValues(val)
		switch {
		case isList:
			top[key] = masked
		case key == "values" || key == "parameters":
			return nil
		}
	}
	out, err := json.Marshal(top)
	if err != nil {
		return nil
	}
	return out
}

// maskNamedValues masks a list of {"name", "value", ...} objects; isList
// is false when val is not such a list.
func maskNamedValues(val json.RawMessage) (masked json.RawMessage, isList bool) {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(val, &list); err != nil {
		return nil, false
	}
	for _, item := range list {
		var name string
		if err := json.Unmarshal(item["name"], &name); err != nil {
			return nil, false
		}
		if _, has := item["value"]; !has {
			return nil, false
		}
		if secretParam(name) {
			item["value"] = json.RawMessage(`""`)
		}
	}
	out, err := json.Marshal(list)
	if err != nil {
		return nil, false
	}
	return out, true
}
