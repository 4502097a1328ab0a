// Package image reads, writes and verifies Gatewarden firmware packages.
//
// A package is one file (see firmware/README.md for the byte layout):
//
//	preamble  "GWFW", format version (uint16), flags (uint16, zero), header length (uint32)
//	header    version string, compatible boards, payload entries (name, target, size, SHA-256)
//	signature key ID (8 bytes) and ed25519 signature over preamble+header
//	payloads  each entry's bytes, in header order, nothing after the last one
//
// Verification is streaming: the header and signature are checked before a
// single payload byte is released, payload hashes are computed as bytes flow
// through, and memory stays constant whatever the image size (the header is
// at most MaxHeaderSize bytes).
//
// # API for other packages
//
// Trust anchors, from the PEM forms of the firmware contract (fwtool keygen
// writes KEY as a PKCS#8 "PRIVATE KEY" and KEY.pub as a PKIX "PUBLIC KEY"):
//
//	ParsePublicKeys(pemBytes []byte) ([]ed25519.PublicKey, error) // one or more PUBLIC KEY blocks
//	LoadPublicKeys(paths ...string) ([]ed25519.PublicKey, error)
//	ParsePrivateKey(pemBytes []byte) (ed25519.PrivateKey, error)
//	NewKeyring(keys ...ed25519.PublicKey) *Keyring
//	KeyIDOf(pub ed25519.PublicKey) KeyID
//
// Whole-package verification from any io.Reader (an upload body, a file);
// the payload is hashed and discarded, never held:
//
//	Verify(r io.Reader, keys *Keyring, board string) (*Header, error)
//
// board "" skips the board check. The error says exactly what is wrong and
// matches one of the sentinel errors with errors.Is (ErrBadMagic,
// ErrUnsupportedFormat, ErrMalformedHeader, ErrNotSigned, ErrUnknownKey,
// ErrBadSignature, ErrBoardMismatch, ErrTruncated, ErrTrailingData,
// ErrHashMismatch); errors.As with *Error gives the byte offset.
//
// Push-style verification for installers that write payloads to flash and
// must survive a power cut (the agent):
//
//	NewVerifier(keys *Keyring, board string, sink Sink) *Verifier
//	(*Verifier).Write(p []byte) (int, error) // feed package bytes in order
//	(*Verifier).Close() error                // the package ended: complete?
//	(*Verifier).Header() *Header             // nil until the signature checked out
//	(*Verifier).Offset() int64               // package bytes consumed
//	(*Verifier).Position() (entry int, off int64)
//	(*Verifier).MarshalBinary / UnmarshalBinary // resume after a restart
//
// Writing packages (fwtool, tests):
//
//	ReadHeader(r io.Reader) (*Header, Signature, error) // unverified, for inspect
//	Pack(w io.Writer, h *Header, payloads []io.Reader, key ed25519.PrivateKey) error
//	Sign(w io.Writer, r io.Reader, key ed25519.PrivateKey) error
//
// # Caveats
//
// Payload bytes reach the Sink before the entry's hash is known to be
// right: the sink must write to a slot already marked bad, and nothing may
// be activated before Close returns nil.
package image
