package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gatewarden/firmware/image"
	"gatewarden/protocol/buildinfo"
)

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "fwtool %s\n", buildinfo.String())
	return 0
}

func cmdKeygen(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("keygen", stderr)
	out := fl.String("o", "", "private key file to write (the public key goes to FILE.pub)")
	pos, err := parse(fl, args)
	if err != nil {
		return 2
	}
	if *out == "" || len(pos) != 0 {
		errorf(stderr, "usage: fwtool keygen -o KEY")
		return 2
	}
	for _, p := range []string{*out, *out + ".pub"} {
		if _, err := os.Stat(p); err == nil {
			errorf(stderr, "%s exists; refusing to overwrite a key", p)
			return 1
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		errorf(stderr, "generate key: %v", err)
		return 1
	}
	privPEM, err := image.MarshalPrivateKey(priv)
	if err != nil {
		errorf(stderr, "%v", err)
		return 1
	}
	pubPEM, err := image.MarshalPublicKey(pub)
	if err != nil {
		errorf(stderr, "%v", err)
		return 1
	}
	if err := writeNew(*out, privPEM, 0o600); err != nil {
		errorf(stderr, "%v", err)
		return 1
	}
	if err := writeNew(*out+".pub", pubPEM, 0o644); err != nil {
		errorf(stderr, "%v", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s and %s (key ID %s)\n", *out, *out+".pub", image.KeyIDOf(pub))
	return 0
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func loadKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	k, err := image.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	return k, nil
}

// payloadArg splits [TARGET=]FILE.
func payloadArg(arg string) (target, file string) {
	if t, f, ok := strings.Cut(arg, "="); ok && t != "" && !strings.ContainsRune(t, '/') {
		return t, f
	}
	base := filepath.Base(arg)
	return strings.TrimSuffix(base, filepath.Ext(base)), arg
}

func cmdPack(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("pack", stderr)
	var boards multiFlag
	fl.Var(&boards, "board", "compatible board (repeatable)")
	version := fl.String("version", "", "firmware version the package installs")
	keyPath := fl.String("key", "", "signing key (PKCS#8 PEM from fwtool keygen)")
	out := fl.String("o", "", "package file to write")
	pos, err := parse(fl, args)
	if err != nil {
		return 2
	}
	switch {
	case len(boards) == 0:
		errorf(stderr, "pack: at least one --board is required")
		return 2
	case *version == "":
		errorf(stderr, "pack: --version is required")
		return 2
	case *keyPath == "":
		errorf(stderr, "pack: --key is required")
		return 2
	case *out == "":
		errorf(stderr, "pack: -o is required")
		return 2
	case len(pos) == 0:
		errorf(stderr, "pack: no PAYLOAD given")
		return 2
	}
	key, err := loadKey(*keyPath)
	if err != nil {
		errorf(stderr, "pack: %v", err)
		return 1
	}
	h := &image.Header{Version: *version, Boards: boards}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, arg := range pos {
		target, path := payloadArg(arg)
		f, err := os.Open(path)
		if err != nil {
			errorf(stderr, "pack: %v", err)
			return 1
		}
		files = append(files, f)
		e, err := image.EntryFrom(filepath.Base(path), target, f)
		if err != nil {
			errorf(stderr, "pack: %v", err)
			return 1
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			errorf(stderr, "pack: %v", err)
			return 1
		}
		h.Entries = append(h.Entries, e)
	}
	if err := h.Validate(); err != nil {
		errorf(stderr, "pack: %v", err)
		return 1
	}
	readers := make([]io.Reader, len(files))
	for i, f := range files {
		readers[i] = f
	}
	err = writeOutput(*out, func(w io.Writer) error { return image.Pack(w, h, readers, key) })
	if err != nil {
		errorf(stderr, "pack: %v", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: version %s, %d payloads, %d bytes, key ID %s\n",
		*out, h.Version, len(h.Entries), h.PayloadSize(), image.KeyIDOf(key.Public().(ed25519.PublicKey)))
	return 0
}

// writeOutput writes path through a temporary file, so a failure leaves
// no half-written package behind.
func writeOutput(path string, fill func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func cmdSign(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("sign", stderr)
	keyPath := fl.String("key", "", "signing key (PKCS#8 PEM)")
	out := fl.String("o", "", "signed package to write")
	pos, err := parse(fl, args)
	if err != nil {
		return 2
	}
	if *keyPath == "" || *out == "" || len(pos) != 1 {
		errorf(stderr, "usage: fwtool sign --key KEY -o OUT FILE")
		return 2
	}
	key, err := loadKey(*keyPath)
	if err != nil {
		errorf(stderr, "sign: %v", err)
		return 1
	}
	in, err := os.Open(pos[0])
	if err != nil {
		errorf(stderr, "sign: %v", err)
		return 1
	}
	defer in.Close()
	var h *image.Header
	err = writeOutput(*out, func(w io.Writer) error {
		var err error
		h, err = image.Sign(w, in, key)
		if err != nil {
			return err
		}
		// Sign stops at the last payload; anything after it is refused.
		if n, _ := io.Copy(io.Discard, in); n > 0 {
			return fmt.Errorf("%d bytes after the end of the package", n)
		}
		return nil
	})
	if err != nil {
		errorf(stderr, "sign: %s: %v", pos[0], err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: version %s signed with key ID %s\n", *out, h.Version, image.KeyIDOf(key.Public().(ed25519.PublicKey)))
	return 0
}

// inspectJSON is what fwtool inspect prints.
type inspectJSON struct {
	Format       int           `json:"format"`
	Version      string        `json:"version"`
	Boards       []string      `json:"boards"`
	Entries      []image.Entry `json:"entries"`
	PayloadBytes int64         `json:"payloadBytes"`
	Signed       bool          `json:"signed"`
	KeyID        string        `json:"keyId,omitempty"`
}

func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("inspect", stderr)
	pos, err := parse(fl, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		errorf(stderr, "usage: fwtool inspect FILE")
		return 2
	}
	f, err := os.Open(pos[0])
	if err != nil {
		errorf(stderr, "inspect: %v", err)
		return 1
	}
	defer f.Close()
	h, sig, err := image.ReadHeader(f)
	if err != nil {
		errorf(stderr, "inspect: %s: %v", pos[0], err)
		return 1
	}
	out := inspectJSON{Format: image.FormatVersion, Version: h.Version, Boards: h.Boards, Entries: h.Entries,
		PayloadBytes: h.PayloadSize(), Signed: sig.Signed()}
	if sig.Signed() {
		out.KeyID = sig.KeyID.String()
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		errorf(stderr, "inspect: %v", err)
		return 1
	}
	return 0
}

func cmdVerify(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("verify", stderr)
	var pubs multiFlag
	fl.Var(&pubs, "pub", "trusted public key (PKIX PEM; repeatable)")
	board := fl.String("board", "", "board the package must fit")
	pos, err := parse(fl, args)
	if err != nil {
		return 2
	}
	if len(pubs) == 0 || len(pos) != 1 {
		errorf(stderr, "usage: fwtool verify --pub KEY.pub [--board B] FILE")
		return 2
	}
	keys, err := image.LoadPublicKeys(pubs...)
	if err != nil {
		errorf(stderr, "verify: %v", err)
		return 1
	}
	f, err := os.Open(pos[0])
	if err != nil {
		errorf(stderr, "verify: %v", err)
		return 1
	}
	defer f.Close()
	h, err := image.Verify(f, image.NewKeyring(keys...), *board)
	if err != nil {
		errorf(stderr, "verify: %s: %v", pos[0], err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok: version %s for %s, %d payloads, %d bytes\n",
		pos[0], h.Version, strings.Join(h.Boards, ", "), len(h.Entries), h.PayloadSize())
	return 0
}
