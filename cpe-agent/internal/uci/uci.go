// Package uci reads and writes configuration files in the syntax of
// OpenWrt's Unified Configuration Interface (/etc/config/*), so the agent's
// own config file can be edited with OpenWrt's tools and by hand alike.
//
// A file holds an optional `package <name>` line and sections:
//
//	config agent 'main'
//		option acs_url 'https://acs.example.net/cwmp'
//		list ntp_server '0.openwrt.pool.ntp.org'
//
// Tokens follow uci's quoting rules: single quotes take everything literally
// up to the next single quote; double quotes allow backslash escapes; an
// unquoted backslash escapes the next character; a backslash at the end of a
// line continues the statement on the next line (except inside single
// quotes); adjacent quoted and unquoted parts form one token ('a'"b"c is
// "abc"); an unquoted # starts a comment running to the end of the line.
// The one-letter command forms uci accepts (p, c, o, l) are accepted too.
//
// Where uci's own behaviour is loose this package picks one rule and
// documents it: an option set twice keeps the last value; `list` after a
// plain option of the same name turns it into a list holding the old value
// first; a plain `option` after a list replaces the list; a named section
// declared again with the same type continues the first declaration, with a
// different type it is an error; an empty quoted value is allowed.
package uci

// File is one parsed configuration file (one uci package).
type File struct {
	// Package is the name given by a `package` line, empty when the file
	// has none (the usual case: uci names a package after its file).
	Package  string
	sections []*Section
}

// Section is one `config <type> [<name>]` block.
type Section struct {
	Type string
	// Name is empty for an anonymous section.
	Name string
	// Line is where the section was first declared; 0 if built in code.
	Line    int
	options []*Option
}

// Option is one option or list of a section.
type Option struct {
	Name string
	// Values holds exactly one value for a plain option, one or more for a
	// list.
	Values []string
	List   bool
	// Line is where the option was last set; 0 if built in code.
	Line int
}

// Sections returns the sections of type typ in file order, or every section
// when typ is empty.
func (f *File) Sections(typ string) []*Section {
	var out []*Section
	for _, s := range f.sections {
		if typ == "" || s.Type == typ {
			out = append(out, s)
		}
	}
	return out
}

// Section returns the section named name, or nil. When typ is not empty the
// section must also be of that type. Anonymous sections have no name and
// are reached through Sections.
func (f *File) Section(typ, name string) *Section {
	if name == "" {
		return nil
	}
	for _, s := range f.sections {
		if s.Name == name {
			if typ != "" && s.Type != typ {
				return nil
			}
			return s
		}
	}
	return nil
}

// AddSection appends a new section and returns it. A named section that
// already exists is returned as is when its type matches; otherwise the new
// section is appended and Format will reject the clash.
func (f *File) AddSection(typ, name string) *Section {
	if s := f.Section(typ, name); s != nil {
		return s
	}
	s := &Section{Type: typ, Name: name}
	f.sections = append(f.sections, s)
	return s
}

// RemoveSection removes s from the file; it reports whether s was there.
func (f *File) RemoveSection(s *Section) bool {
	for i, have := range f.sections {
		if have == s {
			f.sections = append(f.sections[:i], f.sections[i+1:]...)
			return true
		}
	}
	return false
}

// Option returns the value of the plain option key. A list is not a plain
// option: for it, ok is false (use List).
func (s *Section) Option(key string) (value string, ok bool) {
	o := s.lookup(key)
	if o == nil || o.List {
		return "", false
	}
	return o.Values[0], true
}

// List returns the values of the list key in file order. A plain option
// reads as a one-element list, as most OpenWrt daemons accept either form.
// The result is a copy.
func (s *Section) List(key string) []string {
	o := s.lookup(key)
	if o == nil {
		return nil
	}
	return append([]string(nil), o.Values...)
}

// Options returns copies of the section's options in the order they first
// appeared.
func (s *Section) Options() []Option {
	out := make([]Option, len(s.options))
	for i, o := range s.options {
		out[i] = *o
		out[i].Values = append([]string(nil), o.Values...)
	}
	return out
}

// Set makes key a plain option holding value, replacing any option or list
// of that name in place.
func (s *Section) Set(key, value string) {
	s.set(key, value, 0)
}

// Add appends value to the list key, creating the list, or converting a
// plain option of that name into a list that starts with its value.
func (s *Section) Add(key, value string) {
	s.add(key, value, 0)
}

// Delete removes the option or list key; it reports whether it existed.
func (s *Section) Delete(key string) bool {
	for i, o := range s.options {
		if o.Name == key {
			s.options = append(s.options[:i], s.options[i+1:]...)
			return true
		}
	}
	return false
}

func (s *Section) lookup(key string) *Option {
	for _, o := range s.options {
		if o.Name == key {
			return o
		}
	}
	return nil
}

func (s *Section) set(key, value string, line int) {
	if o := s.lookup(key); o != nil {
		o.Values = []string{value}
		o.List = false
		o.Line = line
		return
	}
	s.options = append(s.options, &Option{Name: key, Values: []string{value}, Line: line})
}

func (s *Section) add(key, value string, line int) {
	if o := s.lookup(key); o != nil {
		o.Values = append(o.Values, value)
		o.List = true
		o.Line = line
		return
	}
	s.options = append(s.options, &Option{Name: key, Values: []string{value}, List: true, Line: line})
}
