package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// fakeHealth keeps line health in memory; the bbolt store passes the
// same contract (storetest.RunHealth).
type fakeHealth struct {
	mu sync.Mutex
	m  map[string]store.LineHealth
}

func newFakeHealth() *fakeHealth { return &fakeHealth{m: map[string]store.LineHealth{}} }

func (f *fakeHealth) PutHealth(_ context.Context, h store.LineHealth) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[h.Device] = h
	return nil
}

func (f *fakeHealth) LineHealth(_ context.Context, d string) (store.LineHealth, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.m[d]
	if !ok {
		return h, store.ErrNotFound
	}
	return h, nil
}

func (f *fakeHealth) TroubledLines(_ context.Context, after string, limit int) ([]store.LineHealth, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id, h := range f.m {
		if (h.State == "degraded" || h.State == "failing") && id > after {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	next := ""
	if len(ids) > limit {
		ids, next = ids[:limit], ids[limit-1]
	}
	out := make([]store.LineHealth, len(ids))
	for i, id := range ids {
		out[i] = f.m[id]
	}
	return out, next, nil
}

func TestLineHealthRoutes(t *testing.T) {
	fh := newFakeHealth()
	e := newEnv(t, func(o *Options) { o.LineHealth = fh })
	r := e.do("GET", apiPrefix+"/health/degraded", RoleSupport, "")
	wantStatus(t, r, http.StatusOK)
	if got := r.Body.String(); got != "{\"lines\":[]}\n" {
		t.Fatalf("healthy fleet: %s", got)
	}
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	fh.PutHealth(context.Background(), store.LineHealth{Device: dev1ID, State: "degraded", Previous: "good", Since: at, Worsened: at,
		Reasons: []string{"downstream noise margin 4.0 dB below 6.0 dB"}, KPIs: map[string]float64{"noiseMarginDownDB": 4},
		History: []store.KPISnapshot{{Time: at.Add(-time.Hour), State: "good"}, {Time: at, State: "degraded"}}})
	fh.PutHealth(context.Background(), store.LineHealth{Device: "other-good", State: "good"})
	r = e.do("GET", apiPrefix+"/health/degraded", RoleReadonly, "")
	wantStatus(t, r, http.StatusOK)
	var list struct {
		Lines []struct {
			Device, State, Previous string
			Worsened                time.Time
			Reasons                 []string
			KPIs                    map[string]float64
		}
	}
	json.Unmarshal(r.Body.Bytes(), &list)
	if len(list.Lines) != 1 || list.Lines[0].Device != dev1ID || list.Lines[0].State != "degraded" || !list.Lines[0].Worsened.Equal(at) || list.Lines[0].KPIs["noiseMarginDownDB"] != 4 {
		t.Fatalf("degraded: %s", r.Body.String())
	}
	r = e.do("GET", apiPrefix+"/devices/"+urlID(dev1ID)+"/health", RoleSupport, "")
	wantStatus(t, r, http.StatusOK)
	var one struct{ History []struct{ State string } }
	json.Unmarshal(r.Body.Bytes(), &one)
	if len(one.History) != 2 || one.History[1].State != "degraded" {
		t.Fatalf("device health: %s", r.Body.String())
	}
	wantStatus(t, e.do("GET", apiPrefix+"/devices/00D09E-NOBODY/health", RoleSupport, ""), http.StatusNotFound)
}
