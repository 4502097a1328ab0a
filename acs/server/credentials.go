package server

import "gatewarden/acs/internal/cpeauth"

// LoadFleetSecret reads (or, on a new data directory, creates) the fleet
// secret from which every CPE's CWMP password is derived.
func LoadFleetSecret(dataDir string) ([]byte, error) {
	return cpeauth.LoadOrCreateSecret(dataDir)
}

// CPEPassword is the CWMP Digest password of the CPE with this serial
// number; its username is the serial number. Factories, labs and the
// testbench use it; `acs cpe-credentials` prints it.
func CPEPassword(secret []byte, serial string) string {
	return cpeauth.Password(secret, serial)
}
