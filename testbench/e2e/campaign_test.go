package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatewarden/acs/server"
	"gatewarden/cpe-agent/agent"
	"gatewarden/firmware/image"
	"gatewarden/protocol/datamodel"
)

// campaignDevices is the fleet size of TestFirmwareCampaigns;
// GATEWARDEN_CAMPAIGN_DEVICES raises it for `make bench`.
func campaignDevices() int {
	if n, err := strconv.Atoi(os.Getenv("GATEWARDEN_CAMPAIGN_DEVICES")); err == nil && n >= 50 {
		return n
	}
	return 200
}

// rangeFetcher is the agents' transfer performer: it really downloads
// the package from the ACS's file server, in two requests as a line that
// drops mid-download would (the second resumes with Range and If-Range),
// and checks the bytes against the package's SHA-256. In failing mode
// every fifth download reports a TransferComplete fault, alternating
// 9010 and 9018.
type rangeFetcher struct {
	sum     [32]byte
	size    int
	failing atomic.Bool
	n       atomic.Int64
	full    atomic.Int64 // 200 answers
	resumed atomic.Int64 // 206 answers that completed a download
	client  *http.Client
}

func (f *rangeFetcher) Perform(ctx context.Context, t agent.Transfer) (uint32, string) {
	if t.Kind != "Download" || t.FileType != "1 Firmware Upgrade Image" {
		return 9010, "unexpected transfer " + t.Kind + " " + t.FileType
	}
	k := f.n.Add(1)
	h := sha256.New()
	req, _ := http.NewRequestWithContext(ctx, "GET", t.URL, nil)
	res, err := f.client.Do(req)
	if err != nil {
		return 9010, err.Error()
	}
	etag := res.Header.Get("ETag")
	if res.StatusCode != http.StatusOK || etag == "" {
		res.Body.Close()
		return 9010, fmt.Sprintf("GET: HTTP %d, ETag %q", res.StatusCode, etag)
	}
	f.full.Add(1)
	half := int64(f.size / 2)
	_, err = io.CopyN(h, res.Body, half)
	res.Body.Close() // the line drops
	if err != nil {
		return 9010, err.Error()
	}
	req, _ = http.NewRequestWithContext(ctx, "GET", t.URL, nil)
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", half))
	req.Header.Set("If-Range", etag)
	res, err = f.client.Do(req)
	if err != nil {
		return 9010, err.Error()
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusPartialContent || res.Header.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", half, f.size-1, f.size) {
		return 9010, fmt.Sprintf("resume: HTTP %d, Content-Range %q", res.StatusCode, res.Header.Get("Content-Range"))
	}
	if _, err := io.Copy(h, res.Body); err != nil {
		return 9010, err.Error()
	}
	if !bytes.Equal(h.Sum(nil), f.sum[:]) {
		return 9018, "file corrupted: SHA-256 mismatch"
	}
	f.resumed.Add(1)
	if f.failing.Load() && k%5 == 0 {
		if k%10 == 0 {
			return 9018, "simulated: image rejected"
		}
		return 9010, "simulated: download failed"
	}
	return 0, ""
}

type campaignState struct {
	ID         string `json:"id"`
	State      string `json:"state"`
	Wave       int    `json:"wave"`
	HaltReason string `json:"haltReason"`
	Waves      []struct {
		Size, Pending, Active, Succeeded, Failed, Skipped int
	} `json:"waves"`
	Totals struct {
		Size, Pending, Active, Succeeded, Failed, Skipped int
	} `json:"totals"`
}

