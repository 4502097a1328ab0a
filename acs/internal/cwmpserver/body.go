package cwmpserver

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

// putBuf returns a buffer to the pool unless a large message grew it: a
// pool of 4 MiB buffers would keep a burst's peak memory forever.
func putBuf(b *bytes.Buffer) {
	if b.Cap() > maxPooledBufferBytes {
		return
	}
	b.Reset()
	bufPool.Put(b)
}

type bodyStatus uint8

const (
	bodyOK       bodyStatus = iota // buf holds a message
	bodyEmpty                      // an empty POST
	bodyRejected                   // refused; the answer is written
	bodyGone                       // reading failed (client gone or too slow); 408 written
)

// readBody reads the request's message into buf, never more than
// MaxMessageBytes of it. Refusals are answered here: 415 for a compressed
// body or a media type other than SOAP 1.1's text/xml, 413 for a body
// over the limit (announced or found while reading).
func (srv *Server) readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) bodyStatus {
	if r.ContentLength == 0 {
		return bodyEmpty
	}
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		// TR-069 CPEs fall back to uncompressed messages on 415.
		srv.refuse(w, http.StatusUnsupportedMediaType, RejectMediaType)
		return bodyRejected
	}
	if ct, ok := r.Header["Content-Type"]; ok && !soap11MediaType(ct) {
		srv.refuse(w, http.StatusUnsupportedMediaType, RejectMediaType)
		return bodyRejected
	}
	limit := srv.cfg.MaxMessageBytes
	if r.ContentLength > limit {
		srv.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge)
		return bodyRejected
	}
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		// Too slow for the http.Server's ReadTimeout, or gone. Say so
		// in case it is still listening.
		srv.refuse(w, http.StatusRequestTimeout, RejectReadFailed)
		return bodyGone
	}
	if n > limit {
		srv.refuse(w, http.StatusRequestEntityTooLarge, RejectTooLarge)
		return bodyRejected
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return bodyEmpty
	}
	return bodyOK
}

// soap11MediaType accepts text/xml in any case with any parameters (and
// application/xml, which some stacks send), and no Content-Type value at
// all; it refuses application/soap+xml (SOAP 1.2) and everything else.
func soap11MediaType(values []string) bool {
	if len(values) != 1 {
		return len(values) == 0
	}
	mt, _, _ := strings.Cut(values[0], ";")
	mt = strings.TrimSpace(mt)
	return mt == "" || strings.EqualFold(mt, "text/xml") || strings.EqualFold(mt, "application/xml")
}

// refuse answers an HTTP-level error without a body and closes the
// connection, whose unread request body is not worth draining.
func (srv *Server) refuse(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Connection", "close")
	h.Set("Content-Length", "0")
	w.WriteHeader(status)
	srv.cfg.Observer.Rejected(reason, status)
}

// writeBuf sends buf as a 200 text/xml answer. It does not flush: the
// answer leaves when the handler returns, after the session state it
// reports is in place and the session is unlocked (a CPE may send its
// next POST, even on a new connection, the moment it reads the answer).
// A client that is gone is found by the session sweeper; a successful
// write would not have proved it was there anyway.
func writeBuf(w http.ResponseWriter, buf *bytes.Buffer) error {
	h := w.Header()
	h["Content-Type"] = contentTypeXML
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

var contentTypeXML = []string{`text/xml; charset="utf-8"`}

func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}
