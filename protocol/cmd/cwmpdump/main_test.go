package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatewarden/protocol/buildinfo"
	"gatewarden/protocol/cwmp"
)

func runWith(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "cwmp", "testdata", "golden", name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("golden file: %v", err)
	}
	return path
}

func TestDumpInformFromFile(t *testing.T) {
	code, out, errOut := runWith(t, "", golden(t, "Header-SupportedCWMPVersions.xml"))
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var doc struct {
		Namespace string
		Version   string
		Header    map[string]any
		Method    string
		Body      struct {
			DeviceId      map[string]string
			Event         []map[string]string
			CurrentTime   string
			ParameterList []map[string]string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if doc.Namespace != cwmp.NamespaceCWMP12 || doc.Version != "1.4" || doc.Method != "Inform" {
		t.Errorf("namespace %q version %q method %q", doc.Namespace, doc.Version, doc.Method)
	}
	if doc.Header["ID"] != "3" || doc.Header["SessionTimeout"] != float64(30) || doc.Header["SupportedCWMPVersions"] != "1.0,1.1,1.2,1.3,1.4" {
		t.Errorf("header %v", doc.Header)
	}
	if _, ok := doc.Header["HoldRequests"]; ok {
		t.Error("absent HoldRequests printed")
	}
	if doc.Body.DeviceId["OUI"] != "00D09E" || doc.Body.Event[1]["EventCode"] != "M Reboot" || doc.Body.CurrentTime != "2024-03-05T14:07:31+01:00" {
		t.Errorf("body %+v", doc.Body)
	}
	if p := doc.Body.ParameterList[6]; p["Name"] != "Device.ManagementServer.AliasBasedAddressing" || p["Value"] != "0" || p["Type"] != "boolean" {
		t.Errorf("parameter %v", p)
	}
	if !strings.HasPrefix(out, "{\n  \"namespace\"") {
		t.Errorf("not indented in the documented key order:\n%.80s", out)
	}
}

func TestDumpFromStdinShowsOperationTypes(t *testing.T) {
	data, err := os.ReadFile(golden(t, "ChangeDUState.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {"-"}} {
		code, out, errOut := runWith(t, string(data), args...)
		if code != 0 || errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		var doc struct {
			Body struct{ Operations []map[string]string }
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, op := range doc.Body.Operations {
			types = append(types, op["type"])
		}
		if strings.Join(types, ",") != "InstallOpStruct,UpdateOpStruct,UninstallOpStruct,UpdateOpStruct" {
			t.Errorf("%v: operation types %v", args, types)
		}
	}
}

func TestDumpErrors(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  []string
	}{
		{"malformed", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap:Header><cwmp:ID>x-1</cwmp:ID></soap:Header><soap:Body><cwmp:Inform><DeviceId/><RetryCount>
many</RetryCount></cwmp:Inform></soap:Body></soap:Envelope>`, nil, 1,
			[]string{"cwmpdump: stdin: malformed: Inform/RetryCount:", "an ACS answers fault 8003 Invalid arguments", "a CPE fault 9003", `cwmp:ID "x-1"`}},
		{"unknown method", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><c:X_Foo xmlns:c="urn:dslforum-org:cwmp-1-0"/></s:Body></s:Envelope>`, nil, 1,
			[]string{"unknown-method", "X_Foo", "fault 8000 Method not supported"}},
		{"SOAP 1.2", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`, []string{"-"}, 1, []string{"soap-1.2", "fault 8003"}},
		{"empty input", "", nil, 1, []string{"malformed: empty message"}},
		{"missing file", "", []string{filepath.Join(t.TempDir(), "nope.xml")}, 1, []string{"cwmpdump:", "no such file"}},
		{"two arguments", "", []string{"a", "b"}, 2, []string{"usage: cwmpdump"}},
		{"unknown flag", "", []string{"-x"}, 2, []string{"unknown flag -x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runWith(t, tc.stdin, tc.args...)
			if code != tc.code || out != "" {
				t.Fatalf("exit %d (want %d), stdout %q", code, tc.code, out)
			}
			if strings.Count(errOut, "\n") != 1 && tc.code == 1 {
				t.Errorf("stderr is not one line: %q", errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := runWith(t, "", "version")
	if code != 0 || out != "cwmpdump "+buildinfo.String()+"\n" {
		t.Errorf("version: %d %q", code, out)
	}
	code, out, _ = runWith(t, "", "-h")
	if code != 0 || !strings.HasPrefix(out, "usage: cwmpdump") {
		t.Errorf("help: %d %q", code, out)
	}
}