// TestFirmwareCampaigns is acceptance item 5 of the firmware issue: a
// campaign over 200 agents halts by itself when 20% of a wave fail, one
// over healthy agents completes every wave, the agents fetch the package
// from the ACS's file server (with a Range resume), and acsctl shows the
// progress.
func TestFirmwareCampaigns(t *testing.T) {
	n := campaignDevices()
	dir := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := image.MarshalPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "firmware-keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "firmware-keys", "e2e.pub"), pubPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, role := range []string{"operator", "readonly"} {
		if tokens[role], err = server.CreateToken(dir, "e2e-"+role, role); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := server.New(server.Config{
		DataDir: dir, CWMPAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", FilesAddr: "127.0.0.1:0",
		CampaignInterval: 250 * time.Millisecond, ConnReqRate: 1000,
		Logger: testLogger().With("part", "acs"),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-errc:
		case <-time.After(20 * time.Second):
			t.Error("ACS did not stop")
		}
	})
	<-srv.Ready()
	secret, err := server.LoadFleetSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	op := newAPIClient(t, srv.APIURL(), tokens["operator"])

	// A signed package of 256 KiB goes into the repository.
	payload := make([]byte, 256<<10)
	_, _ = rand.Read(payload)
	entry, err := image.EntryFrom("rootfs", "rootfs", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	var pkg bytes.Buffer
	if err := image.Pack(&pkg, &image.Header{Version: "2.0.0", Boards: []string{"sim"}, Entries: []image.Entry{entry}},
		[]io.Reader{bytes.NewReader(payload)}, priv); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.APIURL()+"/api/v1/files?name=fw-e2e", bytes.NewReader(pkg.Bytes()))
	req.Header.Set("Authorization", "Bearer "+tokens["operator"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"version":"2.0.0"`) {
		t.Fatalf("upload: HTTP %d %s", res.StatusCode, body)
	}
	fetch := &rangeFetcher{sum: sha256.Sum256(pkg.Bytes()), size: pkg.Len(),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}

	start := time.Now()
	agentsCtx, stopAgents := context.WithCancel(context.Background())
	var done []chan error
	for i := range n {
		serial := fmt.Sprintf("CAMP%06d", i+1)
		cfg := agent.DefaultConfig()
		cfg.Platform = "sim"
		cfg.ACSURL = srv.CWMPURL()
		cfg.DataDir = filepath.Join(dir, "agents", serial)
		cfg.Serial = serial
		cfg.ProductClass = "SIM"
		cfg.ConnReqAddr = "127.0.0.1:0"
		cfg.PeriodicInformInterval = time.Hour
		cfg.ACSUsername = serial
		cfg.ACSPassword = server.CPEPassword(secret, serial)
		a, err := agent.New(cfg, agent.WithLogger(testLogger().With("part", "agent", "device", serial)), agent.WithTransferPerformer(fetch))
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		go func() { ch <- a.Run(agentsCtx) }()
		done = append(done, ch)
	}
	t.Cleanup(func() {
		stopAgents()
		for _, ch := range done {
			select {
			case <-ch:
			case <-time.After(20 * time.Second):
				t.Error("an agent did not stop")
				return
			}
		}
	})
	eventually(t, 60*time.Second, "every agent registered", func() bool {
		var list struct {
			Devices []json.RawMessage `json:"devices"`
		}
		op.do("GET", "/api/v1/devices?limit=1000", nil, &list, http.StatusOK)
		return len(list.Devices) == n
	})
	t.Logf("%d agents registered in %s", n, time.Since(start).Round(time.Millisecond))

	// acsctl talks to the same ACS.
	acsctl := buildBinary(t, "acs/cmd/acsctl")
	ctl := func(args ...string) *exec.Cmd {
		cmd := exec.Command(acsctl, args...)
		cmd.Env = append(os.Environ(), "GATEWARDEN_URL="+srv.APIURL(), "GATEWARDEN_TOKEN="+tokens["readonly"], "HOME="+t.TempDir())
		return cmd
	}
	create := func(spec string) campaignState {
		var c campaignState
		op.do("POST", "/api/v1/campaigns", json.RawMessage(spec), &c, http.StatusCreated)
		return c
	}
	get := func(id string) campaignState {
		var c campaignState
		op.do("GET", "/api/v1/campaigns/"+id, nil, &c, http.StatusOK)
		return c
	}

	// 1. Failing agents: wave 2 (18 devices) sees 20% failures and the
	// campaign halts by itself; waves 3 and 4 never start.
	fetch.failing.Store(true)
	phase := time.Now()
	bad := create(`{"name":"e2e failing","file":"fw-e2e","waves":[1,10,50,100],"maxConcurrent":50,"failureThreshold":10}`)
	var c campaignState
	eventually(t, 60*time.Second, "the failing campaign halts", func() bool {
		c = get(bad.ID)
		return c.State == "halted" || c.State == "completed"
	})
	eventually(t, 30*time.Second, "the halted campaign's downloads under way end", func() bool {
		c = get(bad.ID)
		return c.Totals.Active == 0
	})
	t.Logf("failing campaign halted in %s: %+v", time.Since(phase).Round(time.Millisecond), c.Totals)
	if c.State != "halted" || c.Wave != 2 || !strings.Contains(c.HaltReason, "wave 2") {
		t.Fatalf("failing campaign: %+v", c)
	}
	w := c.Waves
	if w[0].Succeeded != w[0].Size || w[1].Failed < 2 || w[2].Pending != w[2].Size || w[3].Pending != w[3].Size {
		t.Fatalf("waves after the halt: %+v", w)
	}
	var faults struct {
		Faults []struct {
			Code int    `json:"code"`
			RPC  string `json:"rpc"`
		} `json:"faults"`
	}
	op.do("GET", "/api/v1/faults?limit=1000", nil, &faults, http.StatusOK)
	codes := map[int]int{}
	for _, f := range faults.Faults {
		codes[f.Code]++
	}
	if codes[9010] == 0 || codes[9018] == 0 {
		t.Fatalf("the ACS does not show the transfer faults: %+v", faults.Faults)
	}
	out, err := ctl("campaign", "watch", bad.ID).CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "halted") || !strings.Contains(string(out), "wave 2") {
		t.Fatalf("acsctl campaign watch of the halted campaign: exit %d\n%s", code, out)
	}
	out, err = ctl("--json", "campaign", "show", bad.ID).Output()
	var shown campaignState
	if err != nil || json.Unmarshal(out, &shown) != nil || shown.State != "halted" || shown.Totals.Failed != c.Totals.Failed {
		t.Fatalf("acsctl --json campaign show: %v\n%s", err, out)
	}
	op.do("POST", "/api/v1/campaigns/"+bad.ID+"/abort", nil, nil, http.StatusOK)

	// 2. Healthy agents: every wave completes, watched through acsctl.
	fetch.failing.Store(false)
	phase = time.Now()
	fetchesBefore := fetch.resumed.Load()
	good := create(`{"name":"e2e healthy","file":"fw-e2e","waves":[1,10,50,100],"maxConcurrent":50}`)
	watch := ctl("campaign", "watch", good.ID, "--interval", "300ms")
	var watchOut bytes.Buffer
	watch.Stdout, watch.Stderr = &watchOut, &watchOut
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	watchDone := make(chan error, 1)
	go func() { watchDone <- watch.Wait() }()
	eventually(t, 75*time.Second, "the healthy campaign completes", func() bool {
		c = get(good.ID)
		return c.State == "completed" || c.State == "halted"
	})
	t.Logf("healthy campaign completed in %s", time.Since(phase).Round(time.Millisecond))
	if c.State != "completed" || c.Totals.Succeeded != n || c.Totals.Failed != 0 || c.Wave != 4 {
		t.Fatalf("healthy campaign: %+v", c)
	}
	if got := fetch.resumed.Load() - fetchesBefore; got < int64(n) {
		t.Fatalf("%d verified downloads from the file server, want %d", got, n)
	}
	select {
	case err := <-watchDone:
		lines := strings.Split(strings.TrimSpace(watchOut.String()), "\n")
		last := lines[len(lines)-1]
		if err != nil || len(lines) < 2 || !strings.Contains(last, fmt.Sprintf("%d/%d", n, n)) ||
			!strings.Contains(last, "completed") || !strings.Contains(last, "wave 4/4") || !strings.HasPrefix(last, "[####") {
			t.Fatalf("acsctl campaign watch: %v, %d lines, last %q\n%s", err, len(lines), last, watchOut.String())
		}
		t.Logf("acsctl campaign watch drew %d progress lines; last: %s", len(lines), last)
	case <-time.After(10 * time.Second):
		_ = watch.Process.Kill()
		t.Fatalf("acsctl campaign watch did not end after the campaign completed:\n%s", watchOut.String())
	}

	// 3. A single download task may name the repository file: the ACS
	// gives the device its own URL.
	one := datamodel.DeviceID{OUI: agent.DefaultConfig().OUI, ProductClass: "SIM", SerialNumber: "CAMP000007"}.String()
	before := fetch.resumed.Load()
	op.runTask(one, map[string]any{"type": "download", "file": "fw-e2e", "fileType": "1 Firmware Upgrade Image"}, "done")
	if fetch.resumed.Load() != before+1 {
		t.Fatalf("the download task did not fetch from the file server")
	}
	if status, _, b := op.postTask(one, map[string]any{"type": "download", "file": "no-such-file", "fileType": "1 Firmware Upgrade Image"}, ""); status != http.StatusBadRequest || !strings.Contains(string(b), "no-such-file") {
		t.Fatalf("download of an unknown file: HTTP %d %s", status, b)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
