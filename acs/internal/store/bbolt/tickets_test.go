package bbolt

import (
	"testing"

	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/store/storetest"
)

func TestTicketsContract(t *testing.T) {
	storetest.RunTickets(t, func(t *testing.T) store.Tickets { return openTempBolt(t) })
}
