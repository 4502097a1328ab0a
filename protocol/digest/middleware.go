package digest

import (
	"context"
	"errors"
	"net/http"
)

type ctxKey struct{}

// UsernameFromContext returns the user that Wrap authenticated.
func UsernameFromContext(ctx context.Context) (string, bool) {
	u, ok := ctx.Value(ctxKey{}).(string)
	return u, ok
}

// Reject answers a request that Authenticate refused: a fresh challenge
// (stale=true after ErrStale, so the client retries without asking its user;
// a Basic challenge too where Basic is allowed), or 503 when the credential
// store failed, so that a CPE backs off instead of concluding that its
// password is wrong.
func (s *Server) Reject(w http.ResponseWriter, r *http.Request, err error) {
	if !IsAuthError(err) {
		http.Error(w, "authentication temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	s.challenge(w, errors.Is(err, ErrStale), s.basic && s.isTLS(r))
}

// Wrap authenticates every request before next sees it; next finds the
// username with UsernameFromContext. Outcomes reach Config.Observe.
func (s *Server) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := s.Authenticate(r)
		if err != nil {
			s.Reject(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, user)))
	})
}
