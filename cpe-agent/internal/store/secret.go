package store

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"gatewarden/cpe-agent/internal/redact"
)

// redacted replaces a secret in every rendering of a value (String,
// GoString, slog, JSON); the stored record keeps the secret itself.
const redacted = redact.Marker

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}

// Credentials are the connection-request username and password the ACS
// set (ManagementServer.ConnectionRequestUsername/Password).
type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// credentialsRecord is the stored form: the same fields without the
// redacting methods.
type credentialsRecord Credentials

func (c Credentials) String() string {
	return fmt.Sprintf("{Username:%q Password:%q}", c.Username, mask(c.Password))
}

func (c Credentials) GoString() string { return "store.Credentials" + c.String() }

// LogValue keeps the password out of slog output.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username), slog.String("password", mask(c.Password)))
}

// MarshalJSON redacts the password: a JSON rendering (the local page, a
// diagnostic bundle) must not carry it.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(credentialsRecord{Username: c.Username, Password: mask(c.Password)})
}
