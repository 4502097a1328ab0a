package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gatewarden/acs/internal/store"
)

// FileTypeFirmware is the CWMP FileType of every package in the
// repository.
const FileTypeFirmware = "1 Firmware Upgrade Image"

// Meta is what a verified package's signed header declares.
type Meta struct {
	Version string
	Boards  []string
	// Key names the trusted key that signed it (a fingerprint).
	Key string
}

// Verifier checks a firmware package as it streams past: the header's
// signature against the trusted keys, every payload's size and hash, and
// that nothing follows the package's end. It reads r to its end and keeps
// memory constant whatever the package's size.
type Verifier interface {
	Verify(r io.Reader) (Meta, error)
}

// ErrRejected wraps every reason a package is refused (bad signature,
// unknown key, hash mismatch, trailing bytes, too large); the API answers
// it with 422.
var ErrRejected = errors.New("package rejected")

// DefaultMaxFileBytes bounds one package: far above a home router's image.
const DefaultMaxFileBytes = 1 << 30

// Repo is the firmware repository on disk plus its catalogue.
type Repo struct {
	dir     string
	st      store.Files
	verify  Verifier
	maxSize int64
	now     func() time.Time
}

// RepoOptions configure NewRepo; Dir, Store and Verifier are required.
type RepoOptions struct {
	Dir      string // DATA/files
	Store    store.Files
	Verifier Verifier
	MaxBytes int64 // 0: DefaultMaxFileBytes
	Now      func() time.Time
}

// NewRepo prepares the directories and clears temporary files a crash
// left behind.
func NewRepo(o RepoOptions) (*Repo, error) {
	if o.Dir == "" || o.Store == nil || o.Verifier == nil {
		return nil, errors.New("files: Dir, Store and Verifier are required")
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxFileBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &Repo{dir: o.Dir, st: o.Store, verify: o.Verifier, maxSize: o.MaxBytes, now: o.Now}
	for _, d := range []string{r.blobDir(), r.tmpDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
	}
	old, _ := filepath.Glob(filepath.Join(r.tmpDir(), "*"))
	for _, p := range old {
		_ = os.Remove(p)
	}
	return r, nil
}

func (r *Repo) blobDir() string { return filepath.Join(r.dir, "blobs") }
func (r *Repo) tmpDir() string  { return filepath.Join(r.dir, "tmp") }

func (r *Repo) blobPath(sum string) string { return filepath.Join(r.blobDir(), sum) }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$`)

// CheckName accepts names that are safe in a URL path and a file name.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("file name %q: want 1 to 128 of A-Z a-z 0-9 . _ + - starting with a letter or digit: %w", name, store.ErrInvalid)
	}
	return nil
}

// nameFromVersion makes the default name of a package.
func nameFromVersion(v string) string {
	b := []byte(v)
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '+' || c == '-') {
			b[i] = '_'
		}
	}
	s := strings.TrimLeft(string(b), "._+-")
	if len(s) > 120 {
		s = s[:120]
	}
	return "fw-" + s
}

// Add verifies a package streamed from body and keeps it under name (""
// means "fw-VERSION"). Errors wrap ErrRejected for a bad package,
// store.ErrConflict for a name in use, store.ErrInvalid for a bad name.
func (r *Repo) Add(ctx context.Context, name, actor string, body io.Reader) (store.File, error) {
	if name != "" {
		if err := CheckName(name); err != nil {
			return store.File{}, err
		}
		if _, err := r.st.File(ctx, name); err == nil {
			return store.File{}, fmt.Errorf("file %q: %w", name, store.ErrConflict)
		}
	}
	tmp, err := os.CreateTemp(r.tmpDir(), "upload-*")
	if err != nil {
		return store.File{}, fmt.Errorf("files: %w", err)
	}
	kept := false
	defer func() {
		tmp.Close()
		if !kept {
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	lim := &limitReader{r: body, left: r.maxSize}
	tee := io.TeeReader(lim, io.MultiWriter(tmp, h))
	meta, err := r.verify.Verify(tee)
	if err != nil {
		if lim.over {
			return store.File{}, fmt.Errorf("%w: larger than %d bytes", ErrRejected, r.maxSize)
		}
		return store.File{}, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	// The verifier stops at the package's end; anything after it is not
	// part of a signed package.
	var probe [1]byte
	if n, _ := io.ReadFull(tee, probe[:]); n > 0 {
		return store.File{}, fmt.Errorf("%w: data after the end of the package", ErrRejected)
	}
	if lim.over {
		return store.File{}, fmt.Errorf("%w: larger than %d bytes", ErrRejected, r.maxSize)
	}
	if meta.Version == "" {
		return store.File{}, fmt.Errorf("%w: the package declares no version", ErrRejected)
	}
	if name == "" {
		name = nameFromVersion(meta.Version)
	}
	if err := tmp.Sync(); err != nil {
		return store.File{}, fmt.Errorf("files: %w", err)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return store.File{}, fmt.Errorf("files: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := tmp.Close(); err != nil {
		return store.File{}, fmt.Errorf("files: %w", err)
	}
	if _, err := os.Stat(r.blobPath(sum)); err != nil {
		if err := os.Rename(tmp.Name(), r.blobPath(sum)); err != nil {
			return store.File{}, fmt.Errorf("files: %w", err)
		}
		kept = true
		if err := syncDir(r.blobDir()); err != nil {
			return store.File{}, err
		}
	}
	f := store.File{
		Name: name, FileType: FileTypeFirmware, Version: meta.Version, Boards: meta.Boards,
		Size: size, SHA256: sum, Key: meta.Key, Uploaded: r.now().UTC(), UploadedBy: actor,
	}
	if err := r.st.PutFile(ctx, f); err != nil {
		return store.File{}, err
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("files: sync %s: %w", dir, err)
	}
	return nil
}

// Open returns a file's record and its content for reading.
func (r *Repo) Open(ctx context.Context, name string) (store.File, *os.File, error) {
	f, err := r.st.File(ctx, name)
	if err != nil {
		return store.File{}, nil, err
	}
	fh, err := os.Open(r.blobPath(f.SHA256))
	if err != nil {
		return store.File{}, nil, fmt.Errorf("files: content of %q: %w", name, err)
	}
	return f, fh, nil
}

// File returns a file's record.
func (r *Repo) File(ctx context.Context, name string) (store.File, error) {
	return r.st.File(ctx, name)
}

// List pages through the catalogue.
func (r *Repo) List(ctx context.Context, after string, limit int) ([]store.File, string, error) {
	return r.st.ListFiles(ctx, after, limit)
}

// limitReader reads at most left bytes and notes when the source had
// more.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			l.over = true
			return 0, errors.New("too large")
		}
		if err == nil {
			return 0, nil
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
