package cwmp

import (
	"testing"
	"time"
)

func TestDateTime(t *testing.T) {
	cet := time.FixedZone("", 3600)
	if got := NewDateTime(time.Date(2024, 3, 5, 14, 7, 31, 0, cet)); got != "2024-03-05T14:07:31+01:00" {
		t.Errorf("NewDateTime keeps the offset: %q", got)
	}
	if got := NewDateTime(time.Date(2024, 3, 5, 13, 7, 31, 250e6, time.UTC)); got != "2024-03-05T13:07:31.25Z" {
		t.Errorf("NewDateTime UTC with fraction: %q", got)
	}
	if NewDateTime(time.Time{}) != UnknownTime {
		t.Error("zero time is not the Unknown Time")
	}
	for _, d := range []DateTime{UnknownTime, "", "0001-01-01T00:00:00", "0001-01-01T00:00:00.000Z"} {
		if !d.IsUnknown() {
			t.Errorf("%q is not unknown", d)
		}
	}
	if DateTime("2024-01-01T00:00:00Z").IsUnknown() {
		t.Error("a real time is unknown")
	}
	tm, err := DateTime("2024-03-05T14:07:31+01:00").Time()
	if err != nil || !tm.Equal(time.Date(2024, 3, 5, 13, 7, 31, 0, time.UTC)) {
		t.Errorf("Time: %v %v", tm, err)
	}
	if _, off := tm.Zone(); off != 3600 {
		t.Errorf("offset lost: %d", off)
	}
	for _, bad := range []DateTime{"0000-00-00T00:00:00", "2024-02-30T00:00:00Z", "2024-01-01", "yesterday", "2024-01-01T25:00:00Z"} {
		if _, err := bad.Time(); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if d, err := parseDateTime("2024-01-01t00:00:00z"); err != nil || d != "2024-01-01T00:00:00Z" {
		t.Errorf("parseDateTime lower case: %q %v", d, err)
	}
}
