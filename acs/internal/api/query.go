package api

import "strconv"

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// limitParam reads ?limit=, 1..maxLimit, default defaultLimit.
func limitParam(c *call) (int, error) {
	s := c.query("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badRequest(codeInvalidQuery, "limit must be a whole number from 1 to %d, got %q", maxLimit, s)
	}
	return n, nil
}
