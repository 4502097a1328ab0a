package image

// ed25519SPKI returns pub's PKIX SubjectPublicKeyInfo in DER, the bytes
// x509.MarshalPKIXPublicKey writes (RFC 8410 §4: the Ed25519 algorithm
// identifier without parameters, the key as a BIT STRING), for a key of
// any length. It exists so that KeyIDOf does not need x509's reflective
// ASN.1 marshaller, which the agent would otherwise link for it alone.
func ed25519SPKI(pub []byte) []byte {
	// SEQUENCE { OBJECT IDENTIFIER 1.3.101.112 }
	const algo = "\x30\x05\x06\x03\x2b\x65\x70"
	bitsLen := 1 + len(pub) // the unused-bits octet, then the key
	out := make([]byte, 0, 2*10+len(algo)+bitsLen)
	out = append(out, 0x30)
	out = appendDERLen(out, len(algo)+1+derLenSize(bitsLen)+bitsLen)
	out = append(out, algo...)
	out = append(out, 0x03)
	out = appendDERLen(out, bitsLen)
	out = append(out, 0x00)
	return append(out, pub...)
}

// derLenSize is the size of n's DER length field.
func derLenSize(n int) int {
	size := 1
	if n >= 0x80 {
		for ; n > 0; n >>= 8 {
			size++
		}
	}
	return size
}

// appendDERLen appends n as a DER length, in its shortest form.
func appendDERLen(b []byte, n int) []byte {
	if n < 0x80 {
		return append(b, byte(n))
	}
	k := derLenSize(n) - 1
	b = append(b, 0x80|byte(k))
	for i := k - 1; i >= 0; i-- {
		b = append(b, byte(n>>(8*i)))
	}
	return b
}
