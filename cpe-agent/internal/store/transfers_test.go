package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/redact"
)

func TestTransferLifecycle(t *testing.T) {
	s, _ := openTemp(t)
	id, err := s.SaveTransfer(Transfer{
		Kind: KindDownload, CommandKey: "fw-2.1", FileType: "1 Firmware Upgrade Image",
		URL: "https://files.example/fw.bin", Username: "dl", Password: "dl-secret",
		FileSize: 1 << 20, NotBefore: t0.Add(time.Minute), Data: []byte(`{"slot":"b"}`),
	})
	must(t, err)
	id2, err := s.SaveTransfer(Transfer{Kind: KindUpload, CommandKey: "fw-2.1", URL: "https://files.example/up"})
	must(t, err)
	if id == 0 || id2 <= id {
		t.Fatalf("ids %d, %d", id, id2)
	}

	tr, err := s.EnterTransferState(id, TransferTransferring)
	must(t, err)
	if tr.State != TransferTransferring || tr.StateSaves != 1 {
		t.Fatalf("after first state save: %v", tr)
	}
	for _, st := range []TransferState{TransferInstalling, TransferRebooting} {
		_, err := s.EnterTransferState(id, st)
		must(t, err)
	}

	s = reopen(t, s) // the reboot
	tr, err = s.Transfer(id)
	must(t, err)
	if tr.State != TransferRebooting || tr.StateSaves != 3 || tr.Password != "dl-secret" || string(tr.Data) != `{"slot":"b"}` {
		t.Fatalf("after reboot: %v (data %s)", tr, tr.Data)
	}
	if !tr.NotBefore.Equal(t0.Add(time.Minute)) {
		t.Fatalf("NotBefore = %v", tr.NotBefore)
	}

	tr.State, tr.FaultCode, tr.Completed = TransferCompleted, 0, t0.Add(time.Hour)
	_, err = s.SaveTransfer(tr)
	must(t, err)
	all, err := s.Transfers()
	must(t, err)
	if len(all) != 2 || all[0].ID != id || all[0].State.QueuedState() != 3 || all[1].State.QueuedState() != 1 {
		t.Fatalf("Transfers = %v", all)
	}

	must(t, s.DeleteTransfer(id))
	must(t, s.DeleteTransfer(id)) // again: harmless
	if _, err := s.Transfer(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted transfer: %v", err)
	}
	if _, err := s.SaveTransfer(tr); !errors.Is(err, ErrNotFound) {
		t.Fatalf("saving a deleted transfer = %v, want ErrNotFound", err)
	}
	if _, err := s.EnterTransferState(id, TransferVerifying); !errors.Is(err, ErrNotFound) {
		t.Fatalf("EnterTransferState on a deleted transfer = %v", err)
	}
}

func TestTransferStateNames(t *testing.T) {
	want := map[TransferState]string{
		TransferQueued: "queued", TransferTransferring: "transferring", TransferInstalling: "installing",
		TransferRebooting: "rebooting", TransferVerifying: "verifying", TransferRollingBack: "rolling-back",
		TransferCompleted: "completed", 0: "TransferState(0)", 42: "TransferState(42)",
	}
	for st, name := range want {
		if st.String() != name {
			t.Errorf("%d.String() = %q, want %q", st, st.String(), name)
		}
	}
	if TransferInstalling.QueuedState() != 2 || TransferQueued.QueuedState() != 1 {
		t.Error("QueuedState mapping wrong")
	}
}

func TestTransferRenderingsHideSecrets(t *testing.T) {
	tr := Transfer{ID: 3, Kind: KindDownload, URL: "https://user:urlpass@files.example/fw.bin", Username: "dl", Password: "dl-secret"}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("transfer", "t", tr)
	js, err := json.Marshal(tr)
	must(t, err)
	renderings := map[string]string{
		"String": tr.String(), "%v": fmt.Sprintf("%v", tr), "%+v": fmt.Sprintf("%+v", tr),
		"%#v": fmt.Sprintf("%#v", tr), "slog": logs.String(), "json": string(js),
	}
	for how, out := range renderings {
		if strings.Contains(out, "dl-secret") || strings.Contains(out, "urlpass") {
			t.Errorf("%s leaks a secret: %s", how, out)
		}
		if !strings.Contains(out, "files.example") {
			t.Errorf("%s lost the host: %s", how, out)
		}
	}
	if strings.Contains(redact.URL("http://[::1"), "::1") {
		t.Error("unparseable URL echoed")
	}
}
