package digest

// Hand-rolled hex readers: they take strings straight from the header, where
// encoding/hex would need a []byte copy (an allocation per request).

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeHex fills dst from exactly 2*len(dst) hex digits of either case
// (RFC 7616 asks for lowercase; accepting both costs nothing).
func decodeHex(s string, dst []byte) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := hexVal(s[2*i])
		lo, ok2 := hexVal(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

// parseNC reads a nonce count: RFC 7616 writes exactly 8 hex digits; fewer
// are accepted, zero is not (counting starts at 1).
func parseNC(s string) (uint32, bool) {
	if s == "" || len(s) > 8 {
		return 0, false
	}
	var n uint32
	for i := 0; i < len(s); i++ {
		v, ok := hexVal(s[i])
		if !ok {
			return 0, false
		}
		n = n<<4 | uint32(v)
	}
	return n, n != 0
}
