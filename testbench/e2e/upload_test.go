package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUploadVendorLog: an operator asks a device for its log file; the
// ACS gives it a signed upload URL on its own file server, the agent PUTs
// the file there and reports TransferComplete, and the file lands under
// the device's folder.
func TestUploadVendorLog(t *testing.T) {
	t.Parallel()
	acs := startACS(t)
	admin := acs.api(t, "admin")
	op := acs.api(t, "operator")
	devs := startDevices(t, acs.cwmp, acs.secret, "UPLD", 1)
	waitProvisioned(t, admin, devs)
	d := devs[0]

	tv := op.runTask(d.ID, map[string]any{"type": "upload", "fileType": "2 Vendor Log File"}, "done")
	if tv.Type != "upload" {
		t.Fatalf("task %+v", tv)
	}
	var found []string
	eventually(t, 10*time.Second, "the uploaded log on disk", func() bool {
		found = nil
		filepath.WalkDir(filepath.Join(acs.dir, "uploads"), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.Contains(filepath.Base(p), "log-") {
				found = append(found, p)
			}
			return nil
		})
		return len(found) == 1
	})
	b, err := os.ReadFile(found[0])
	if err != nil || len(b) == 0 {
		t.Fatalf("uploaded file %s: %d bytes, %v", found[0], len(b), err)
	}
	// Support may not pull files off a device (a configuration holds secrets).
	status, _, _ := acs.api(t, "support").postTask(d.ID, map[string]any{"type": "upload", "fileType": "1 Vendor Configuration File"}, "")
	if status != http.StatusForbidden {
		t.Fatalf("support's upload: HTTP %d", status)
	}
}
