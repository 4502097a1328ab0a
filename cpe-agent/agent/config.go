package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatewarden/cpe-agent/internal/uci"
	"gatewarden/protocol/datamodel"
)

// DefaultConfigPath is where routers keep the agent's settings; OpenWrt's
// uci tools edit the same file.
const DefaultConfigPath = "/etc/config/gatewarden"

// Config is everything an operator or a package can set. The command line
// overrides the file; the file overrides the defaults.
type Config struct {
	_           incomparable
	Platform    string // "linux" or "sim"
	ACSURL      string
	ACSUsername string
	ACSPassword string // secret: never logged
	DataDir     string
	Serial      string
	// ConnReqAddr is the connection-request listener's address (":7547").
	ConnReqAddr string
	// LocalAddr is the field-engineer page's address; empty means the LAN
	// address chosen by the platform.
	LocalAddr string
	MQTTURL   string
	// MQTT is the rest of the MQTT lane's settings (mqtt.go).
	MQTT MQTTConfig
	// Firmware is the firmware updater's settings (update.go).
	Firmware FirmwareConfig
	// Local is the field-engineer page's settings (local.go).
	Local LocalConfig
	// CAFile is a PEM bundle trusted for the ACS instead of the system roots.
	CAFile string
	// MemoryLimit is the Go runtime's soft memory limit in bytes; 0 keeps the
	// default chosen for small routers.
	MemoryLimit int64
	// GCPercent is the Go collector's GOGC; 0 keeps the default chosen for
	// small routers (cmd/cpe-agent, memory.go).
	GCPercent int
	LogLevel  string
	// Identity reported in DeviceInfo and the Inform's DeviceId.
	Manufacturer    string
	OUI             string
	ProductClass    string
	ModelName       string
	HardwareVersion string
	SoftwareVersion string
	// PeriodicInformInterval is the factory default; the ACS may change it.
	PeriodicInformInterval time.Duration
}

// DefaultConfig returns the factory settings.
func DefaultConfig() Config {
	return Config{
		Platform:               "linux",
		DataDir:                "/etc/gatewarden",
		ConnReqAddr:            ":7547",
		LogLevel:               "info",
		Manufacturer:           "Gatewarden",
		OUI:                    "0090F5",
		ProductClass:           "GW1",
		ModelName:              "Gatewarden reference gateway",
		HardwareVersion:        "1.0",
		PeriodicInformInterval: time.Hour,
	}
}

// uciKeys maps the option names of `config agent 'main'` to fields, so the
// file format is documented in one place: stringOption and coreUCIKeys
// here, and the feature files (mqtt.go, update.go) add theirs in init.
var uciKeys = map[string]func(c *Config, v string) error{}

func init() {
	for _, k := range coreUCIKeys {
		uciKeys[k.name] = k.set
	}
}

// coreUCIKeys is a table rather than a map literal: a map literal compiles
// to one map assignment per entry in init code (1.5 KB of router code for
// these), the table to static data and the loop above. Options that only
// copy their value into a string field are in stringOption instead.
var coreUCIKeys = [...]struct {
	name string
	set  func(c *Config, v string) error
}{
	{"memory_limit", func(c *Config, v string) error {
		n, err := ParseSize(v)
		if err != nil {
			return err
		}
		c.MemoryLimit = n
		return nil
	}},
	{"gc_percent", func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("want a percentage ≥ 1 (GOGC), got %q", v)
		}
		c.GCPercent = int(n)
		return nil
	}},
	{"periodic_inform_interval", func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return fmt.Errorf("want a number of seconds ≥ 1, got %q", v)
		}
		c.PeriodicInformInterval = time.Duration(n) * time.Second
		return nil
	}},
}

// stringOption is the string field a plain option sets, or nil for the
// options of uciKeys. The table is built on the stack per call: a setter
// closure per option cost ~140 bytes of router code each, a string switch
// over them 2 KB.
func (c *Config) stringOption(name string) *string {
	for _, f := range c.stringOptions() {
		if f.name == name {
			return f.field
		}
	}
	return nil
}

