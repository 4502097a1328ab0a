package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"gatewarden/cpe-agent/internal/store"
	"gatewarden/firmware/slot"
	"gatewarden/protocol/cwmp"
)

const envTamperRuns = "GATEWARDEN_FW_TAMPER_RUNS"

// TestTamperedPackagesRejected is acceptance 2 of issue 7: tampered
// packages — random bit flips, truncation, trailing bytes, a wrong key, a
// wrong board — are all rejected before the slot is marked bootable, and
// the device never reboots for them. 200 in `make test`;
// GATEWARDEN_FW_TAMPER_RUNS=1000 for `make bench`.
func TestTamperedPackagesRejected(t *testing.T) {
	runs := 200
	if v := os.Getenv(envTamperRuns); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", envTamperRuns, v)
		}
		runs = n
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("%d tampered packages, seed %d", runs, seed)
	rnd := mrand.New(mrand.NewPCG(seed, 99))
	good := buildPkg(t, testKey, testBoard, "9.9", 20_000, seed)
	_, otherKey, _ := ed25519.GenerateKey(nil)
	wrongKey := buildPkg(t, otherKey, testBoard, "9.9", 20_000, seed)
	wrongBoard := buildPkg(t, testKey, "gw-elsewhere", "9.9", 20_000, seed)

	d := newDevice(t)
	srv := newFileServer(t, nil)
	kinds := map[string]int{}
	start := time.Now()
	for i := range runs {
		var data []byte
		var kind string
		switch i % 5 {
		case 0:
			kind = "bit flip"
			data = bytes.Clone(good.data)
			for n := 1 + rnd.IntN(3); n > 0; n-- {
				data[rnd.IntN(len(data))] ^= 1 << rnd.IntN(8)
			}
		case 1:
			kind = "truncation"
			data = good.data[:rnd.IntN(len(good.data))]
		case 2:
			kind = "trailing bytes"
			extra := make([]byte, 1+rnd.IntN(5000))
			for j := range extra {
				extra[j] = byte(rnd.Uint32())
			}
			data = append(bytes.Clone(good.data), extra...)
		case 3:
			kind = "wrong key"
			data = wrongKey.data
			if rnd.IntN(2) == 0 { // and its key ID forged to the trusted one
				data = bytes.Clone(data)
				kid := headLen(good.data) - 72 // same header, so same place
				copy(data[kid:kid+8], good.data[kid:kid+8])
			}
		case 4:
			kind = "wrong board"
			data = wrongBoard.data
		}
		kinds[kind]++
		srv.mu.Lock()
		srv.data = data
		srv.mu.Unlock()
		tr := d.queue(store.KindDownload, fileFirmware, srv.URL+"/fw")
		f := d.updater(Options{Retries: 1}, nil).Execute(context.Background(), tr)
		if f.FaultCode == 0 {
			t.Fatalf("run %d (%s): tampered package accepted", i, kind)
		}
		switch f.FaultCode {
		case cwmp.FaultFileCorrupted, cwmp.FaultFileAuthFailure, cwmp.FaultDownloadFailure:
		default:
			t.Fatalf("run %d (%s): fault %d %q", i, kind, f.FaultCode, f.FaultString)
		}
		if d.reboot.Load() != 0 {
			t.Fatalf("run %d (%s): rebooted", i, kind)
		}
		if b := d.status(slot.B); b.State != slot.StateBad || b.Next {
			t.Fatalf("run %d (%s): slot b %+v", i, kind, b)
		}
		if d.newBoot() != slot.A {
			t.Fatalf("run %d (%s): the tampered slot booted", i, kind)
		}
		if err := d.st.DeleteTransfer(tr.ID); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("rejected all %d: %v in %v", runs, kinds, time.Since(start).Round(time.Millisecond))
}

// headLen is where the payloads of a package start.
func headLen(pkg []byte) int {
	return 12 + int(binary.BigEndian.Uint32(pkg[8:12])) + 72
}
