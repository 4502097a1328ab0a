// Package files is the ACS's file repository and its file server (port
// 7567, `--files-addr`).
//
// # Repository
//
// Firmware packages arrive through the REST API (POST /api/v1/files). Add
// streams the body to a temporary file under DATA/files/tmp while the
// package verifier (firmware/image through the Verifier seam) checks its
// signature against the ACS's trusted keys and its payload hashes; the
// package is never held in memory. Only a package that verifies to its
// last byte, with nothing after its end, is kept: fsync'd, renamed to
// DATA/files/blobs/SHA256 and recorded in the store with the version and
// boards its signed header declares. Two names with the same content
// share a blob.
//
// # Download credentials: signed, expiring, per-device URLs
//
// A CPE fetches a file with a URL the ACS minted for that device:
//
//	/firmware/NAME?d=DEVICE-ID&e=UNIX-EXPIRY&s=SIGNATURE
//
// SIGNATURE is HMAC-SHA256 over the method, the path, the device ID and
// the expiry, keyed with a key derived from the fleet secret (the one the
// CPE passwords come from), truncated to 128 bits. This was chosen over
// Digest credentials derived like the CPE password because a URL needs no
// per-device state on the server, works unchanged behind a CDN that checks
// the same signature, fits the TR-069 URL limit of 256 characters, and
// keeps Download's Username/Password free; a leaked URL names the device
// it was made for and stops working at its expiry (default 7 days, long
// enough for a download resumed after a power cut). Uploads (Upload RPC:
// vendor configuration and log files) use the same scheme with PUT:
//
//	PUT /uploads/NAME?d=DEVICE-ID&e=UNIX-EXPIRY&s=SIGNATURE
//
// and land in DATA/uploads/DEVICE/TIME-NAME, streamed to disk and bounded
// in size.
//
// # Serving
//
// Downloads honour Range, If-Range, If-None-Match and HEAD (the standard
// library's ServeContent) with the package's SHA-256 as a strong ETag,
// read straight from disk. The server bounds concurrent transfers and
// answers 503 with Retry-After beyond that; every listener timeout is set.
package files
