package cwmp

import (
	"encoding/json"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

// dumpEnvelope renders an envelope for failure messages; pointers inside
// the header and body are followed, unlike %+v.
func dumpEnvelope(e *Envelope) string {
	b, err := json.MarshalIndent(struct {
		Envelope *Envelope
		Method   string
	}{e, methodOf(e)}, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func methodOf(e *Envelope) string {
	if e == nil || e.Body == nil {
		return ""
	}
	return e.Body.Method()
}
