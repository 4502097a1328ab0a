package main

import (
	"fmt"
	"os"
	"path/filepath"

	"gatewarden/acs/server"
)

// fleetSecretFile is where the ACS keeps its fleet secret in its data
// directory.
const fleetSecretFile = "fleet.secret"

// fleetPasswords derives each device's Digest password the way the ACS
// does (acs/server owns the algorithm). It insists on an existing secret:
// creating one in another program's data directory would hand that ACS a
// secret it never chose.
func fleetPasswords(dir string) (func(serial string) string, error) {
	if _, err := os.Stat(filepath.Join(dir, fleetSecretFile)); err != nil {
		return nil, fmt.Errorf("--acs-data %s: no fleet secret there (start the ACS with --data %s first): %w", dir, dir, err)
	}
	secret, err := server.LoadFleetSecret(dir)
	if err != nil {
		return nil, fmt.Errorf("--acs-data %s: %w", dir, err)
	}
	return func(serial string) string { return server.CPEPassword(secret, serial) }, nil
}
