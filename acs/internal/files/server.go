package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gatewarden/acs/internal/store"
)

// Paths on the file server.
const (
	FirmwarePath = "/firmware/"
	UploadPath   = "/uploads/"
)

// DefaultURLLifetime is how long a minted URL works.
const DefaultURLLifetime = 7 * 24 * time.Hour

// DefaultMaxUploadBytes bounds one file a CPE uploads (configuration
// backups and logs are small).
const DefaultMaxUploadBytes = 64 << 20

// DefaultMaxTransfers bounds concurrent downloads and uploads.
const DefaultMaxTransfers = 512

// Server is the file server's handler.
type Server struct {
	repo       *Repo
	sign       *Signer
	base       func() string
	uploadDir  string
	maxUpload  int64
	lifetime   time.Duration
	slots      chan struct{}
	log        *slog.Logger
	now        func() time.Time
	onDownload func(device, name string, status int)
}

// ServerOptions configure NewServer; Repo and Signer are required.
type ServerOptions struct {
	Repo   *Repo
	Signer *Signer
	// BaseURL returns the scheme://host:port CPEs reach the file server
	// at; it may change once the listener is up.
	BaseURL func() string
	// UploadDir receives CPE uploads (DATA/uploads).
	UploadDir      string
	MaxUploadBytes int64         // 0: DefaultMaxUploadBytes
	URLLifetime    time.Duration // 0: DefaultURLLifetime
	MaxTransfers   int           // 0: DefaultMaxTransfers
	Logger         *slog.Logger
	Now            func() time.Time
	// OnDownload, when set, sees every download request's outcome (tests,
	// metrics); it must not block.
	OnDownload func(device, name string, status int)
}

// NewServer builds the handler.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Repo == nil || o.Signer == nil || o.BaseURL == nil {
		return nil, errors.New("files: Repo, Signer and BaseURL are required")
	}
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if o.URLLifetime <= 0 {
		o.URLLifetime = DefaultURLLifetime
	}
	if o.MaxTransfers <= 0 {
		o.MaxTransfers = DefaultMaxTransfers
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Server{repo: o.Repo, sign: o.Signer, base: o.BaseURL, uploadDir: o.UploadDir,
		maxUpload: o.MaxUploadBytes, lifetime: o.URLLifetime, slots: make(chan struct{}, o.MaxTransfers),
		log: o.Logger, now: o.Now, onDownload: o.OnDownload}, nil
}

// DownloadURL mints the URL device fetches file name from.
func (s *Server) DownloadURL(device, name string) string {
	path := FirmwarePath + name
	return s.base() + path + "?" + s.sign.Query(http.MethodGet, path, device, s.now().Add(s.lifetime))
}

// UploadURL mints the URL device PUTs a file called name to (Upload RPC).
func (s *Server) UploadURL(device, name string) string {
	path := UploadPath + name
	return s.base() + path + "?" + s.sign.Query(http.MethodPut, path, device, s.now().Add(s.lifetime))
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, FirmwarePath):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		s.withSlot(w, func() { s.download(w, r) })
	case strings.HasPrefix(r.URL.Path, UploadPath):
		if r.Method != http.MethodPut {
			w.Header().Set("Allow", "PUT")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		s.withSlot(w, func() { s.upload(w, r) })
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) withSlot(w http.ResponseWriter, fn func()) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
		fn()
	default:
		w.Header().Set("Retry-After", "30")
		http.Error(w, "too many transfers; retry later", http.StatusServiceUnavailable)
	}
}

// authorize checks the URL's signature; HEAD is a GET without a body.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, method string) (string, bool) {
	device, err := s.sign.Check(method, r.URL.EscapedPath(), r.URL.RawQuery)
	if err != nil {
		http.Error(w, "forbidden: "+err.Error(), http.StatusForbidden)
		return "", false
	}
	return device, true
}

func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, FirmwarePath)
	device, ok := s.authorize(w, r, http.MethodGet)
	if !ok {
		s.observe(device, name, http.StatusForbidden)
		return
	}
	if CheckName(name) != nil {
		http.NotFound(w, r)
		s.observe(device, name, http.StatusNotFound)
		return
	}
	f, fh, err := s.repo.Open(r.Context(), name)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, store.ErrNotFound) {
			status = http.StatusNotFound
		} else {
			s.log.Error("file server: open", "file", name, "err", err)
		}
		http.Error(w, http.StatusText(status), status)
		s.observe(device, name, status)
		return
	}
	defer fh.Close()
	h := w.Header()
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Cache-Control", "private, no-transform")
	h.Set("Accept-Ranges", "bytes")
	if rng := r.Header.Get("Range"); rng != "" {
		if n := normalRange(rng, f.Size); n != "" {
			r.Header.Set("Range", n)
		} else {
			r.Header.Del("Range")
		}
	}
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	// ServeContent answers Range (206/416), If-Range, If-None-Match (304)
	// and HEAD, and streams from the file without reading it whole.
	http.ServeContent(rec, r, "", f.Uploaded, fh)
	s.log.Debug("file served", "device", device, "file", name, "status", rec.status, "range", r.Header.Get("Range"))
	s.observe(device, name, rec.status)
}

func (s *Server) observe(device, name string, status int) {
	if s.onDownload != nil {
		s.onDownload(device, name, status)
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, UploadPath)
	device, ok := s.authorize(w, r, http.MethodPut)
	if !ok {
		return
	}
	if CheckName(name) != nil || s.uploadDir == "" {
		http.NotFound(w, r)
		return
	}
	if r.ContentLength > s.maxUpload {
		http.Error(w, fmt.Sprintf("upload larger than %d bytes", s.maxUpload), http.StatusRequestEntityTooLarge)
		return
	}
	path, err := s.saveUpload(r.Context(), device, name, http.MaxBytesReader(w, r.Body, s.maxUpload))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, fmt.Sprintf("upload larger than %d bytes", s.maxUpload), http.StatusRequestEntityTooLarge)
			return
		}
		s.log.Warn("file server: upload", "device", device, "file", name, "err", err)
		http.Error(w, "upload failed", http.StatusInternalServerError)
		return
	}
	s.log.Info("file uploaded", "device", device, "file", filepath.Base(path))
	w.WriteHeader(http.StatusCreated)
}

// saveUpload streams body to DATA/uploads/DEVICE/TIME-NAME: written to a
// temporary name, fsync'd, then renamed, so a half upload never looks
// complete.
func (s *Server) saveUpload(_ context.Context, device, name string, body io.Reader) (string, error) {
	dir := filepath.Join(s.uploadDir, url.PathEscape(device))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".part-*")
	if err != nil {
		return "", err
	}
	defer func() {
		tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	if _, err := io.Copy(tmp, body); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", err
	}
	final := filepath.Join(dir, strconv.FormatInt(s.now().UnixNano(), 10)+"-"+name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", err
	}
	return final, syncDir(dir)
}

// HTTPServer wraps h with the file port's limits: a large image to a slow
// line takes a while, so the write timeout is long, but headers and idle
// connections are bounded tightly.
func HTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.Default()
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       15 * time.Minute,
		WriteTimeout:      2 * time.Hour,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}