// stringOptions pairs each plain option with the field it sets in c.
func (c *Config) stringOptions() [22]struct {
	name  string
	field *string
} {
	return [...]struct {
		name  string
		field *string
	}{
		{"platform", &c.Platform},
		{"acs_url", &c.ACSURL},
		{"acs_username", &c.ACSUsername},
		{"acs_password", &c.ACSPassword},
		{"data_dir", &c.DataDir},
		{"serial", &c.Serial},
		{"connreq_addr", &c.ConnReqAddr},
		{"local_addr", &c.LocalAddr},
		{"mqtt_url", &c.MQTTURL},
		{"ca_file", &c.CAFile},
		{"log_level", &c.LogLevel},
		{"manufacturer", &c.Manufacturer},
		{"oui", &c.OUI},
		{"product_class", &c.ProductClass},
		{"model_name", &c.ModelName},
		{"hardware_version", &c.HardwareVersion},
		{"software_version", &c.SoftwareVersion},
		{"local_password", &c.Local.Password},
		{"local_password_file", &c.Local.PasswordFile},
		{"mqtt_push_key", &c.MQTT.PushKey},
		{"firmware_keys", &c.Firmware.KeysFile},
		{"board", &c.Firmware.Board},
	}
}

// OptionNames lists every option of `config agent 'main'` the agent reads,
// sorted; the packaging tests check the shipped config against it.
func OptionNames() []string {
	var names []string
	for _, f := range (&Config{}).stringOptions() {
		names = append(names, f.name)
	}
	for name := range uciKeys {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// LoadConfigFile applies `config agent 'main'` of a UCI file onto c. A
// missing file at the default path is not an error (a lab laptop has none);
// a missing file the operator named is.
func LoadConfigFile(c *Config, path string, mustExist bool) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !mustExist {
			return nil
		}
		return fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	file, err := uci.Parse(f)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	sec := file.Section("agent", "main")
	if sec == nil {
		if secs := file.Sections("agent"); len(secs) > 0 {
			sec = secs[0]
		}
	}
	if sec == nil {
		return fmt.Errorf("config %s: no `config agent 'main'` section", path)
	}
	for _, o := range sec.Options() {
		field := c.stringOption(o.Name)
		set, ok := uciKeys[o.Name]
		if field == nil && !ok {
			return fmt.Errorf("config %s: line %d: unknown option %q", path, o.Line, o.Name)
		}
		if o.List {
			return fmt.Errorf("config %s: line %d: %q takes one value, not a list", path, o.Line, o.Name)
		}
		if field != nil {
			*field = o.Values[0]
		} else if err := set(c, o.Values[0]); err != nil {
			return fmt.Errorf("config %s: line %d: %s: %w", path, o.Line, o.Name, err)
		}
	}
	return nil
}

// ParseSize reads a byte count with an optional K, M or G suffix (powers of
// 1024), as memory limits are usually written.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := int64(1)
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, t[:len(t)-1]
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, t[:len(t)-1]
	case strings.HasSuffix(t, "G"):
		mult, t = 1<<30, t[:len(t)-1]
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("want a size such as 24M, got %q", s)
	}
	return n * mult, nil
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	switch c.Platform {
	case "linux", "sim":
	default:
		return fmt.Errorf("platform %q: want linux or sim", c.Platform)
	}
	if c.ACSURL == "" {
		return errors.New("no ACS URL: set --acs-url or option acs_url")
	}
	if !strings.HasPrefix(c.ACSURL, "http://") && !strings.HasPrefix(c.ACSURL, "https://") {
		return fmt.Errorf("ACS URL %q: want http:// or https://", c.ACSURL)
	}
	if c.DataDir == "" {
		return errors.New("no data directory: set --data or option data_dir")
	}
	// The data model defines what an OUI is; the Inform must carry one.
	if n, ok := datamodel.TR181().Lookup("Device.DeviceInfo.ManufacturerOUI"); ok && n.Validate(c.OUI) != nil {
		return fmt.Errorf("OUI %q: want 6 uppercase hex digits", c.OUI)
	}
	return nil
}
