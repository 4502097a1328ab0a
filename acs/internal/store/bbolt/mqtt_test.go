package bbolt

import (
	"path/filepath"
	"testing"

	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/store/storetest"
)

func openTempMQTT(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "acs.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestPushesContract(t *testing.T) {
	storetest.RunPushes(t, func(t *testing.T) store.Pushes { return openTempMQTT(t) })
}

func TestTelemetryContract(t *testing.T) {
	storetest.RunTelemetry(t, func(t *testing.T) store.Telemetry { return openTempMQTT(t) })
}
