package storetest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

func testFaults(t *testing.T, s store.Store) {
	a, b := deviceID(1), deviceID(2)
	// Added out of time order: listing is by time, not by arrival.
	for i, at := range []int{3, 1, 4, 2, 5} {
		dev := a
		if i%2 == 1 {
			dev = b
		}
		f := store.Fault{Device: dev, RPC: "SetParameterValues", Code: 9000 + at, Message: fmt.Sprint("fault ", at),
			Time: base.Add(time.Duration(at) * time.Minute)}
		must(t, s.AddFault(ctx, &f))
		if f.ID == "" {
			t.Fatal("AddFault assigned no ID")
		}
	}
	codes := func(fs []store.Fault) []int {
		var out []int
		for _, f := range fs {
			out = append(out, f.Code)
		}
		return out
	}
	check := func(device string, limit int, want ...int) {
		t.Helper()
		fs, err := s.Faults(ctx, device, limit)
		must(t, err)
		got := codes(fs)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("Faults(%q, %d) codes = %v, want %v", device, limit, got, want)
		}
	}
	check("", 0, 9005, 9004, 9003, 9002, 9001)
	check("", 2, 9005, 9004)
	check(a, 0, 9005, 9004, 9003)
	check(b, 0, 9002, 9001)
	check(b, 1, 9002)
	check("nobody", 0)

	fs, err := s.Faults(ctx, a, 1)
	must(t, err)
	f := fs[0]
	if f.Device != a || f.RPC != "SetParameterValues" || f.Message != "fault 5" {
		t.Fatalf("fault = %+v", f)
	}
	sameTime(t, "fault Time", f.Time, base.Add(5*time.Minute))

	// Without a Time, now.
	before := time.Now().Add(-time.Second)
	nf := store.Fault{Device: a, RPC: "Download", Code: 9010, Task: "task-1"}
	must(t, s.AddFault(ctx, &nf))
	fs, err = s.Faults(ctx, a, 1)
	must(t, err)
	if fs[0].Code != 9010 || fs[0].Task != "task-1" || fs[0].Time.Before(before) {
		t.Fatalf("newest fault = %+v", fs[0])
	}
}

