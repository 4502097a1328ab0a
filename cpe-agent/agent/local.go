package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatewarden/cpe-agent/internal/local"
	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/redact"
	"gatewarden/cpe-agent/internal/session"
	"gatewarden/cpe-agent/internal/store"
)

// LocalConfig is the field engineer's page.
type LocalConfig struct {
	_ incomparable
	// Password is the device's local password; PasswordFile names a file
	// holding it (written at manufacturing). One of them must be set for
	// the page to start, except on the sim platform, which plays the
	// factory and writes a random one to DATA/local.password.
	Password     string // secret: never logged
	PasswordFile string
}

// LocalOff as the local address turns the page off (the diag socket
// stays): simulated fleets of many agents in one process use it.
const LocalOff = "off"

// LANAddresser is what a platform implements to say where the page
// listens by default: its LAN interface's address.
type LANAddresser interface {
	LANAddress() (net.IP, error)
}

// localPart runs the page and the diag socket of one agent instance.
type localPart struct {
	_    incomparable
	a    *Agent
	tree *model.Tree
	plat platform.Platform

	mu          sync.Mutex
	client      *session.Client
	lastContact time.Time
}

func (a *Agent) newLocal(plat platform.Platform, tree *model.Tree) *localPart {
	return &localPart{a: a, tree: tree, plat: plat}
}

func (l *localPart) attach(c *session.Client) {
	l.mu.Lock()
	l.client = c
	l.mu.Unlock()
}

// sessionEnded remembers the last successful contact for the status page.
func (l *localPart) sessionEnded(next func(session.Result)) func(session.Result) {
	return func(r session.Result) {
		if r.Established {
			l.mu.Lock()
			l.lastContact = r.End
			l.mu.Unlock()
		}
		if next != nil {
			next(r)
		}
	}
}

// run serves the diag socket always and the page when it has an address
// and a password. Neither stops the agent when it cannot start.
func (l *localPart) run(ctx context.Context) {
	var wg sync.WaitGroup
	sock, err := local.ListenSocket(l.a.cfg.DataDir, l, local.Probes{}, l.a.log)
	if err != nil {
		l.a.log.Error("diag socket unavailable", "err", err)
	} else {
		wg.Go(func() {
			if err := sock.Serve(ctx); err != nil {
				l.a.log.Error("diag socket stopped", "err", err)
			}
		})
	}
	if l.a.cfg.LocalAddr == LocalOff {
		l.a.log.Debug("field-engineer page turned off (local_addr off)")
	} else if page, err := l.listenPage(); err != nil {
		l.a.log.Warn("field-engineer page off", "reason", err.Error())
	} else {
		l.a.log.Info("field-engineer page", "addr", page.Addr().String())
		wg.Go(func() {
			if err := page.Serve(ctx); err != nil {
				l.a.log.Error("field-engineer page stopped", "err", err)
			}
		})
	}
	wg.Wait()
}

func (l *localPart) listenPage() (*local.Server, error) {
	addr := l.a.cfg.LocalAddr
	if addr == "" {
		switch p := l.plat.(type) {
		case LANAddresser:
			ip, err := p.LANAddress()
			if err != nil {
				return nil, fmt.Errorf("no LAN address to listen on: %w", err)
			}
			addr = net.JoinHostPort(ip.String(), "8080")
		default:
			if l.plat.Name() != "sim" {
				return nil, errors.New("the platform names no LAN address; set --local-addr or option local_addr")
			}
			addr = "127.0.0.1:8080"
		}
	}
	password, err := l.password()
	if err != nil {
		return nil, err
	}
	return local.Listen(local.Options{
		Addr:     addr,
		Password: func() (string, error) { return password, nil },
		Agent:    l,
		Logger:   l.a.log,
	})
}

// password finds the device's local password. There is no default: a
// device without one has no page.
func (l *localPart) password() (string, error) {
	c := l.a.cfg.Local
	if c.Password != "" {
		return c.Password, nil
	}
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("local password file: %w", err)
		}
		p := strings.TrimSpace(string(b))
		if p == "" {
			return "", fmt.Errorf("local password file %s is empty", c.PasswordFile)
		}
		return p, nil
	}
	if l.plat.Name() != "sim" {
		return "", errors.New("no local password configured (option local_password_file)")
	}
	// The sim plays the factory: a random password per device, kept in
	// its data directory for the engineer (or the test) to read.
	path := filepath.Join(l.a.cfg.DataDir, "local.password")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("local password: %w", err)
	}
	var raw [9]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("local password: %w", err)
	}
	p := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(p+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("local password: %w", err)
	}
	return p, nil
}

