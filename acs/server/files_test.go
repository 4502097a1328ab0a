package server

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestFilesURLConfig(t *testing.T) {
	if _, err := New(Config{DataDir: t.TempDir(), FilesURL: "ftp://x"}); err == nil || !strings.Contains(err.Error(), "--files-url") {
		t.Fatalf("bad --files-url: %v", err)
	}
	s, err := New(Config{DataDir: t.TempDir(), FilesURL: "https://fw.example.net:7567/"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.st.Close()
	if got := s.FilesURL(); got != "https://fw.example.net:7567" {
		t.Fatalf("FilesURL = %q", got)
	}
	if u := s.fw.srv.DownloadURL("dev", "fw"); !strings.HasPrefix(u, "https://fw.example.net:7567/firmware/fw?") {
		t.Fatalf("download URL %q", u)
	}
}

// The file server listens beside the API, on the address the listener
// got, and stops with the ACS.
func TestFilesListener(t *testing.T) {
	s, err := New(Config{DataDir: t.TempDir(), CWMPAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", FilesAddr: "127.0.0.1:0",
		CampaignInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	<-s.Ready()
	if u := s.FilesURL(); !strings.HasPrefix(u, "http://127.0.0.1:") || strings.HasSuffix(u, ":0") {
		t.Fatalf("FilesURL = %q", u)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not stop")
	}
}
