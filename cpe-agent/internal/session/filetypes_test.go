package session

import (
	"regexp"
	"testing"
)

// The XSD patterns, as regexp understands them: the reference the hand
// matchers must agree with.
var (
	refVendorFileType     = regexp.MustCompile(`^X [0-9A-F]{6} .+$`)
	refUploadInstanceType = regexp.MustCompile(`^(3 Vendor Configuration File|4 Vendor Log File) [1-9][0-9]*$`)
)

var fileTypeSeeds = []string{
	"", "X", "X ", "X 00D09E", "X 00D09E ", "X 00D09E x", "X 00d09E x", "X 00D09G x", "X 00D09Ex",
	"X 00D09E \n", "X 00D09E a\nb", "X 00D09E é", "X 00D09E \xff", "Y 00D09E x", " X 00D09E x",
	"3 Vendor Configuration File 1", "3 Vendor Configuration File 10", "3 Vendor Configuration File 0",
	"3 Vendor Configuration File 01", "3 Vendor Configuration File", "3 Vendor Configuration File ",
	"4 Vendor Log File 7", "4 Vendor Log File 7a", "4 Vendor Log File -1", "4 Vendor Log File 1 ",
	"1 Firmware Upgrade Image", "3 Vendor Configuration File 12345678901234567890",
}

func checkFileType(t *testing.T, s string) {
	if got, want := vendorFileType(s), refVendorFileType.MatchString(s); got != want {
		t.Errorf("vendorFileType(%q) = %v, the pattern says %v", s, got, want)
	}
	if got, want := uploadInstanceType(s), refUploadInstanceType.MatchString(s); got != want {
		t.Errorf("uploadInstanceType(%q) = %v, the pattern says %v", s, got, want)
	}
}

func TestFileTypePatterns(t *testing.T) {
	for _, s := range fileTypeSeeds {
		checkFileType(t, s)
	}
}

func FuzzFileTypePatterns(f *testing.F) {
	for _, s := range fileTypeSeeds {
		f.Add(s)
	}
	f.Fuzz(checkFileType)
}