func testPresets(t *testing.T, s store.Store) {
	p := store.Preset{Name: "wifi", Filter: `productClass = "GW-1"`, Updated: base,
		Values:     []store.PresetValue{{Name: "Device.WiFi.SSID.1.SSID", Value: "isp"}},
		Attributes: []store.PresetAttribute{{Name: "Device.DeviceInfo.SoftwareVersion", Notification: 2}}}
	must(t, s.PutPreset(ctx, &p))
	if p.Version < 1 || !p.Updated.Equal(base) {
		t.Fatalf("new preset: version %d, updated %v (want as given)", p.Version, p.Updated)
	}
	v1 := p.Version
	// Conditional on the version read: a stale one is refused.
	stale := p
	stale.Version = v1 + 1000
	wantErr(t, s.PutPreset(ctx, &stale), store.ErrConflict, "put with a stale version")
	p.Values[0].Value = "isp-2"
	must(t, s.PutPreset(ctx, &p)) // p.Version is v1: matches
	if p.Version <= v1 {
		t.Fatalf("replaced preset version = %d, want above %d", p.Version, v1)
	}
	v2 := p.Version
	missing := store.Preset{Name: "never-saved", Version: 3}
	wantErr(t, s.PutPreset(ctx, &missing), store.ErrConflict, "conditional put of a missing preset")
	if _, err := s.Preset(ctx, "never-saved"); err == nil {
		t.Fatal("refused conditional put created the preset")
	}
	got, err := s.Preset(ctx, "wifi")
	must(t, err)
	if got.Version != v2 || got.Values[0].Value != "isp-2" || got.Filter != p.Filter || len(got.Attributes) != 1 ||
		got.Attributes[0].Notification != 2 {
		t.Fatalf("stored preset = %+v", got)
	}
	other := store.Preset{Name: "acs-url", Filter: "true"}
	before := time.Now().Add(-time.Second)
	must(t, s.PutPreset(ctx, &other))
	if other.Updated.Before(before) {
		t.Fatalf("Updated without a value = %v, want now", other.Updated)
	}
	all, err := s.Presets(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Name != "acs-url" || all[1].Name != "wifi" {
		t.Fatalf("presets = %+v", all)
	}
	must(t, s.DeletePreset(ctx, "wifi"))
	_, err = s.Preset(ctx, "wifi")
	wantErr(t, err, store.ErrNotFound, "deleted preset")
	wantErr(t, s.DeletePreset(ctx, "wifi"), store.ErrNotFound, "deleting twice")
	// Re-created after a delete, it must not reuse a version: devices and
	// pushes that knew the old preset refer to old versions.
	p.Version = 0
	must(t, s.PutPreset(ctx, &p))
	if p.Version <= v2 {
		t.Fatalf("re-created preset version %d, want above %d", p.Version, v2)
	}
}

func testAudit(t *testing.T, s store.Store) {
	var last uint64
	for i := range 25 {
		e := store.AuditEntry{Actor: "alice", Role: "admin", Action: "PUT /api/v1/presets/{name}",
			Target: fmt.Sprint("p", i), Status: 200}
		if i == 0 {
			e.Time = base
		}
		must(t, s.AppendAudit(ctx, &e))
		if e.Seq <= last {
			t.Fatalf("seq %d after %d", e.Seq, last)
		}
		if e.Time.IsZero() {
			t.Fatal("AppendAudit left Time zero")
		}
		last = e.Seq
	}
	var got []store.AuditEntry
	var after uint64
	for {
		page, err := s.AuditLog(ctx, after, 10)
		must(t, err)
		if len(page) > 10 {
			t.Fatalf("page of %d", len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].Seq
	}
	if len(got) != 25 {
		t.Fatalf("paged %d entries, want 25", len(got))
	}
	for i, e := range got {
		if e.Target != fmt.Sprint("p", i) || e.Actor != "alice" || e.Status != 200 {
			t.Fatalf("entry %d = %+v", i, e)
		}
		if i > 0 && e.Seq <= got[i-1].Seq {
			t.Fatalf("not oldest first: %d then %d", got[i-1].Seq, e.Seq)
		}
	}
	sameTime(t, "given audit Time", got[0].Time, base)
	tail, err := s.AuditLog(ctx, got[22].Seq, 0)
	must(t, err)
	if len(tail) != 2 || tail[0].Seq != got[23].Seq {
		t.Fatalf("tail = %+v", tail)
	}
}

func testTokens(t *testing.T, s store.Store) {
	h1 := sha256.Sum256([]byte("secret-1"))
	h2 := sha256.Sum256([]byte("secret-2"))
	must(t, s.PutToken(ctx, store.Token{Name: "admin", Role: "admin", Hash: h1[:], Created: base}))
	must(t, s.PutToken(ctx, store.Token{Name: "noc", Role: "operator", Hash: h2[:], Created: base}))
	tok, err := s.TokenByHash(ctx, h1[:])
	must(t, err)
	if tok.Name != "admin" || tok.Role != "admin" || !bytes.Equal(tok.Hash, h1[:]) {
		t.Fatalf("token = %+v", tok)
	}
	sameTime(t, "token Created", tok.Created, base)
	missing := sha256.Sum256([]byte("guess"))
	_, err = s.TokenByHash(ctx, missing[:])
	wantErr(t, err, store.ErrNotFound, "unknown token")
	_, err = s.TokenByHash(ctx, nil)
	wantErr(t, err, store.ErrNotFound, "empty hash")
	// Replacing by hash (a role change) keeps one token.
	must(t, s.PutToken(ctx, store.Token{Name: "noc", Role: "readonly", Hash: h2[:], Created: base}))
	all, err := s.ListTokens(ctx)
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("tokens = %+v", all)
	}
	roles := map[string]string{}
	for _, tk := range all {
		roles[tk.Name] = tk.Role
	}
	if roles["admin"] != "admin" || roles["noc"] != "readonly" {
		t.Fatalf("roles = %v", roles)
	}
}
