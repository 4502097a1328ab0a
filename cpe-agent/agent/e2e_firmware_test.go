package agent_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/agent"
	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/firmware/image"
	"gatewarden/protocol/cwmp"
)

const fwBoard = "gw-e2e"

// firmwareDevice is a device trusting a fresh signing key, with a file
// server holding one package signed by it.
type firmwareDevice struct {
	*device
	pkgURL  string
	version string
}

func newFirmwareDevice(t *testing.T, version string) *firmwareDevice {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := newDevice(t, deviceOpts{})
	pubPEM, _ := image.MarshalPublicKey(pub)
	keys := filepath.Join(t.TempDir(), "firmware-keys.pem")
	if err := os.WriteFile(keys, pubPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	d.cfg.Firmware = agent.FirmwareConfig{KeysFile: keys, Board: fwBoard, HealthTimeout: 10 * time.Minute, BootLimit: 1}

	rootfs := bytes.Repeat([]byte("squashfs"), 64<<10)
	e, _ := image.EntryFrom("rootfs.squashfs", "rootfs", bytes.NewReader(rootfs))
	var pkg bytes.Buffer
	h := &image.Header{Version: version, Boards: []string{fwBoard}, Entries: []image.Entry{e}}
	if err := image.Pack(&pkg, h, []io.Reader{bytes.NewReader(rootfs)}, priv); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "fw.gwfw", time.Unix(1700000000, 0), bytes.NewReader(pkg.Bytes()))
	}))
	t.Cleanup(srv.Close)
	return &firmwareDevice{device: d, pkgURL: srv.URL + "/fw.gwfw", version: version}
}

// requestUpgrade sends the Download in a session opened by a connection
// request and ends the session; the agent then installs and reboots.
func (d *firmwareDevice) requestUpgrade(key string) {
	d.t.Helper()
	s, _ := d.kick()
	resp := callOK[*cwmp.DownloadResponse](d.device, s, &cwmp.Download{
		CommandKey: key, FileType: cwmp.FileTypeFirmwareUpgradeImage, URL: d.pkgURL,
	})
	if resp.Status != 1 {
		d.t.Fatalf("DownloadResponse status %d", resp.Status)
	}
	d.end(s)
}

