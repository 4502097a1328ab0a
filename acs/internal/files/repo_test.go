package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"gatewarden/acs/internal/store"
)

func TestAddKeepsVerifiedPackage(t *testing.T) {
	f := newFixture(t)
	pkg := pack(t, f.key, "2.4.1+b/1", 200<<10)
	file := f.add(t, "", pkg)
	sum := sha256.Sum256(pkg)
	if file.Name != "fw-2.4.1+b_1" || file.Version != "2.4.1+b/1" || file.Size != int64(len(pkg)) ||
		file.SHA256 != hex.EncodeToString(sum[:]) || len(file.Boards) != 2 || file.Key == "" || file.UploadedBy != "tester" {
		t.Fatalf("file = %+v", file)
	}
	if got := readAll(t, filepath.Join(f.dir, "files", "blobs", file.SHA256)); !bytes.Equal(got, pkg) {
		t.Fatal("stored content differs from the upload")
	}
	listed, _, err := f.repo.List(t.Context(), "", 10)
	if err != nil || len(listed) != 1 || listed[0].Name != file.Name {
		t.Fatalf("list: %+v %v", listed, err)
	}
	// Same content under another name shares the blob.
	f.add(t, "again", pkg)
	blobs, _ := filepath.Glob(filepath.Join(f.dir, "files", "blobs", "*"))
	if len(blobs) != 1 {
		t.Fatalf("blobs: %v", blobs)
	}
	if _, err := f.repo.Add(t.Context(), "again", "x", bytes.NewReader(pkg)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("name reuse: %v", err)
	}
	if _, err := f.repo.Add(t.Context(), "../etc", "x", bytes.NewReader(pkg)); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad name: %v", err)
	}
}

func TestAddRejectsBadPackages(t *testing.T) {
	f := newFixture(t)
	good := pack(t, f.key, "1.0", 64<<10)
	_, otherKey := newKey(t)
	flipped := bytes.Clone(good)
	flipped[len(flipped)-100] ^= 0x10
	hdrFlip := bytes.Clone(good)
	hdrFlip[20] ^= 0x01
	cases := map[string][]byte{
		"payload bit flip": flipped,
		"header bit flip":  hdrFlip,
		"truncated":        good[:len(good)-1],
		"trailing bytes":   append(bytes.Clone(good), 0),
		"wrong key":        pack(t, otherKey, "1.0", 1024),
		"not a package":    []byte("hello"),
		"empty":            nil,
	}
	for name, pkg := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := f.repo.Add(t.Context(), "", "x", bytes.NewReader(pkg))
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("err = %v, want ErrRejected", err)
			}
		})
	}
	if fs, _, _ := f.repo.List(t.Context(), "", 10); len(fs) != 0 {
		t.Fatalf("rejected packages were recorded: %+v", fs)
	}
	left, _ := filepath.Glob(filepath.Join(f.dir, "files", "*", "*"))
	if len(left) != 0 {
		t.Fatalf("rejected packages left files: %v", left)
	}
}

func TestAddBoundsSize(t *testing.T) {
	f := newFixture(t)
	f.repo.maxSize = 10 << 10
	_, err := f.repo.Add(t.Context(), "", "x", bytes.NewReader(pack(t, f.key, "1.0", 20<<10)))
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("oversized: %v", err)
	}
}

// The upload streams: a reader that would take gigabytes to buffer is
// refused after MaxBytes without being held.
func TestAddStreamsWithoutBuffering(t *testing.T) {
	f := newFixture(t)
	f.repo.maxSize = 1 << 20
	pkg := pack(t, f.key, "1.0", 1024)
	body := io.MultiReader(bytes.NewReader(pkg[:len(pkg)-10]), zeros{})
	if _, err := f.repo.Add(t.Context(), "", "x", body); !errors.Is(err, ErrRejected) {
		t.Fatalf("endless body: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestNoKeysRefusesUploads(t *testing.T) {
	f := newFixture(t)
	f.repo.verify = ImageVerifier{}
	_, err := f.repo.Add(t.Context(), "", "x", bytes.NewReader(pack(t, f.key, "1.0", 10)))
	if !errors.Is(err, ErrRejected) || !errors.Is(err, ErrNoKeys) {
		t.Fatalf("no keys: %v", err)
	}
}

func TestLoadKeyring(t *testing.T) {
	dir := t.TempDir()
	kr, paths, err := LoadKeyring(dir)
	if err != nil || kr.Len() != 0 || len(paths) != 0 {
		t.Fatalf("empty dir: %v %v %v", kr, paths, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.pub"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadKeyring(dir); err == nil {
		t.Fatal("a junk key file was accepted")
	}
}
