package local

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"sync"
	"time"
)

// Lockout after wrong passwords: the first few are free (typing errors),
// then each further failure doubles the wait, up to maxLockout.
const (
	freeFailures = 3
	baseLockout  = time.Second
	maxLockout   = 5 * time.Minute
	sessionIdle  = 15 * time.Minute
	maxSessions  = 16
)

// guard checks passwords, throttles guessing and keeps sessions.
type guard struct {
	password func() (string, error)
	now      func() time.Time

	mu       sync.Mutex
	failures map[string]*failure // by client address
	sessions map[string]*sess    // by token hash
}

type failure struct {
	count int
	until time.Time
}

type sess struct {
	_        incomparable
	csrf     string
	lastSeen time.Time
}

func newGuard(password func() (string, error), now func() time.Time) *guard {
	return &guard{password: password, now: now, failures: map[string]*failure{}, sessions: map[string]*sess{}}
}

// locked reports how long client must wait before its next attempt.
func (g *guard) locked(client string) time.Duration {
	var d time.Duration
	g.mu.Lock()
	if f := g.failures[client]; f != nil {
		d = max(f.until.Sub(g.now()), 0)
	}
	g.mu.Unlock()
	return d
}

// login checks a password; on success it returns a new session token and
// its CSRF token. A wrong password extends the client's lockout.
func (g *guard) login(client, password string) (token string, ok bool, err error) {
	want, err := g.password()
	if err != nil {
		return "", false, err
	}
	// Hashing first makes the comparison constant-time whatever the lengths.
	a, b := sha256.Sum256([]byte(password)), sha256.Sum256([]byte(want))
	good := want != "" && subtle.ConstantTimeCompare(a[:], b[:]) == 1

	g.mu.Lock()
	now := g.now()
	if !good {
		f := g.failures[client]
		if f == nil {
			if len(g.failures) > 1024 {
				g.pruneFailures(now)
			}
			f = &failure{}
			g.failures[client] = f
		}
		f.count++
		if f.count >= freeFailures {
			wait := baseLockout << min(f.count-freeFailures, 20)
			f.until = now.Add(min(wait, maxLockout))
		}
		g.mu.Unlock()
		return "", false, nil
	}
	delete(g.failures, client)
	g.pruneSessions(now)
	if len(g.sessions) >= maxSessions {
		// The oldest session makes room: an engineer who lost a cookie
		// must still get in.
		var oldest string
		for k, s := range g.sessions {
			if oldest == "" || s.lastSeen.Before(g.sessions[oldest].lastSeen) {
				oldest = k
			}
		}
		delete(g.sessions, oldest)
	}
	token = randomToken()
	g.sessions[hashToken(token)] = &sess{csrf: randomToken(), lastSeen: now}
	g.mu.Unlock()
	return token, true, nil
}

// session returns the CSRF token of a live session and refreshes it.
func (g *guard) session(token string) (csrf string, ok bool) {
	if token == "" {
		return "", false
	}
	key := hashToken(token)
	g.mu.Lock()
	s := g.sessions[key]
	now := g.now()
	if s == nil || now.Sub(s.lastSeen) > sessionIdle {
		delete(g.sessions, key)
	} else {
		s.lastSeen = now
		csrf, ok = s.csrf, true
	}
	g.mu.Unlock()
	return csrf, ok
}

func (g *guard) logout(token string) {
	key := hashToken(token)
	g.mu.Lock()
	delete(g.sessions, key)
	g.mu.Unlock()
}

func (g *guard) pruneSessions(now time.Time) {
	for k, s := range g.sessions {
		if now.Sub(s.lastSeen) > sessionIdle {
			delete(g.sessions, k)
		}
	}
}

func (g *guard) pruneFailures(now time.Time) {
	for k, f := range g.failures {
		if !f.until.After(now) {
			delete(g.failures, k)
		}
	}
}

// Tokens are kept hashed, so a memory dump of the map is no cookie jar.
func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return string(h[:])
}

func randomToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("local: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
