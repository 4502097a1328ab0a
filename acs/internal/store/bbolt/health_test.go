package bbolt

import (
	"testing"

	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/store/storetest"
)

func TestHealthContract(t *testing.T) {
	storetest.RunHealth(t, func(t *testing.T) store.Health { return openTempBolt(t) })
}
