package provision

import (
	"strconv"
	"strings"
)

// FilterError is a filter that does not compile: a syntax error, an unknown
// field or a comparison that cannot be typed. Col is the 1-based column,
// counted in characters, where the problem starts.
type FilterError struct {
	Col int
	Msg string
}

func (e *FilterError) Error() string {
	return "col " + strconv.Itoa(e.Col) + ": " + e.Msg
}

// Problem is one reason a preset was refused.
type Problem struct {
	// Field is the part of the preset: "name", "filter", "values[2]",
	// "attributes[0]".
	Field string
	// Parameter is the parameter concerned, if any.
	Parameter string
	Reason    string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Field)
	if p.Parameter != "" {
		b.WriteString(" (")
		b.WriteString(p.Parameter)
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(p.Reason)
	return b.String()
}

// PresetError lists everything wrong with a preset, so an operator fixes
// it in one round rather than one error at a time.
type PresetError struct {
	Preset   string
	Problems []Problem
}

func (e *PresetError) Error() string {
	var b strings.Builder
	b.WriteString("invalid preset ")
	b.WriteString(strconv.Quote(e.Preset))
	b.WriteString(": ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}
