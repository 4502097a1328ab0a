package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestMetaRecords(t *testing.T) {
	s, _ := openTemp(t)
	if id, err := s.BootID(); err != nil || id != "" {
		t.Fatalf("fresh BootID = %q, %v", id, err)
	}
	if b, err := s.Bootstrap(); err != nil || b.Done {
		t.Fatalf("fresh Bootstrap = %+v, %v", b, err)
	}
	if n, err := s.RetryCount(); err != nil || n != 0 {
		t.Fatalf("fresh RetryCount = %d, %v", n, err)
	}
	if _, ok, err := s.ConnReqCredentials(); err != nil || ok {
		t.Fatalf("fresh credentials ok=%v, %v", ok, err)
	}
	if _, ok, err := s.LastSession(); err != nil || ok {
		t.Fatalf("fresh last session ok=%v, %v", ok, err)
	}

	must(t, s.SetBootID("3f1c"))
	must(t, s.SetBootstrap(BootstrapState{Done: true, ACSURL: "https://a/cwmp"}))
	must(t, s.SetRetryCount(7))
	must(t, s.SetConnReqCredentials(Credentials{Username: "cr", Password: "cr-secret"}))
	res := SessionResult{Start: t0, End: t0.Add(2 * time.Second), ACSURL: "https://a/cwmp", Events: []string{"1 BOOT", "2 PERIODIC"},
		RetryCount: 2, OK: false, Error: "connection refused", FaultCode: 8005, FaultString: "Retry request"}
	must(t, s.SetLastSession(res))

	if id, _ := s.BootID(); id != "3f1c" {
		t.Fatalf("BootID = %q", id)
	}
	if b, _ := s.Bootstrap(); !b.Done || b.ACSURL != "https://a/cwmp" {
		t.Fatalf("Bootstrap = %+v", b)
	}
	if n, _ := s.RetryCount(); n != 7 {
		t.Fatalf("RetryCount = %d", n)
	}
	if c, ok, _ := s.ConnReqCredentials(); !ok || c.Username != "cr" || c.Password != "cr-secret" {
		t.Fatalf("credentials ok=%v user=%q", ok, c.Username)
	}
	got, ok, _ := s.LastSession()
	if !ok || !got.Start.Equal(res.Start) || got.FaultCode != 8005 || len(got.Events) != 2 || got.Error != res.Error {
		t.Fatalf("LastSession = %+v", got)
	}
}

func TestCredentialsRenderingsHideThePassword(t *testing.T) {
	c := Credentials{Username: "cr", Password: "cr-secret"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("creds", "c", c)
	js, err := json.Marshal(c)
	must(t, err)
	for how, out := range map[string]string{
		"String": c.String(), "%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s": fmt.Sprintf("%s", c), "slog": logs.String(), "json": string(js),
		"in a struct": fmt.Sprintf("%+v", struct{ C Credentials }{c}),
	} {
		if strings.Contains(out, "cr-secret") {
			t.Errorf("%s leaks the password: %s", how, out)
		}
		if !strings.Contains(out, "cr") || !strings.Contains(out, redacted) {
			t.Errorf("%s should show the username and mark the password redacted: %s", how, out)
		}
	}
	if strings.Contains(Credentials{}.String(), redacted) {
		t.Error("an empty password should not read as set")
	}
}
