package tasks

import (
	"net/url"

	"gatewarden/protocol/cwmp"
)

// TypeUpload asks the device to upload a vendor configuration or log file
// (Upload RPC) to the URL the ACS gives, normally its own file server's
// per-device upload URL. Like a download it carries a CommandKey, may be
// accepted with Status 1 and then ends with the TransferComplete that
// names its key.
const TypeUpload = "upload"

// uploadPayload: URL is filled in by the server from its file service
// when the API request gives none.
type uploadPayload struct {
	FileType string `json:"fileType"`
	URL      string `json:"url"`
	Name     string `json:"name,omitempty"`
}

// uploadTypes are the FileTypes of TR-069's Upload: "3 Vendor
// Configuration File" is the deprecated spelling some CPEs still use.
var uploadTypes = map[string]bool{
	"1 Vendor Configuration File": true,
	"2 Vendor Log File":           true,
	"3 Vendor Configuration File": true,
	"4 Vendor Log File":           true,
}

func buildUpload(payload []byte, key string) (cwmp.Body, error) {
	var p uploadPayload
	if err := decodePayload(payload, &p); err != nil {
		return nil, err
	}
	if p.FileType == "" {
		p.FileType = "2 Vendor Log File"
	}
	if !uploadTypes[p.FileType] && !isVendorFileType(p.FileType) {
		return nil, invalid("upload: fileType %q: want \"1 Vendor Configuration File\" or \"2 Vendor Log File\"", p.FileType)
	}
	if p.URL == "" {
		return nil, invalid("upload: url is required (this ACS has no file service to receive it)")
	}
	u, err := url.Parse(p.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, invalid("upload: url %q must be an absolute http or https URL", p.URL)
	}
	if u.User != nil {
		return nil, invalid("upload: url must not carry credentials")
	}
	return &cwmp.Upload{CommandKey: key, FileType: cwmp.FileType(p.FileType), URL: p.URL}, nil
}

// isVendorFileType accepts the "X <OUI> <name>" vendor types.
func isVendorFileType(ft string) bool {
	return len(ft) > 2 && ft[0] == 'X' && ft[1] == ' '
}
