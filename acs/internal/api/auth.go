package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"gatewarden/acs/internal/store"
)

// principal is who made a request.
type principal struct {
	name string
	role Role
}

const bearerChallenge = `Bearer realm="gatewarden"`

// authenticate finds the token of the Authorization header. The token
// itself never leaves this function: neither logs nor errors carry it.
func (a *api) authenticate(ctx context.Context, r *http.Request) (principal, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return principal{}, errorf(http.StatusUnauthorized, codeUnauthorized,
			"missing bearer token: send Authorization: Bearer TOKEN (acs token create makes one)")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return principal{}, errorf(http.StatusUnauthorized, codeUnauthorized,
			"the Authorization header must be: Bearer TOKEN")
	}
	t, err := a.store.TokenByHash(ctx, HashToken(tok))
	if errors.Is(err, store.ErrNotFound) {
		return principal{}, errorf(http.StatusUnauthorized, codeUnauthorized,
			"the token was refused: it is unknown or was revoked")
	}
	if err != nil {
		a.log.Error("token lookup", "err", err)
		return principal{}, errorf(http.StatusServiceUnavailable, codeUnavailable, "cannot check the token now; retry later")
	}
	role, err := ParseRole(t.Role)
	if err != nil {
		// A token with a role this build does not know gets nothing.
		a.log.Warn("token with unknown role", "token", t.Name, "role", t.Role)
		return principal{}, errorf(http.StatusUnauthorized, codeUnauthorized, "the token's role is unknown to this ACS")
	}
	return principal{name: t.Name, role: role}, nil
}
