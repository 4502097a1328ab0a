package model_test

import (
	"context"
	"path/filepath"
	"testing"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/store"
)

// A reference parameter translates between instance paths and the
// provider's keys through the tree's listing.
func TestKeyOfPathOf(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := model.NewRegistry()
	model.BindManagementServer(r, model.ManagementDefaults{})
	r.Table("Device.IP.Interface.{i}.", func(context.Context, model.Index) ([]string, error) { return []string{"lo", "eth0"}, nil })
	r.Param("Device.IP.Interface.{i}.Name", model.Get(func(_ context.Context, ix model.Index) (string, error) { return ix.Key(0), nil }))
	var got []string
	lower := "eth0"
	r.Table("Device.Ethernet.Link.{i}.", func(context.Context, model.Index) ([]string, error) { return []string{"l0"}, nil })
	r.Param("Device.Ethernet.Link.{i}.LowerLayers", model.GetSet(
		func(_ context.Context, ix model.Index) (string, error) {
			return ix.PathOf("Device.IP.Interface.", lower), nil
		},
		func(_ context.Context, ix model.Index, v string) error {
			k, ok := ix.KeyOf(v)
			got = append(got, k)
			if ok {
				lower = k
			}
			return nil
		}))
	ctx := context.Background()
	tree, err := model.New(ctx, r, model.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if _, err := tree.GetParameterValues(ctx, []string{"Device.IP."}); err != nil {
		t.Fatal(err)
	}
	if v, _ := tree.Value(ctx, "Device.Ethernet.Link.1.LowerLayers"); v != "Device.IP.Interface.2" {
		t.Fatalf("PathOf gave %q", v)
	}
	for _, ref := range []string{"Device.IP.Interface.1", "Device.IP.Interface.2.", "Device.IP.Interface.3", "Device.IP.Interface", "Device.Ethernet.Link.1", ""} {
		if _, err := tree.SetParameterValues(ctx, pvs("Device.Ethernet.Link.1.LowerLayers", ref), "k"); err != nil {
			t.Fatalf("%q: %v", ref, err)
		}
	}
	want := []string{"lo", "eth0", "", "", "l0", ""}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Fatalf("KeyOf gave %q, want %q", got, want)
		}
	}
	lower = "nope"
	if v, _ := tree.Value(ctx, "Device.Ethernet.Link.1.LowerLayers"); v != "" {
		t.Fatalf("PathOf of an unknown key gave %q", v)
	}
}
