package update

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"

	"gatewarden/firmware/image"
	"gatewarden/protocol/cwmp"
)

// failure is a transfer's outcome other than success: the TransferComplete
// fault code and a message for the ACS (credentials never appear in it).
type failure struct {
	_    [0]func() // not comparable: spares the binary an equality function
	code cwmp.FaultCode
	msg  string
}

func (f *failure) Error() string { return strconv.FormatUint(uint64(f.code), 10) + " " + f.msg }

// Out of line: an error constructor inlined at each of its callers copies
// the Sprintf call and the allocation into every one.
//
//go:noinline
func fail(code cwmp.FaultCode, format string, args ...any) *failure {
	return &failure{code: code, msg: fmt.Sprintf(format, args...)}
}

// faultOf turns an error into the TransferComplete fault, following the
// fault table of TR069-DIGEST §4.2 (codes from the XSD via protocol/cwmp).
func faultOf(err error, def cwmp.FaultCode) cwmp.FaultStruct {
	if err == nil {
		return cwmp.FaultStruct{}
	}
	var f *failure
	if errors.As(err, &f) {
		return cwmp.FaultStruct{FaultCode: f.code, FaultString: truncate(f.msg)}
	}
	return cwmp.FaultStruct{FaultCode: def, FaultString: truncate(err.Error())}
}

// packageFault classifies a package verification error: 9019 when the
// signature does not come from a trusted key, 9010 when the package is for
// another board, 9018 when the file's contents are wrong.
func packageFault(err error) *failure {
	switch {
	case errors.Is(err, image.ErrNotSigned), errors.Is(err, image.ErrUnknownKey), errors.Is(err, image.ErrBadSignature):
		return fail(cwmp.FaultFileAuthFailure, "firmware package rejected: %v", err)
	case errors.Is(err, image.ErrBoardMismatch):
		return fail(cwmp.FaultDownloadFailure, "firmware package rejected: %v", err)
	case errors.Is(err, image.ErrSink):
		return fail(cwmp.FaultDownloadFailure, "writing the firmware slot failed: %v", err)
	}
	return fail(cwmp.FaultFileCorrupted, "firmware package rejected: %v", err)
}

// isTLSTrust reports a certificate the device does not trust: the file
// server failed to authenticate itself (9012). Verification is never off.
func isTLSTrust(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) || errors.As(err, &verify)
}

// truncate keeps a FaultString within the schema's 256 characters.
func truncate(s string) string {
	if len(s) > 256 {
		return s[:253] + "..."
	}
	return s
}