// waitBoots waits (real time) until the sim has been built n times.
func (d *firmwareDevice) waitBoots(n int) {
	d.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for d.boots() < n {
		if time.Now().After(deadline) {
			d.t.Fatalf("boot %d did not happen (boots: %d)", n, d.boots())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func softwareVersion(inf *cwmp.Inform) string {
	for _, p := range inf.ParameterList {
		if p.Name == "Device.DeviceInfo.SoftwareVersion" {
			return p.Value
		}
	}
	return ""
}

// untilTransferComplete plays the ACS, answering every session fully,
// until a TransferComplete arrives; it returns it with the Inform of its
// session.
func (d *firmwareDevice) untilTransferComplete(s *acstest.Session, ex *acstest.Exchange, inf *cwmp.Inform) (*cwmp.TransferComplete, *cwmp.Inform) {
	d.t.Helper()
	for range 5 {
		if s == nil {
			s, ex, inf = d.inform()
		}
		if err := ex.Reply(acstest.InformResponse()); err != nil {
			d.t.Fatal(err)
		}
		seen, err := s.Finish(d.ctx(), nil)
		if err != nil {
			d.t.Fatal(err)
		}
		d.result()
		for _, x := range seen {
			if x.Envelope != nil {
				if tc, ok := x.Envelope.Body.(*cwmp.TransferComplete); ok {
					return tc, inf
				}
			}
		}
		s = nil
	}
	d.t.Fatal("no TransferComplete in 5 sessions")
	return nil, nil
}

// TestE2EFirmwareUpgrade: Download → streamed install into slot b →
// reboot (in-process on the sim) → the new image's Inform carries the new
// SoftwareVersion → committed → TransferComplete 0 with 7 TRANSFER
// COMPLETE and M Download; FirmwareImage.{i} shows both slots.
func TestE2EFirmwareUpgrade(t *testing.T) {
	d := newFirmwareDevice(t, "2.0.0-e2e")
	d.booted()
	d.requestUpgrade("fw-up")
	d.waitBoots(2)

	s, ex, inf := d.inform()
	wantEvents(t, inf, "1 BOOT")
	if v := softwareVersion(inf); v != "2.0.0-e2e" {
		t.Fatalf("SoftwareVersion after the reboot %q, want the new slot's", v)
	}
	d.open(s, ex)
	d.end(s)

	tc, inf := d.untilTransferComplete(nil, nil, nil)
	if tc.CommandKey != "fw-up" || tc.FaultStruct.FaultCode != 0 {
		t.Fatalf("TransferComplete %+v", tc)
	}
	wantEvents(t, inf, "7 TRANSFER COMPLETE", "M Download/fw-up")

	s, _ = d.kick()
	got := values(callOK[*cwmp.GetParameterValuesResponse](d.device, s, gpv("Device.DeviceInfo.FirmwareImage.")).ParameterList)
	d.end(s)
	var active, other string
	for name, v := range got {
		if strings.HasSuffix(name, ".Status") && v == "Active" {
			active = strings.TrimSuffix(name, "Status")
		} else if strings.HasSuffix(name, ".Status") {
			other = strings.TrimSuffix(name, "Status")
		}
	}
	if active == "" || got[active+"Version"] != "2.0.0-e2e" || got[other+"Version"] != "1.0.0-e2e" || got[other+"Status"] != "Available" {
		t.Fatalf("FirmwareImage after the upgrade: %v", got)
	}
}

// TestE2EFirmwareRollback is acceptance 3 of issue 7: the new image never
// reaches the ACS (its Informs are refused), so it is not committed; the
// agent reboots after the health deadline, the bootloader falls back to the
// old slot, and the ACS receives TransferComplete 9010 from the old image.
func TestE2EFirmwareRollback(t *testing.T) {
	d := newFirmwareDevice(t, "2.0.0-broken")
	d.booted()
	d.requestUpgrade("fw-bad")
	d.waitBoots(2)

	// The new image cannot get through: every Inform is refused. Time
	// moves on until the health deadline has passed and the bootloader,
	// its count run out, has gone back to the old image.
	deadline := time.Now().Add(waitLimit)
	refused := 0
	var back *acstest.Session
	var backEx *acstest.Exchange
	var backInf *cwmp.Inform
	for back == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no fallback (boots %d, %d Informs refused)", d.boots(), refused)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		s, err := d.acs.NextSession(ctx)
		cancel()
		if err != nil {
			d.clk.Advance(time.Minute)
			continue
		}
		ex, inf, err := s.ExpectInform(d.ctx())
		if err != nil {
			t.Fatal(err)
		}
		if softwareVersion(inf) == "2.0.0-broken" {
			ex.Reply(acstest.Status(http.StatusServiceUnavailable))
			refused++
			continue
		}
		back, backEx, backInf = s, ex, inf
	}
	if refused == 0 || d.boots() < 3 {
		t.Fatalf("%d Informs refused, %d boots: the trial image never ran", refused, d.boots())
	}

	tc, inf := d.untilTransferComplete(back, backEx, backInf)
	if tc.CommandKey != "fw-bad" || tc.FaultStruct.FaultCode != cwmp.FaultDownloadFailure ||
		!strings.Contains(tc.FaultStruct.FaultString, "rolled back") {
		t.Fatalf("TransferComplete %+v", tc)
	}
	if v := softwareVersion(inf); v != "1.0.0-e2e" {
		t.Fatalf("SoftwareVersion after the rollback %q", v)
	}
	found := false
	for _, e := range inf.Event {
		found = found || e.EventCode == "M Download"
	}
	if !found {
		t.Fatalf("TransferComplete session events %q", events(inf))
	}
}