// values reads a subtree the way the ACS would (hidden values empty); a
// subtree the device lacks reads as nothing.
func (l *localPart) values(ctx context.Context, path string) map[string]string {
	list, err := l.tree.GetParameterValues(ctx, []string{path})
	if err != nil {
		return nil
	}
	m := make(map[string]string, len(list))
	for _, p := range list {
		m[p.Name] = p.Value
	}
	return m
}

func parseU(s string) uint64 { n, _ := strconv.ParseUint(s, 10, 64); return n }
func parseI(s string) int64  { n, _ := strconv.ParseInt(s, 10, 64); return n }

// Status gathers the page's figures from the tree, the session and the
// event queue.
func (l *localPart) Status(ctx context.Context) (local.Status, error) {
	di := l.values(ctx, "Device.DeviceInfo.")
	st := local.Status{
		Serial:          di["Device.DeviceInfo.SerialNumber"],
		ProductClass:    di["Device.DeviceInfo.ProductClass"],
		SoftwareVersion: di["Device.DeviceInfo.SoftwareVersion"],
		Uptime:          time.Duration(parseU(di["Device.DeviceInfo.UpTime"])) * time.Second,
		PendingEvents:   []string{},
		MQTT:            "not configured",
	}
	if dsl := l.values(ctx, "Device.DSL."); len(dsl) > 0 {
		const ln, ch = "Device.DSL.Line.1.", "Device.DSL.Channel.1."
		st.Line = &local.Line{
			Status:                dsl[ln+"Status"],
			UpstreamRate:          parseU(dsl[ch+"UpstreamCurrRate"]),
			DownstreamRate:        parseU(dsl[ch+"DownstreamCurrRate"]),
			UpstreamMaxRate:       parseU(dsl[ln+"UpstreamMaxBitRate"]),
			DownstreamMaxRate:     parseU(dsl[ln+"DownstreamMaxBitRate"]),
			UpstreamNoiseMargin:   parseI(dsl[ln+"UpstreamNoiseMargin"]),
			DownstreamNoiseMargin: parseI(dsl[ln+"DownstreamNoiseMargin"]),
			UpstreamAttenuation:   parseI(dsl[ln+"UpstreamAttenuation"]),
			DownstreamAttenuation: parseI(dsl[ln+"DownstreamAttenuation"]),
		}
	}
	st.WAN = wanOf(l.values(ctx, "Device.IP.Interface."))
	if mq := l.values(ctx, "Device.MQTT.Client.1."); len(mq) > 0 {
		st.MQTT = mq["Device.MQTT.Client.1.Status"]
		if st.MQTT == "" {
			st.MQTT = "unknown"
		}
	}
	st.Firmware = slotsOf(l.values(ctx, "Device.DeviceInfo.FirmwareImage."), di["Device.DeviceInfo.ActiveFirmwareImage"])

	url, _ := l.tree.Value(ctx, "Device.ManagementServer.URL")
	st.ACS.URL = redact.URL(url)
	l.mu.Lock()
	c, last := l.client, l.lastContact
	l.mu.Unlock()
	st.ACS.LastContact = last
	st.ACS.LastResult = "no session yet"
	if c != nil {
		if r, ok := c.Last(); ok {
			switch {
			case r.Err == nil:
				st.ACS.LastResult = "ok"
			case r.Fault != nil:
				st.ACS.LastResult = fmt.Sprintf("ACS fault %d: %s", r.Fault.FaultCode, r.Fault.FaultString)
			default:
				st.ACS.LastResult = r.Err.Error()
			}
			if r.RetryIn > 0 {
				st.ACS.NextRetry = r.End.Add(r.RetryIn)
			}
		}
	}
	evs, err := l.a.st.Events()
	if err != nil {
		return st, fmt.Errorf("reading the event queue: %w", err)
	}
	for _, e := range evs {
		st.PendingEvents = append(st.PendingEvents, eventLabel(e))
	}
	return st, nil
}

