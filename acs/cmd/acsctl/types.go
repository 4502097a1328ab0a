package main

import (
	"encoding/json"
	"time"
)

// The JSON objects of the REST API (ARCHITECTURE.md), as acsctl reads
// them. Unknown fields are ignored so that a newer ACS does not break an
// older acsctl.

type device struct {
	ID                   string    `json:"id"`
	OUI                  string    `json:"oui"`
	ProductClass         string    `json:"productClass"`
	SerialNumber         string    `json:"serialNumber"`
	Manufacturer         string    `json:"manufacturer"`
	SoftwareVersion      string    `json:"softwareVersion"`
	HardwareVersion      string    `json:"hardwareVersion"`
	LastInform           time.Time `json:"lastInform"`
	LastBoot             time.Time `json:"lastBoot"`
	Online               bool      `json:"online"`
	ConnectionRequestURL string    `json:"connectionRequestURL"`
	IP                   string    `json:"ip"`
	Tags                 []string  `json:"tags"`
}

type deviceList struct {
	Devices []json.RawMessage `json:"devices"`
	Next    string            `json:"next,omitempty"`
}

type parameter struct {
	Name     string    `json:"name"`
	Value    string    `json:"value"`
	Type     string    `json:"type"`
	Writable *bool     `json:"writable"`
	Updated  time.Time `json:"updated"`
}

type task struct {
	ID        string          `json:"id"`
	Device    string          `json:"device"`
	Type      string          `json:"type"`
	Status    string          `json:"status"`
	Created   time.Time       `json:"created"`
	Completed time.Time       `json:"completed"`
	Result    json.RawMessage `json:"result"`
	Fault     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"fault"`
}

type valuesResult struct {
	Values []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
		Type  string `json:"type"`
	} `json:"values"`
}

type fault struct {
	ID      string    `json:"id"`
	Device  string    `json:"device"`
	Task    string    `json:"task"`
	RPC     string    `json:"rpc"`
	Code    int       `json:"code"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
}

type auditEntry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Status int       `json:"status"`
	Detail string    `json:"detail"`
}

type preset struct {
	Name   string `json:"name,omitempty"`
	Filter string `json:"filter"`
	Values []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
		Type  string `json:"type,omitempty"`
	} `json:"values"`
	Attributes []struct {
		Name         string `json:"name"`
		Notification int    `json:"notification"`
	} `json:"attributes"`
	Version int64     `json:"version"`
	Updated time.Time `json:"updated"`
}
