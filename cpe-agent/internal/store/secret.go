package store

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
)

// redacted replaces a secret in every rendering of a value (String,
// GoString, slog, JSON); the stored record keeps the secret itself.
const redacted = "[redacted]"

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}

// redactURL drops the userinfo of a URL (Download URLs may embed
// credentials) and the whole URL if it does not parse.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparseable URL]"
	}
	if u.User != nil {
		u.User = url.User(redacted)
	}
	return u.String()
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
	return fmt.Sprintf("{Username:%q Password:%q}", c.Username, redact(c.Password))
}

func (c Credentials) GoString() string { return "store.Credentials" + c.String() }

// LogValue keeps the password out of slog output.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", c.Username), slog.String("password", redact(c.Password)))
}

// MarshalJSON redacts the password: a JSON rendering (the local page, a
// diagnostic bundle) must not carry it.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(credentialsRecord{Username: c.Username, Password: redact(c.Password)})
}
