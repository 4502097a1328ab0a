package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/acstest"
	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// TestDownloadChecks: TR069-DIGEST §3.2 "Checks done before accepting".
func TestDownloadChecks(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex := h.established()
	good := func() *cwmp.Download {
		return &cwmp.Download{CommandKey: "k", FileType: cwmp.FileTypeFirmwareUpgradeImage, URL: "https://files.example/fw.bin"}
	}
	cases := []struct {
		name string
		mod  func(*cwmp.Download)
		want cwmp.FaultCode
	}{
		{"tftp", func(d *cwmp.Download) { d.URL = "tftp://files.example/fw.bin" }, cwmp.FaultUnsupportedProtocol},
		{"ftp", func(d *cwmp.Download) { d.URL = "ftp://files.example/fw.bin" }, cwmp.FaultUnsupportedProtocol},
		{"userinfo", func(d *cwmp.Download) { d.URL = "https://user:pass@files.example/fw.bin" }, cwmp.FaultInvalidArguments},
		{"empty URL", func(d *cwmp.Download) { d.URL = "" }, cwmp.FaultRequestDenied},
		{"unknown FileType", func(d *cwmp.Download) { d.FileType = "7 Mystery" }, cwmp.FaultInvalidArguments},
		{"long CommandKey", func(d *cwmp.Download) { d.CommandKey = strings.Repeat("k", 33) }, cwmp.FaultInvalidArguments},
		{"long URL", func(d *cwmp.Download) { d.URL = "https://f.example/" + strings.Repeat("a", 256) }, cwmp.FaultInvalidArguments},
	}
	for _, c := range cases {
		d := good()
		c.mod(d)
		var err error
		ex, err = s.Call(h.ctx(), ex, d)
		if err != nil {
			t.Fatal(err)
		}
		if code := faultCode(t, ex); code != c.want {
			t.Errorf("%s: fault %d, want %d", c.name, code, c.want)
		}
	}
	// Accepted: Status 1 with Unknown Times. Vendor file types are fine.
	for i := 0; i < maxTransfers; i++ {
		d := good()
		d.CommandKey = "ok" + string(rune('a'+i))
		if i == 1 {
			d.FileType = "X 00D09E Bootloader"
		}
		var resp *cwmp.DownloadResponse
		var err error
		ex, resp, err = acstest.CallFor[*cwmp.DownloadResponse](h.ctx(), s, ex, d)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 1 || !resp.StartTime.IsUnknown() || !resp.CompleteTime.IsUnknown() {
			t.Fatalf("DownloadResponse %+v, want Status 1 and Unknown Times", resp)
		}
	}
	ex, err := s.Call(h.ctx(), ex, good())
	if err != nil {
		t.Fatal(err)
	}
	if code := faultCode(t, ex); code != cwmp.FaultResourcesExceeded {
		t.Fatalf("17th transfer: fault %d, want 9004", code)
	}
	ex, q, err := acstest.CallFor[*cwmp.GetQueuedTransfersResponse](h.ctx(), s, ex, &cwmp.GetQueuedTransfers{})
	if err != nil || len(q.TransferList) != maxTransfers || q.TransferList[0].State != cwmp.TransferNotYetStarted {
		t.Fatalf("GetQueuedTransfers: %+v %v", q, err)
	}
	ex, all, err := acstest.CallFor[*cwmp.GetAllQueuedTransfersResponse](h.ctx(), s, ex, &cwmp.GetAllQueuedTransfers{})
	if err != nil || len(all.TransferList) != maxTransfers || !all.TransferList[0].IsDownload || all.TransferList[0].FileType != cwmp.FileTypeFirmwareUpgradeImage {
		t.Fatalf("GetAllQueuedTransfers: %+v %v", all, err)
	}
	ex, _, err = acstest.CallFor[*cwmp.CancelTransferResponse](h.ctx(), s, ex, &cwmp.CancelTransfer{CommandKey: "oka"})
	if err != nil {
		t.Fatal(err)
	}
	ex, err = s.Call(h.ctx(), ex, &cwmp.CancelTransfer{CommandKey: "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if code := faultCode(t, ex); code != cwmp.FaultInvalidArguments {
		t.Fatalf("cancel of an unknown key: %d", code)
	}
	h.finish(s, ex)
	h.result()
	if ts, _ := h.st.Transfers(); len(ts) != maxTransfers-1 {
		t.Fatalf("%d transfers stored, want %d", len(ts), maxTransfers-1)
	}
}

// TestUploadAndScheduleDownloadChecks covers the other transfer RPCs.
func TestUploadAndScheduleDownloadChecks(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex := h.established()
	win := func(start, end uint32) cwmp.TimeWindowStruct {
		return cwmp.TimeWindowStruct{WindowStart: start, WindowEnd: end, WindowMode: cwmp.WindowModeAtAnyTime}
	}
	cases := []struct {
		req  cwmp.Body
		want cwmp.FaultCode // 0: accepted
	}{
		{&cwmp.Upload{FileType: "3 Vendor Configuration File 2", URL: "https://f.example/u"}, 0},
		{&cwmp.Upload{FileType: "3 Vendor Configuration File 0", URL: "https://f.example/u"}, cwmp.FaultInvalidArguments},
		{&cwmp.Upload{FileType: "1 Firmware Upgrade Image", URL: "https://f.example/u"}, cwmp.FaultInvalidArguments},
		{&cwmp.Upload{FileType: cwmp.UploadFileTypeVendorLogFile, URL: "sftp://f.example/u"}, cwmp.FaultUnsupportedProtocol},
		{&cwmp.ScheduleDownload{FileType: cwmp.FileTypeWebContent, URL: "https://f.example/s", TimeWindowList: []cwmp.TimeWindowStruct{win(0, 60), win(120, 180)}}, 0},
		{&cwmp.ScheduleDownload{FileType: cwmp.FileTypeWebContent, URL: "https://f.example/s", TimeWindowList: []cwmp.TimeWindowStruct{win(60, 60)}}, cwmp.FaultInvalidArguments},
		{&cwmp.ScheduleDownload{FileType: cwmp.FileTypeWebContent, URL: "https://f.example/s", TimeWindowList: []cwmp.TimeWindowStruct{win(0, 100), win(50, 200)}}, cwmp.FaultInvalidArguments},
		{&cwmp.ScheduleDownload{FileType: cwmp.FileTypeWebContent, URL: "https://f.example/s", TimeWindowList: []cwmp.TimeWindowStruct{win(0, 1), win(2, 3), win(4, 5)}}, cwmp.FaultInvalidArguments},
		{&cwmp.ScheduleDownload{FileType: cwmp.FileTypeWebContent, URL: "https://f.example/s", TimeWindowList: []cwmp.TimeWindowStruct{{WindowStart: 0, WindowEnd: 9, WindowMode: "9 Whenever"}}}, cwmp.FaultInvalidArguments},
	}
	for i, c := range cases {
		var err error
		ex, err = s.Call(h.ctx(), ex, c.req)
		if err != nil {
			t.Fatal(err)
		}
		got := cwmp.FaultCode(0)
		if f := ex.Fault(); f != nil {
			got = f.FaultCode
		}
		if got != c.want {
			t.Errorf("case %d (%s): fault %d, want %d", i, c.req.Method(), got, c.want)
		}
	}
	h.finish(s, ex)
	h.result()
}

// TestTransferWithoutInstaller — the CPE half of §8 cases 45/46 as far as
// this issue goes: an accepted Download this device cannot perform ends in
// a later session with 7 TRANSFER COMPLETE + M Download and a
// TransferComplete carrying 9010 (never 9013), not in a crash; an Upload
// with 9011.
func TestTransferWithoutInstaller(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.start()
	s, ex := h.established()
	ex, _, err := acstest.CallFor[*cwmp.DownloadResponse](h.ctx(), s, ex, &cwmp.Download{CommandKey: "fw", FileType: cwmp.FileTypeFirmwareUpgradeImage, URL: "https://f.example/fw"})
	if err != nil {
		t.Fatal(err)
	}
	ex, _, err = acstest.CallFor[*cwmp.UploadResponse](h.ctx(), s, ex, &cwmp.Upload{CommandKey: "log", FileType: cwmp.UploadFileTypeVendorLogFile, URL: "https://f.example/log"})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing runs while the session is on.
	if owed, _ := h.client.transfers.Owed(context.Background()); len(owed) != 0 {
		t.Fatal("a transfer finished during the session that accepted it")
	}
	h.finish(s, ex)
	h.result()
	// They finish one after the other; the first may have its session
	// before the second is done.
	got := map[string]cwmp.FaultCode{}
	for len(got) < 2 {
		s, ex, inf := h.inform()
		for _, e := range inf.Event {
			if e.EventCode.IsMethod() && e.EventCode != cwmp.EventMDownload && e.EventCode != cwmp.EventMUpload {
				t.Fatalf("unexpected event %v", e)
			}
		}
		if len(inf.Event) < 2 || inf.Event[0].EventCode != cwmp.EventTransferComplete {
			t.Fatalf("Inform events %v, want 7 TRANSFER COMPLETE and M events", codes(inf))
		}
		ex.Reply(acstest.InformResponse())
		for range inf.Event[1:] {
			tc, body, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
			if err != nil {
				t.Fatal(err)
			}
			got[body.CommandKey] = body.FaultStruct.FaultCode
			if body.StartTime.IsUnknown() || body.CompleteTime.IsUnknown() {
				t.Errorf("TransferComplete %q without times", body.CommandKey)
			}
			tc.Reply(acstest.Respond(&cwmp.TransferCompleteResponse{}))
		}
		h.finish(s, nil)
		h.result()
	}
	if got["fw"] != cwmp.FaultDownloadFailure || got["log"] != cwmp.FaultUploadFailure {
		t.Fatalf("TransferComplete faults %v, want fw 9010, log 9011", got)
	}
	if ts, _ := h.st.Transfers(); len(ts) != 0 {
		t.Fatalf("transfers left: %v", ts)
	}
}

// TestDelayedAndWindowedTransfers: DelaySeconds and ScheduleDownload
// windows run on the injected clock; windows that passed give 9020.
func TestDelayedAndWindowedTransfers(t *testing.T) {
	gate := &gateExecutor{started: make(chan store.Transfer, 4), finish: make(chan cwmp.FaultStruct, 4)}
	h := newHarness(t, harnessOpts{opts: func(o *Options) {
		q, err := NewTransferQueue(TransferQueueOptions{Store: o.Store, Clock: o.Clock, Executor: gate, Logger: o.Logger})
		if err != nil {
			panic(err)
		}
		o.Transfers = q
	}})
	h.start()
	s, ex := h.established()
	ex, _, err := acstest.CallFor[*cwmp.DownloadResponse](h.ctx(), s, ex, &cwmp.Download{CommandKey: "later", FileType: cwmp.FileTypeWebContent, URL: "https://f.example/a", DelaySeconds: 120})
	if err != nil {
		t.Fatal(err)
	}
	h.finish(s, ex)
	h.result()
	// The transfer queue waits on its timer.
	h.waitTimers(1)
	select {
	case <-gate.started:
		t.Fatal("delayed download started at once")
	case <-time.After(50 * time.Millisecond):
	}
	h.clk.Advance(120 * time.Second)
	select {
	case tr := <-gate.started:
		if tr.CommandKey != "later" {
			t.Fatalf("started %q", tr.CommandKey)
		}
	case <-time.After(waitLimit):
		t.Fatal("delayed download did not start")
	}
	gate.finish <- cwmp.FaultStruct{FaultCode: cwmp.FaultFileCorrupted, FaultString: "bad checksum"}
	s, ex, inf := h.inform()
	wantEvents(t, inf, "7 TRANSFER COMPLETE", "M Download/later")
	ex.Reply(acstest.InformResponse())
	tc, body, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if body.FaultStruct.FaultCode != cwmp.FaultFileCorrupted {
		t.Fatalf("fault %+v", body.FaultStruct)
	}
	h.finish(s, tc)
	h.result()

	// A window already over when its turn comes: 9020.
	q := h.client.transfers.(*TransferQueue)
	past := h.clk.Now().Add(-time.Hour)
	id, err := h.st.SaveTransfer(store.Transfer{Kind: store.KindScheduleDownload, CommandKey: "missed",
		FileType: string(cwmp.FileTypeWebContent), URL: "https://f.example/s",
		NotBefore: past, Windows: []store.TimeWindow{{Start: past, End: past.Add(time.Minute), Mode: string(cwmp.WindowModeAtAnyTime)}}})
	if err != nil {
		t.Fatal(err)
	}
	q.Release()
	s, ex, _ = h.inform()
	ex.Reply(acstest.InformResponse())
	tc, body, err = acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
	if err != nil {
		t.Fatal(err)
	}
	if body.CommandKey != "missed" || body.FaultStruct.FaultCode != cwmp.FaultTimeWindowExceeded {
		t.Fatalf("TransferComplete %+v, want 9020 for transfer %d", body, id)
	}
	h.finish(s, tc)
}

// TestInterruptedTransferFails: a transfer a restart interrupted ends in a
// TransferComplete fault unless the executor can resume it.
func TestInterruptedTransferFails(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	if _, err := h.st.SaveTransfer(store.Transfer{Kind: store.KindDownload, CommandKey: "cut",
		FileType: string(cwmp.FileTypeFirmwareUpgradeImage), URL: "https://f.example/fw", State: store.TransferInstalling}); err != nil {
		t.Fatal(err)
	}
	h.start()
	// The boot session may or may not already carry it; collect until the
	// TransferComplete shows up.
	for i := 0; i < 2; i++ {
		s, ex, inf := h.inform()
		ex.Reply(acstest.InformResponse())
		if !strings.Contains(strings.Join(codes(inf), ","), "M Download/cut") {
			h.finish(s, nil)
			h.result()
			continue
		}
		tc, body, err := acstest.Expect[*cwmp.TransferComplete](h.ctx(), s)
		if err != nil {
			t.Fatal(err)
		}
		if body.FaultStruct.FaultCode != cwmp.FaultDownloadFailure {
			t.Fatalf("fault %+v", body.FaultStruct)
		}
		h.finish(s, tc)
		return
	}
	t.Fatal("no TransferComplete for the interrupted transfer")
}
