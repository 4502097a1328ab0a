package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesPrivateFileWithSchema(t *testing.T) {
	s, path := openTemp(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Fatalf("file mode %o, want 600: it holds credentials", perm)
	}
	v, minReader, err := s.SchemaVersion()
	if err != nil || v != baseSchema || minReader != baseSchema {
		t.Fatalf("SchemaVersion = %d, %d, %v; want %d, %d", v, minReader, err, baseSchema, baseSchema)
	}
	// AllocSize keeps the file small: a fresh store stays well under the
	// 1 MiB map and far from bbolt's 16 MiB growth step.
	if st.Size() > 256<<10 {
		t.Fatalf("fresh store is %d bytes", st.Size())
	}
}

func TestOpenSecondAgentFailsFast(t *testing.T) {
	_, path := openTemp(t)
	start := time.Now()
	_, err := Open(path, Options{LockTimeout: 100 * time.Millisecond})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "second cpe-agent") || !strings.Contains(err.Error(), path) {
		t.Fatalf("message %q should name the file and the likely cause", err)
	}
	if elapsed > 2*time.Second {
		t.Fatalf("second Open took %v", elapsed)
	}
}

func TestOpenMissingDirectoryIsNotCorruption(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "missing", "state.db"), Options{})
	if err == nil || errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open in a missing directory = %v; want an error that is not ErrCorrupt", err)
	}
}

func TestOpenRefusesForeignBoltFile(t *testing.T) {
	path := tempPath(t)
	db, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("devices"))
		return err
	}))
	must(t, db.Close())
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "not a cpe-agent state file") {
		t.Fatalf("Open of an ACS-like bbolt file = %v", err)
	}
}

func TestClosedStoreFails(t *testing.T) {
	s, _ := openTemp(t)
	must(t, s.Close())
	if _, err := s.AppendEvent(Event{Code: "1 BOOT"}); err == nil {
		t.Fatal("AppendEvent on a closed store succeeded")
	}
	if _, err := s.Values(); err == nil {
		t.Fatal("Values on a closed store succeeded")
	}
}

func TestMaxSizeGivesErrFull(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, Options{MaxSize: 256 << 10})
	big := strings.Repeat("x", 16<<10)
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = s.SaveValues(map[string]string{"Device.X." + string(rune('A'+i%26)) + strings.Repeat("y", i): big})
	}
	if !errors.Is(err, ErrFull) {
		t.Fatalf("filling a 256 KiB store gave %v, want ErrFull", err)
	}
	// The store is still usable for reads and small deletes.
	vals, rerr := s.Values()
	if rerr != nil || len(vals) == 0 {
		t.Fatalf("Values after ErrFull = %d values, %v", len(vals), rerr)
	}
	st, _ := os.Stat(path)
	if st.Size() > 256<<10 {
		t.Fatalf("file grew to %d bytes past MaxSize", st.Size())
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	s, _ := openTemp(t)
	seq, err := s.AppendEvent(Event{Code: "M Reboot", CommandKey: "k1", Time: t0})
	must(t, err)
	must(t, s.SaveValues(map[string]string{"Device.ManagementServer.URL": "https://acs.example/cwmp"}))
	n, err := s.AddInstance("Device.IP.Interface.")
	must(t, err)
	must(t, s.SaveAttributes(map[string]Attributes{"Device.WiFi.SSID.1.SSID": {Notification: 2, AccessList: []string{"Subscriber"}}}))
	tid, err := s.SaveTransfer(Transfer{Kind: KindDownload, CommandKey: "fw", URL: "https://files.example/fw.bin", Password: "pw"})
	must(t, err)
	sid, err := s.AddScheduledInform(t0.Add(time.Minute), "s1")
	must(t, err)
	must(t, s.SetBootID("boot-1"))
	must(t, s.SetBootstrap(BootstrapState{Done: true, ACSURL: "https://acs.example/cwmp"}))
	must(t, s.SetRetryCount(3))
	must(t, s.SetConnReqCredentials(Credentials{Username: "u", Password: "p"}))
	must(t, s.SetLastSession(SessionResult{Start: t0, End: t0.Add(time.Second), OK: true, Events: []string{"1 BOOT"}}))

	s = reopen(t, s)

	events, err := s.Events()
	must(t, err)
	if len(events) != 1 || events[0].Seq != seq || events[0].CommandKey != "k1" || !events[0].Time.Equal(t0) {
		t.Fatalf("events after reopen = %+v", events)
	}
	if v, _ := s.Values(); v["Device.ManagementServer.URL"] != "https://acs.example/cwmp" {
		t.Fatalf("values after reopen = %v", v)
	}
	if inst, _ := s.Instances(); len(inst["Device.IP.Interface."]) != 1 || inst["Device.IP.Interface."][0] != n {
		t.Fatalf("instances after reopen = %v", inst)
	}
	if next, _ := s.NextInstance("Device.IP.Interface."); next != n+1 {
		t.Fatalf("counter after reopen gave %d, want %d", next, n+1)
	}
	if a, _ := s.Attributes(); a["Device.WiFi.SSID.1.SSID"].Notification != 2 || a["Device.WiFi.SSID.1.SSID"].AccessList[0] != "Subscriber" {
		t.Fatalf("attributes after reopen = %v", a)
	}
	if tr, err := s.Transfer(tid); err != nil || tr.Password != "pw" || tr.State != TransferQueued {
		t.Fatalf("transfer after reopen = %v, %v (password kept: %v)", tr, err, tr.Password == "pw")
	}
	if si, _ := s.ScheduledInforms(); len(si) != 1 || si[0].ID != sid || si[0].CommandKey != "s1" {
		t.Fatalf("scheduled after reopen = %+v", si)
	}
	if id, _ := s.BootID(); id != "boot-1" {
		t.Fatalf("boot id after reopen = %q", id)
	}
	if b, _ := s.Bootstrap(); !b.Done || b.ACSURL != "https://acs.example/cwmp" {
		t.Fatalf("bootstrap after reopen = %+v", b)
	}
	if n, _ := s.RetryCount(); n != 3 {
		t.Fatalf("retry count after reopen = %d", n)
	}
	if c, ok, _ := s.ConnReqCredentials(); !ok || c.Username != "u" || c.Password != "p" {
		t.Fatalf("credentials after reopen: ok=%v user=%q", ok, c.Username)
	}
	if r, ok, _ := s.LastSession(); !ok || !r.OK || r.Events[0] != "1 BOOT" {
		t.Fatalf("last session after reopen = %+v, %v", r, ok)
	}
}

// TestReopenDoesNotWrite: an agent start must not cost a flash write when
// the file is already up to date.
func TestReopenDoesNotWrite(t *testing.T) {
	s, path := openTemp(t)
	must(t, s.Close())
	before, err := os.ReadFile(path)
	must(t, err)
	s = openAt(t, path, Options{})
	must(t, s.Close())
	after, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Equal(before, after) {
		t.Fatal("reopening an up-to-date store changed the file")
	}
}
