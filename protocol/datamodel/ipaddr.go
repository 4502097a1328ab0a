package datamodel

import (
	"net/netip"
	"strings"
)

// The IP address data types say in prose what their XML facets cannot: an
// IPAddress is empty, an IPv4 address in dotted decimal or an IPv6 address
// in an RFC 4291 form without a zone; IPv6Address and the prefixes narrow
// that. These checks run after the facets, for the named type nearest in a
// type's derivation. IPv4Address and IPv4Prefix carry patterns, so they
// need none. A switch rather than a map: a map literal is built by init
// code, some 650 bytes of it in the router build.
func semanticCheckOf(name string) (check func(string) string, named bool) {
	switch name {
	case "IPv4Address", "IPv4Prefix":
		return nil, true
	case "IPAddress":
		return checkIPAddress, true
	case "IPv6Address":
		return checkIPv6Address, true
	case "IPPrefix":
		return checkIPPrefix, true
	case "IPv6Prefix":
		return checkIPv6Prefix, true
	}
	return nil, false
}

// semanticCheck returns the check for the named type nearest to t.
func semanticCheck(t *Type) func(string) string {
	for ; t != nil; t = t.base {
		if check, ok := semanticCheckOf(t.name); ok {
			return check
		}
	}
	return nil
}

// isDottedIPv4 accepts what the IPv4Address pattern accepts: four decimal
// octets of one to three digits, up to 255.
func isDottedIPv4(s string) bool {
	for part := range 4 {
		n, digits := 0, 0
		for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
			n = n*10 + int(s[digits]-'0')
			digits++
			if digits > 3 {
				return false
			}
		}
		if digits == 0 || n > 255 {
			return false
		}
		s = s[digits:]
		if part < 3 {
			if s == "" || s[0] != '.' {
				return false
			}
			s = s[1:]
		}
	}
	return s == ""
}

func isIPv6(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

func checkIPAddress(s string) string {
	if s == "" || isDottedIPv4(s) || isIPv6(s) {
		return ""
	}
	return "not an IPv4 or IPv6 address"
}

func checkIPv6Address(s string) string {
	if s == "" || isIPv6(s) {
		return ""
	}
	return "not an IPv6 address"
}

// prefixLength splits "addr/n" and checks n against max.
func prefixLength(s string, max int) (string, bool) {
	addr, length, ok := strings.Cut(s, "/")
	if !ok || length == "" || len(length) > 3 {
		return "", false
	}
	n, ok := digits(length)
	return addr, ok && n <= max
}

func checkIPPrefix(s string) string {
	if s == "" {
		return ""
	}
	if addr, ok := prefixLength(s, 32); ok && (addr == "" || isDottedIPv4(addr)) {
		return ""
	}
	if addr, ok := prefixLength(s, 128); ok && (addr == "" || isIPv6(addr)) {
		return ""
	}
	return "not an IP prefix (address/length)"
}

func checkIPv6Prefix(s string) string {
	if s == "" {
		return ""
	}
	if addr, ok := prefixLength(s, 128); ok && (addr == "" || isIPv6(addr)) {
		return ""
	}
	return "not an IPv6 prefix (address/length)"
}
