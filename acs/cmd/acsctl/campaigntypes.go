package main

import "time"

// firmwareFile is the API's File object.
type firmwareFile struct {
	Name       string    `json:"name"`
	FileType   string    `json:"fileType"`
	Version    string    `json:"version"`
	Boards     []string  `json:"boards"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	Key        string    `json:"key"`
	Uploaded   time.Time `json:"uploaded"`
	UploadedBy string    `json:"uploadedBy"`
}

// campaign is the API's Campaign object.
type campaign struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	File             string         `json:"file"`
	Filter           string         `json:"filter"`
	MaxConcurrent    int            `json:"maxConcurrent"`
	Windows          []string       `json:"windows"`
	Location         string         `json:"location"`
	FailureThreshold float64        `json:"failureThreshold"`
	DeviceTimeout    string         `json:"deviceTimeout"`
	State            string         `json:"state"`
	Wave             int            `json:"wave"`
	HaltReason       string         `json:"haltReason"`
	Waves            []campaignWave `json:"waves"`
	Totals           campaignWave   `json:"totals"`
	Created          time.Time      `json:"created"`
	Finished         *time.Time     `json:"finished"`
	Actor            string         `json:"actor"`
}

type campaignWave struct {
	Wave      int     `json:"wave"`
	Percent   float64 `json:"percent"`
	Size      int     `json:"size"`
	Pending   int     `json:"pending"`
	Active    int     `json:"active"`
	Succeeded int     `json:"succeeded"`
	Failed    int     `json:"failed"`
	Skipped   int     `json:"skipped"`
}

// ended reports whether a campaign will not change by itself any more.
// A halted campaign waits for an operator, so watching it ends too.
func (c *campaign) ended() bool {
	switch c.State {
	case "completed", "aborted", "halted":
		return true
	}
	return false
}
