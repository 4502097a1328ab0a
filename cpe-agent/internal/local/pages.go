package local

import (
	"fmt"
	"html"
	"net"
	"net/http"
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
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html lang=en><head><meta charset=utf-8><title>%s · Gatewarden</title><style>%s</style></head><body>", esc(title), style)
	if csrf != "" {
		fmt.Fprintf(&b, `<nav><a href="/">Status</a><a href="/ping">Ping</a><a href="/traceroute">Traceroute</a><a href="/bundle">Support bundle</a><form method=post action="/logout"><input type=hidden name=csrf value="%s"><button id=logout>Log out</button></form></nav>`, esc(csrf))
	}
	fmt.Fprintf(&b, "<h1>%s</h1>%s</body></html>", esc(title), body)
	w.Write([]byte(b.String()))
}

func loginForm(msg string) string {
	var b strings.Builder
	if msg != "" {
		fmt.Fprintf(&b, `<p class=err id=msg>%s</p>`, esc(msg))
	}
	b.WriteString(`<form method=post action="/login"><label>Local password <input type=password name=password id=password autocomplete=current-password autofocus></label> <button id=login>Log in</button></form>`)
	return b.String()
}

func probeForm(action, csrf, host string, count bool) string {
	extra := ""
	if count {
		extra = ` <label>Count <input name=count id=count size=3 value=4></label>`
	}
	return fmt.Sprintf(`<form method=post action="%s"><input type=hidden name=csrf value="%s"><label>Host <input name=host id=host value="%s" required></label>%s <button id=run>Run</button></form>`,
		action, esc(csrf), esc(host), extra)
}

func row(b *strings.Builder, k, v string) {
	fmt.Fprintf(b, "<tr><th>%s</th><td>%s</td></tr>", esc(k), esc(v))
}

func tenths(v int64) string { return fmt.Sprintf("%.1f dB", float64(v)/10) }

func when(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t).Round(time.Second)
	if d < 0 {
		return fmt.Sprintf("%s (in %s)", t.UTC().Format(time.RFC3339), -d)
	}
	return fmt.Sprintf("%s (%s ago)", t.UTC().Format(time.RFC3339), d)
}

func statusHTML(st Status, now time.Time) string {
	var b strings.Builder
	b.WriteString(`<table id=status>`)
	row(&b, "Serial number", st.Serial)
	row(&b, "Software version", st.SoftwareVersion)
	row(&b, "Uptime", st.Uptime.Round(time.Second).String())
	if l := st.Line; l != nil {
		row(&b, "Line", l.Status)
		row(&b, "Sync rate down / up", fmt.Sprintf("%d / %d kbit/s", l.DownstreamRate, l.UpstreamRate))
		row(&b, "Attainable down / up", fmt.Sprintf("%d / %d kbit/s", l.DownstreamMaxRate, l.UpstreamMaxRate))
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

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func pingHTML(host string, r diag.PingResult, err error) string {
	if err != nil {
		return fmt.Sprintf(`<p class=err id=result>ping %s: %s</p>`, esc(host), esc(err.Error()))
	}
	var b strings.Builder
	cls := "ok"
	if r.Success == 0 {
		cls = "err"
	}
	fmt.Fprintf(&b, `<p class=%s id=result>%s (%s): %d of %d answered`, cls, esc(host), esc(ipOrEmpty(r.Address)), r.Success, r.Success+r.Failure)
	if r.Success > 0 {
		fmt.Fprintf(&b, `, round trip min/avg/max %s / %s / %s`, ms(r.Min), ms(r.Average), ms(r.Max))
	}
	b.WriteString(`</p>`)
	return b.String()
}

func traceHTML(host string, r diag.TraceResult, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, `<p class=err id=result>traceroute %s: %s</p>`, esc(host), esc(err.Error()))
	} else {
		fmt.Fprintf(&b, `<p class=ok id=result>%s reached in %d hops</p>`, esc(host), len(r.Hops))
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
			fmt.Fprintf(&b, `<tr><td>%d</td><td>%s</td><td>%s</td></tr>`, i+1, esc(addr), esc(strings.Join(rtts, ", ")))
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
