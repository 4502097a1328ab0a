package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"

	"gatewarden/acs/internal/store"
)

// tokenBytes of randomness make a token: 256 bits cannot be guessed, so a
// hash without salt or stretching is enough to keep it safe at rest.
const tokenBytes = 32

// TokenWriter is where CreateToken keeps the new token; store.Store
// satisfies it.
type TokenWriter interface {
	PutToken(ctx context.Context, t store.Token) error
}

// CreateToken makes a token for name with role, stores its SHA-256 and
// returns the token itself, which exists nowhere else afterwards: the
// caller shows it once (acs token create) or writes it to a 0600 file
// (DATA/admin.token at first start).
func CreateToken(ctx context.Context, tokens TokenWriter, name, role string) (string, error) {
	r, err := ParseRole(role)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	if err := checkTokenName(name); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	err = tokens.PutToken(ctx, store.Token{Name: name, Role: string(r), Hash: HashToken(tok), Created: time.Now().UTC()})
	if err != nil {
		return "", fmt.Errorf("create token %q: %w", name, err)
	}
	return tok, nil
}

// HashToken is how a token is kept and looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// checkTokenName keeps names printable and short: they are the actor of
// every audit entry.
func checkTokenName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("token name must be 1 to 64 characters")
	}
	if strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
		return fmt.Errorf("token name %q: use printable characters without spaces", name)
	}
	return nil
}
