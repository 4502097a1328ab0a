package local

import (
	"html"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatewarden/cpe-agent/internal/diag"
)

var esc = html.EscapeString

const style = `body{font-family:sans-serif;margin:1.5em;max-width:52em}
nav a,nav button{margin-right:1em}nav form{display:inline}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2em .6em;text-align:left}
.err{color:#a00}.ok{color:#070}`

// writePage wraps body in the page frame; csrf "" means logged out (no
// navigation).
func writePage(w http.ResponseWriter, code int, title, csrf, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	nav := ""
	if csrf != "" {
		nav = `<nav><a href="/">Status</a><a href="/ping">Ping</a><a href="/traceroute">Traceroute</a><a href="/bundle">Support bundle</a><form method=post action="/logout"><input type=hidden name=csrf value="` +
			esc(csrf) + `"><button id=logout>Log out</button></form></nav>`
	}
	io.WriteString(w, "<!doctype html><html lang=en><head><meta charset=utf-8><title>"+esc(title)+" · Gatewarden</title><style>"+style+"</style></head><body>"+
		nav+"<h1>"+esc(title)+"</h1>"+body+"</body></html>")
}

func loginForm(msg string) string {
	const form = `<form method=post action="/login"><label>Local password <input type=password name=password id=password autocomplete=current-password autofocus></label> <button id=login>Log in</button></form>`
	if msg != "" {
		return `<p class=err id=msg>` + esc(msg) + `</p>` + form
	}
	return form
}

func probeForm(action, csrf, host string, count bool) string {
	extra := ""
	if count {
		extra = ` <label>Count <input name=count id=count size=3 value=4></label>`
	}
	return `<form method=post action="` + action + `"><input type=hidden name=csrf value="` + esc(csrf) +
		`"><label>Host <input name=host id=host value="` + esc(host) + `" required></label>` + extra + ` <button id=run>Run</button></form>`
}

func row(b *strings.Builder, k, v string) {
	b.WriteString("<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>")
}

func tenths(v int64) string { return strconv.FormatFloat(float64(v)/10, 'f', 1, 64) + " dB" }

func when(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		return t.UTC().Format(time.RFC3339) + " (in " + (-d).String() + ")"
	}
	return t.UTC().Format(time.RFC3339) + " (" + d.String() + " ago)"
}

func statusHTML(st Status, now time.Time) string {
	var b strings.Builder
	b.WriteString(`<table id=status>`)
	row(&b, "Serial number", st.Serial)
	row(&b, "Software version", st.SoftwareVersion)
	row(&b, "Uptime", st.Uptime.Round(time.Second).String())
	if l := st.Line; l != nil {
		row(&b, "Line", l.Status)
		row(&b, "Sync rate down / up", kbits(l.DownstreamRate, l.UpstreamRate))
		row(&b, "Attainable down / up", kbits(l.DownstreamMaxRate, l.UpstreamMaxRate))
		row(&b, "Noise margin down / up", tenths(l.DownstreamNoiseMargin)+" / "+tenths(l.UpstreamNoiseMargin))
		row(&b, "Attenuation down / up", tenths(l.DownstreamAttenuation)+" / "+tenths(l.UpstreamAttenuation))
	} else {
		row(&b, "Line", "no DSL line")
	}
	row(&b, "WAN", st.WAN.Status)
	row(&b, "WAN addresses", strings.Join(st.WAN.Addresses, ", "))
	row(&b, "ACS", st.ACS.URL)
	row(&b, "Last ACS contact", when(st.ACS.LastContact, now))
	row(&b, "Last result", st.ACS.LastResult)
	if !st.ACS.NextRetry.IsZero() {
		row(&b, "Next retry", when(st.ACS.NextRetry, now))
	}
	pending := strings.Join(st.PendingEvents, ", ")
	if pending == "" {
		pending = "none"
	}
	row(&b, "Pending events", pending)
	row(&b, "MQTT", st.MQTT)
	for _, s := range st.Firmware {
		state := s.Status
		if s.Active {
			state += ", running"
		}
		row(&b, "Firmware slot "+s.Name, s.Version+" ("+state+")")
	}
	b.WriteString(`</table>`)
	return b.String()
}

// kbits is a down / up rate pair.
func kbits(down, up uint64) string {
	return strconv.FormatUint(down, 10) + " / " + strconv.FormatUint(up, 10) + " kbit/s"
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

func pingHTML(host string, r diag.PingResult, err error) string {
	if err != nil {
		return `<p class=err id=result>ping ` + esc(host) + `: ` + esc(err.Error()) + `</p>`
	}
	var b strings.Builder
	cls := "ok"
	if r.Success == 0 {
		cls = "err"
	}
	b.WriteString(`<p class=` + cls + ` id=result>` + esc(host) + ` (` + esc(ipOrEmpty(r.Address)) + `): ` +
		strconv.FormatUint(uint64(r.Success), 10) + ` of ` + strconv.FormatUint(uint64(r.Success+r.Failure), 10) + ` answered`)
	if r.Success > 0 {
		b.WriteString(`, round trip min/avg/max ` + ms(r.Min) + ` / ` + ms(r.Average) + ` / ` + ms(r.Max))
	}
	b.WriteString(`</p>`)
	return b.String()
}

func traceHTML(host string, r diag.TraceResult, err error) string {
	var b strings.Builder
	if err != nil {
		b.WriteString(`<p class=err id=result>traceroute ` + esc(host) + `: ` + esc(err.Error()) + `</p>`)
	} else {
		b.WriteString(`<p class=ok id=result>` + esc(host) + ` reached in ` + strconv.Itoa(len(r.Hops)) + ` hops</p>`)
	}
	if len(r.Hops) > 0 {
		b.WriteString(`<table id=hops><tr><th>#</th><th>Address</th><th>Round trips</th></tr>`)
		for i, h := range r.Hops {
			rtts := make([]string, len(h.RoundTrips))
			for j, d := range h.RoundTrips {
				rtts[j] = ms(d)
			}
			addr := ipOrEmpty(h.Address)
			if addr == "" {
				addr = "*"
			}
			b.WriteString(`<tr><td>` + strconv.Itoa(i+1) + `</td><td>` + esc(addr) + `</td><td>` + esc(strings.Join(rtts, ", ")) + `</td></tr>`)
		}
		b.WriteString(`</table>`)
	}
	return b.String()
}

func ipOrEmpty(ip []byte) string {
	if len(ip) == 0 {
		return ""
	}
	return net.IP(ip).String()
}