func eventLabel(e store.StoredEvent) string {
	if e.CommandKey != "" {
		return e.Code + " (" + e.CommandKey + ")"
	}
	return e.Code
}

// wanOf picks the WAN among the IP interfaces: the one its alias or name
// calls WAN, else the first that is neither loopback nor on a bridge.
func wanOf(ip map[string]string) local.WAN {
	var fallback string
	for i := 1; i <= 64; i++ {
		p := "Device.IP.Interface." + strconv.Itoa(i) + "."
		if _, ok := ip[p+"Status"]; !ok {
			continue
		}
		name := strings.ToLower(ip[p+"Alias"] + " " + ip[p+"Name"])
		if strings.Contains(name, "wan") {
			return wanFrom(ip, p)
		}
		if fallback == "" && ip[p+"Loopback"] != "true" && ip[p+"Loopback"] != "1" && !strings.Contains(ip[p+"LowerLayers"], "Bridging") {
			fallback = p
		}
	}
	if fallback == "" {
		return local.WAN{Status: "unknown", Addresses: []string{}}
	}
	return wanFrom(ip, fallback)
}

func wanFrom(ip map[string]string, p string) local.WAN {
	w := local.WAN{Status: ip[p+"Status"], Addresses: []string{}}
	for _, fam := range []string{"IPv4Address.", "IPv6Address."} {
		for i := 1; i <= 64; i++ {
			a := ip[p+fam+strconv.Itoa(i)+".IPAddress"]
			if a != "" {
				w.Addresses = append(w.Addresses, a)
			}
		}
	}
	return w
}

func slotsOf(fw map[string]string, active string) []local.Slot {
	var out []local.Slot
	for i := 1; i <= 8; i++ {
		p := "Device.DeviceInfo.FirmwareImage." + strconv.Itoa(i) + "."
		if _, ok := fw[p+"Status"]; !ok {
			continue
		}
		name := fw[p+"Name"]
		if name == "" {
			name = strconv.Itoa(i)
		}
		out = append(out, local.Slot{
			Name: name, Version: fw[p+"Version"], Status: fw[p+"Status"],
			Active: fw[p+"Status"] == "Active" || (active != "" && strings.TrimSuffix(active, ".") == strings.TrimSuffix(p, ".")),
		})
	}
	return out
}

// Bundle writes what support needs to see: the status, the whole
// parameter tree as the ACS would read it (hidden values empty) and the
// configuration without its secrets.
func (l *localPart) Bundle(ctx context.Context, w io.Writer) error {
	fmt.Fprintf(w, "gatewarden support bundle, %s\n\n== status\n", time.Now().UTC().Format(time.RFC3339))
	st, err := l.Status(ctx)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(st)
	if err != nil {
		fmt.Fprintf(w, "(status incomplete: %v)\n", err)
	}
	fmt.Fprintf(w, "\n== configuration\n")
	l.a.cfg.writeConfig(w)
	fmt.Fprintf(w, "\n== parameters\n")
	list, err := l.tree.GetParameterValues(ctx, []string{"Device."})
	if err != nil {
		return fmt.Errorf("reading the tree: %w", err)
	}
	for _, p := range list {
		fmt.Fprintf(w, "%s = %s\n", p.Name, p.Value)
	}
	return nil
}

// writeConfig writes the configuration with every secret replaced, one
// "name = value" line per option. A table and one Fprintf rather than a
// concatenation per line: 1 KB less router code.
func (c *Config) writeConfig(w io.Writer) {
	secret := func(v string) string {
		if v == "" {
			return ""
		}
		return "(set, not shown)"
	}
	lines := [...]struct{ name, value string }{
		{"platform", c.Platform},
		{"acs_url", redact.URL(c.ACSURL)},
		{"acs_username", c.ACSUsername},
		{"acs_password", secret(c.ACSPassword)},
		{"data_dir", c.DataDir},
		{"serial", c.Serial},
		{"connreq_addr", c.ConnReqAddr},
		{"local_addr", c.LocalAddr},
		{"local_password", secret(c.Local.Password)},
		{"local_password_file", c.Local.PasswordFile},
		{"mqtt_url", redact.URL(c.MQTTURL)},
		{"ca_file", c.CAFile},
		{"software_version", c.SoftwareVersion},
	}
	for _, l := range lines {
		fmt.Fprintf(w, "%s = %s\n", l.name, l.value)
	}
}
