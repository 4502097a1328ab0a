package diag

import (
	"net"
	"strconv"
	"strings"
	"time"
)

// TR-143 reports times in milliseconds (whole, rounded up so that a
// sub-millisecond answer does not read as zero) and, for the Detailed
// parameters, microseconds; timestamps with microseconds in UTC.

func millis(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10)
}

func micros(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Microsecond), 10)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return unknownTime
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// unknownTime is TR-106's "unknown time" value of a dateTime.
const unknownTime = "0001-01-01T00:00:00Z"

func ipString(ip net.IP) string {
	if ip == nil {
		return ""
	}
	return ip.String()
}

func u32(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// params builds a parameter map from alternating names and values: a
// map literal compiles to a map assignment call per entry, twice the code.
func params(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func pingResults(r PingResult) map[string]string {
	return params(
		"IPAddressUsed", ipString(r.Source),
		"SuccessCount", u32(r.Success),
		"FailureCount", u32(r.Failure),
		"AverageResponseTime", millis(r.Average),
		"MinimumResponseTime", millis(r.Min),
		"MaximumResponseTime", millis(r.Max),
		"AverageResponseTimeDetailed", micros(r.Average),
		"MinimumResponseTimeDetailed", micros(r.Min),
		"MaximumResponseTimeDetailed", micros(r.Max),
	)
}

func traceResults(r TraceResult) (map[string]string, []Hop) {
	return params(
		"IPAddressUsed", ipString(r.Source),
		"ResponseTime", millis(r.ResponseTime),
	), r.Hops
}

// hopParams are one RouteHops entry's values. Host is the address: the
// agent does no reverse lookups, which would send DNS queries the
// operator did not ask for and slow the trace down.
func hopParams(h Hop) map[string]string {
	rtts := make([]string, len(h.RoundTrips))
	for i, d := range h.RoundTrips {
		rtts[i] = millis(d)
	}
	return params(
		"Host", ipString(h.Address),
		"HostAddress", ipString(h.Address),
		"ErrorCode", u32(h.ErrorCode),
		"RTTimes", strings.Join(rtts, ","),
	)
}

func transferResults(k Kind, r TransferResult) map[string]string {
	testBytes := "TestBytesSent"
	if k == KindDownload {
		testBytes = "TestBytesReceived"
	}
	return params(
		"IPAddressUsed", ipString(r.Source),
		"ROMTime", stamp(r.ROM),
		"BOMTime", stamp(r.BOM),
		"EOMTime", stamp(r.EOM),
		testBytes, u64(r.TestBytes),
		"TotalBytesReceived", u64(r.TotalReceived),
		"TotalBytesSent", u64(r.TotalSent),
		"TCPOpenRequestTime", stamp(r.TCPOpenRequest),
		"TCPOpenResponseTime", stamp(r.TCPOpenResponse),
	)
}
