package session

import "strings"

// The two file-type forms below are the XSD's patterns, matched by hand:
// package regexp and its Unicode tables would cost the agent about 100 KB of
// flash and its start-up heap for two fixed shapes.

// vendorFileType reports whether s has the vendor form "X OUI text":
// pattern `X [0-9A-F]{6} .+` with `.` any character but a newline.
func vendorFileType(s string) bool {
	rest, ok := strings.CutPrefix(s, "X ")
	if !ok || len(rest) < 8 || rest[6] != ' ' {
		return false
	}
	for i := range 6 {
		if c := rest[i]; (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return !strings.ContainsRune(rest[7:], '\n')
}

// uploadInstanceType reports whether s names one instance of a vendor file
// for Upload: "3 Vendor Configuration File N" or "4 Vendor Log File N"
// with N a positive number without leading zeros.
func uploadInstanceType(s string) bool {
	n, ok := strings.CutPrefix(s, "3 Vendor Configuration File ")
	if !ok {
		if n, ok = strings.CutPrefix(s, "4 Vendor Log File "); !ok {
			return false
		}
	}
	if n == "" || n[0] == '0' {
		return false
	}
	for i := range len(n) {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}
