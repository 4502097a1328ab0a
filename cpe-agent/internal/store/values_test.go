package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValues(t *testing.T) {
	s, _ := openTemp(t)
	want := map[string]string{
		"Device.ManagementServer.URL":                    "https://acs.example/cwmp",
		"Device.ManagementServer.PeriodicInformInterval": "3600",
		"Device.DeviceInfo.SerialNumber":                 "S1",
		"Device.X.Empty":                                 "",
	}
	must(t, s.SaveValues(want))
	got, err := s.Values()
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Values = %v", got)
	}
	must(t, s.SaveValues(map[string]string{"Device.DeviceInfo.SerialNumber": "S2"}))
	must(t, s.DeleteValues("Device.X.Empty", "Device.Not.There"))
	err = s.View(func(tx *Tx) error {
		if v, ok, err := tx.Value("Device.DeviceInfo.SerialNumber"); err != nil || !ok || v != "S2" {
			t.Errorf("Value = %q, %v, %v", v, ok, err)
		}
		if _, ok, _ := tx.Value("Device.X.Empty"); ok {
			t.Error("deleted value still there")
		}
		return nil
	})
	must(t, err)
}

// TestSetParameterValuesIsAllOrNothing: the values and the new
// ParameterKey of one SPV commit together, or not at all.
func TestSetParameterValuesIsAllOrNothing(t *testing.T) {
	s, _ := openTemp(t)
	must(t, s.SaveValues(map[string]string{
		"Device.ManagementServer.PeriodicInformInterval": "3600",
		"Device.ManagementServer.ParameterKey":           "old",
	}))

	// An invalid name in the batch rejects the whole batch.
	err := s.SaveValues(map[string]string{
		"Device.ManagementServer.PeriodicInformInterval": "60",
		"Device.ManagementServer.ParameterKey":           "new",
		"":                                               "x",
	})
	if err == nil {
		t.Fatal("batch with an empty name saved")
	}
	// A provider failing after the values were written rolls them back.
	providerFailed := errors.New("provider failed")
	err = s.Update(func(tx *Tx) error {
		if err := tx.SaveValues(map[string]string{
			"Device.ManagementServer.PeriodicInformInterval": "60",
			"Device.ManagementServer.ParameterKey":           "new",
		}); err != nil {
			return err
		}
		return providerFailed
	})
	if !errors.Is(err, providerFailed) {
		t.Fatalf("Update = %v", err)
	}
	got, _ := s.Values()
	if got["Device.ManagementServer.PeriodicInformInterval"] != "3600" || got["Device.ManagementServer.ParameterKey"] != "old" {
		t.Fatalf("after failed SPVs: %v", got)
	}
}

func TestValueErrorsDoNotLeakValues(t *testing.T) {
	s, _ := openTemp(t)
	secret := "hunter2-" + strings.Repeat("s", 10)
	err := s.SaveValues(map[string]string{strings.Repeat("k", 40000): secret})
	if err == nil {
		t.Fatal("oversized key accepted")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error quotes the value: %v", err)
	}
}
