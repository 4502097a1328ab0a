//go:build linux

package nstest

import (
	"slices"
	"strings"
	"testing"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/protocol/cwmp"
)

func nextInform(t *testing.T, acs *acstest.Server, a *agent) (*acstest.Session, *acstest.Exchange, *cwmp.Inform) {
	t.Helper()
	s, err := acs.NextSession(ctxFor(t))
	if err != nil {
		t.Fatalf("%v\n%s", err, a.stderr)
	}
	ex, inf, err := s.ExpectInform(ctxFor(t))
	if err != nil {
		t.Fatalf("%v\n%s", err, a.stderr)
	}
	return s, ex, inf
}

func events(inf *cwmp.Inform) []string {
	var out []string
	for _, e := range inf.Event {
		out = append(out, string(e.EventCode))
	}
	slices.Sort(out)
	return out
}

func params(list []cwmp.ParameterValueStruct) map[string]string {
	m := make(map[string]string, len(list))
	for _, p := range list {
		m[p.Name] = p.Value
	}
	return m
}

func open(t *testing.T, s *acstest.Session, ex *acstest.Exchange) {
	t.Helper()
	if err := ex.Reply(acstest.InformResponse()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExpectEmpty(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
}

func call[T cwmp.Body](t *testing.T, s *acstest.Session, req cwmp.Body) T {
	t.Helper()
	_, resp, err := acstest.CallFor[T](ctxFor(t), s, s.Pending(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func end(t *testing.T, s *acstest.Session) {
	t.Helper()
	ex := s.Pending()
	if err := ex.Reply(acstest.Empty()); err != nil {
		t.Fatal(err)
	}
	if err := ex.Written(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
}

func gpv(t *testing.T, s *acstest.Session, names ...string) map[string]string {
	t.Helper()
	return params(call[*cwmp.GetParameterValuesResponse](t, s, &cwmp.GetParameterValues{ParameterNames: names}).ParameterList)
}

// instanceNamed returns the instance path ("Device.IP.Interface.3.") of
// table whose Name is name.
func instanceNamed(t *testing.T, all map[string]string, table, name string) string {
	t.Helper()
	for k, v := range all {
		if v == name && strings.HasPrefix(k, table) && strings.Count(strings.TrimPrefix(k, table), ".") == 1 && strings.HasSuffix(k, ".Name") {
			return strings.TrimSuffix(k, "Name")
		}
	}
	t.Fatalf("no %s instance named %s: %v", table, name, keysWith(all, "Name"))
	return ""
}

func keysWith(all map[string]string, suffix string) map[string]string {
	out := map[string]string{}
	for k, v := range all {
		if strings.HasSuffix(k, "."+suffix) {
			out[k] = v
		}
	}
	return out
}
