package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/files"
	"gatewarden/acs/internal/provision"
	"gatewarden/acs/internal/store"
)

// fakeFiles is a FileRepo whose packages are valid when they start with
// "GWFW".
type fakeFiles struct {
	mu    sync.Mutex
	files []store.File
}

func (f *fakeFiles) Add(_ context.Context, name, actor string, body io.Reader) (store.File, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return store.File{}, err
	}
	if !bytes.HasPrefix(b, []byte("GWFW")) {
		return store.File{}, fmt.Errorf("%w: bad magic", files.ErrRejected)
	}
	if name == "" {
		name = "fw-" + string(b[4:])
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range f.files {
		if x.Name == name {
			return store.File{}, store.ErrConflict
		}
	}
	file := store.File{Name: name, Version: string(b[4:]), Size: int64(len(b)), UploadedBy: actor, FileType: files.FileTypeFirmware}
	f.files = append(f.files, file)
	return file, nil
}

func (f *fakeFiles) List(context.Context, string, int) ([]store.File, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.File(nil), f.files...), "", nil
}

// fakeCampaigns keeps campaigns in memory with the real spec parser and
// state rules of the provision package's API.
type fakeCampaigns struct {
	mu sync.Mutex
	cs map[string]store.Campaign
}

func newFakeCampaigns() *fakeCampaigns { return &fakeCampaigns{cs: map[string]store.Campaign{}} }

func (f *fakeCampaigns) Create(_ context.Context, spec []byte, actor string) (store.Campaign, error) {
	c, err := provision.ParseCampaignSpec(spec)
	if err != nil {
		return c, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c.ID, c.Actor, c.Created, c.State = fmt.Sprintf("c%d", len(f.cs)+1), actor, time.Now(), store.CampaignRunning
	f.cs[c.ID] = c
	return c, nil
}

func (f *fakeCampaigns) Get(_ context.Context, id string) (store.Campaign, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cs[id]
	if !ok {
		// Any ID names a running campaign, so that role checks reach the
		// handler whatever path they try.
		c = store.Campaign{ID: id, State: store.CampaignRunning, Waves: []int{10000}, Stats: make([]store.WaveStats, 1)}
	}
	return c, nil
}

func (f *fakeCampaigns) List(context.Context, string, int) ([]store.Campaign, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Campaign
	for _, c := range f.cs {
		out = append(out, c)
	}
	return out, "", nil
}

func (f *fakeCampaigns) set(ctx context.Context, id string, from []string, to string) (store.Campaign, error) {
	c, _ := f.Get(ctx, id)
	for _, s := range from {
		if c.State == s {
			c.State = to
			f.mu.Lock()
			f.cs[id] = c
			f.mu.Unlock()
			return c, nil
		}
	}
	return c, fmt.Errorf("cannot go from %s to %s: %w", c.State, to, provision.ErrCampaignState)
}

func (f *fakeCampaigns) Pause(ctx context.Context, id string) (store.Campaign, error) {
	return f.set(ctx, id, []string{store.CampaignRunning}, store.CampaignPaused)
}

func (f *fakeCampaigns) Resume(ctx context.Context, id string) (store.Campaign, error) {
	return f.set(ctx, id, []string{store.CampaignRunning, store.CampaignPaused, store.CampaignHalted}, store.CampaignRunning)
}

func (f *fakeCampaigns) Abort(ctx context.Context, id string) (store.Campaign, error) {
	return f.set(ctx, id, []string{store.CampaignRunning, store.CampaignPaused, store.CampaignHalted}, store.CampaignAborted)
}

func TestFilesRoutes(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", apiPrefix+"/files?name=fw1", RoleOperator, "GWFW2.0")
	wantStatus(t, r, http.StatusCreated)
	if got := r.json(t); got["name"] != "fw1" || got["version"] != "2.0" || got["uploadedBy"] != "operator-token" {
		t.Fatalf("created %v", got)
	}
	if loc := r.Header().Get("Location"); loc != apiPrefix+"/files/fw1" {
		t.Fatalf("Location %q", loc)
	}
	wantStatus(t, e.do("POST", apiPrefix+"/files?name=fw1", RoleOperator, "GWFW2.0"), http.StatusConflict)
	r = e.do("POST", apiPrefix+"/files", RoleAdmin, "junk")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body.String(), `"package_rejected"`) {
		t.Fatalf("rejection body %s", r.Body.String())
	}
	wantStatus(t, e.do("POST", apiPrefix+"/files", RoleSupport, "GWFW3"), http.StatusForbidden)
	r = e.do("GET", apiPrefix+"/files", RoleReadonly, "")
	wantStatus(t, r, http.StatusOK)
	var list fileList
	if err := json.Unmarshal(r.Body.Bytes(), &list); err != nil || len(list.Files) != 1 || list.Files[0].Boards == nil {
		t.Fatalf("list %s", r.Body.String())
	}
	var uploads int
	for _, a := range e.mem.Audit() {
		if a.Action == "POST /api/v1/files" {
			uploads++
		}
	}
	if uploads != 4 {
		t.Fatalf("%d audited uploads, want 4", uploads)
	}
}

func TestCampaignRoutes(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", apiPrefix+"/campaigns", RoleOperator, `{"file":"fw1","waves":[1,10,50,100],"maxConcurrent":20,"windows":["22:00-05:00"]}`)
	wantStatus(t, r, http.StatusCreated)
	var v campaignView
	if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.ID == "" || len(v.Waves) != 4 || v.Waves[0].Percent != 1 || v.Wave != 1 || v.MaxConcurrent != 20 || v.DeviceTimeout != "24h0m0s" || v.Location != "UTC" {
		t.Fatalf("created %s", r.Body.String())
	}
	r = e.do("POST", apiPrefix+"/campaigns", RoleOperator, `{"file":"fw1","waves":[10,20]}`)
	wantStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(r.Body.String(), "invalid_campaign") || !strings.Contains(r.Body.String(), "100") {
		t.Fatalf("bad spec answer %s", r.Body.String())
	}
	wantStatus(t, e.do("POST", apiPrefix+"/campaigns", RoleSupport, `{"file":"fw1"}`), http.StatusForbidden)
	wantStatus(t, e.do("POST", apiPrefix+"/campaigns/"+v.ID+"/pause", RoleReadonly, ""), http.StatusForbidden)
	wantStatus(t, e.do("GET", apiPrefix+"/campaigns/"+v.ID, RoleReadonly, ""), http.StatusOK)
	wantStatus(t, e.do("POST", apiPrefix+"/campaigns/"+v.ID+"/pause", RoleOperator, ""), http.StatusOK)
	r = e.do("POST", apiPrefix+"/campaigns/"+v.ID+"/pause", RoleOperator, "")
	wantStatus(t, r, http.StatusConflict)
	if !strings.Contains(r.Body.String(), "paused") {
		t.Fatalf("conflict body %s", r.Body.String())
	}
	wantStatus(t, e.do("POST", apiPrefix+"/campaigns/"+v.ID+"/abort", RoleOperator, ""), http.StatusOK)
	r = e.do("GET", apiPrefix+"/campaigns", RoleSupport, "")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Body.String(), `"state":"aborted"`) {
		t.Fatalf("list %s", r.Body.String())
	}
}

func TestCampaignRoutesWithoutService(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Files, o.Campaigns = nil, nil })
	wantStatus(t, e.do("GET", apiPrefix+"/campaigns", RoleAdmin, ""), http.StatusServiceUnavailable)
	wantStatus(t, e.do("GET", apiPrefix+"/files", RoleAdmin, ""), http.StatusServiceUnavailable)
}
