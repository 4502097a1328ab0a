package update

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
	"gatewarden/protocol/digest"
)

func TestVendorConfigDownload(t *testing.T) {
	d := newDevice(t)
	conf := []byte("config system\n\toption hostname 'gw'\n")
	srv := newFileServer(t, conf)
	var applied []byte
	u := d.updater(Options{ApplyConfig: func(_ context.Context, path string) error {
		var err error
		applied, err = os.ReadFile(path)
		return err
	}}, nil)
	tr := d.queue(store.KindDownload, fileVendorConfig, srv.URL+"/conf")
	wantFault(t, u.Execute(context.Background(), tr), 0)
	if !bytes.Equal(applied, conf) {
		t.Fatalf("applied %q", applied)
	}
	stored, _ := os.ReadFile(filepath.Join(d.dir, VendorConfigFile))
	if !bytes.Equal(stored, conf) {
		t.Fatalf("stored %q", stored)
	}

	// Too large: refused, the stored file untouched.
	big := newFileServer(t, bytes.Repeat([]byte("x"), 2000))
	u = d.updater(Options{MaxConfigBytes: 1000}, nil)
	wantFault(t, u.Execute(context.Background(), d.queue(store.KindDownload, fileVendorConfig, big.URL+"/c")), cwmp.FaultFileCorrupted)
	if again, _ := os.ReadFile(filepath.Join(d.dir, VendorConfigFile)); !bytes.Equal(again, conf) {
		t.Fatal("a refused file replaced the stored one")
	}

	// The platform refuses it.
	u = d.updater(Options{ApplyConfig: func(context.Context, string) error { return errors.New("bad option") }}, nil)
	f := u.Execute(context.Background(), d.queue(store.KindDownload, fileVendorConfig, srv.URL+"/conf"))
	wantFault(t, f, cwmp.FaultDownloadFailure)
	if !strings.Contains(f.FaultString, "bad option") {
		t.Fatalf("fault %q", f.FaultString)
	}
}

func TestUploads(t *testing.T) {
	d := newDevice(t)
	// A file server that wants Digest credentials, as the ACS's does.
	ds, err := digest.NewServer(digest.Config{Realm: "files", Lookup: func(_ context.Context, user string) (digest.Credential, bool, error) {
		return digest.Credential{Password: "s3cret"}, user == "dev1", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	srv := httptest.NewServer(ds.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		b := new(bytes.Buffer)
		b.ReadFrom(r.Body)
		got[r.URL.Path] = b.Bytes()
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()
	os.WriteFile(filepath.Join(d.dir, VendorConfigFile), []byte("stored config"), 0o600)
	u := d.updater(Options{}, nil)

	up := func(fileType, path, user, pass string) cwmp.FaultStruct {
		id, _ := d.st.SaveTransfer(store.Transfer{Kind: store.KindUpload, FileType: fileType, URL: srv.URL + path, Username: user, Password: pass})
		tr, _ := d.st.EnterTransferState(id, store.TransferTransferring)
		return u.Execute(context.Background(), tr)
	}
	wantFault(t, up(uploadConfig, "/cfg", "dev1", "s3cret"), 0)
	if string(got["/cfg"]) != "stored config" {
		t.Fatalf("config upload %q", got["/cfg"])
	}
	wantFault(t, up(uploadLog, "/log", "dev1", "s3cret"), 0)
	if !strings.Contains(string(got["/log"]), "slot a: state=good") || !strings.Contains(string(got["/log"]), "transfer ") {
		t.Fatalf("log upload %q", got["/log"])
	}
	wantFault(t, up(uploadLog, "/log2", "dev1", "wrong"), cwmp.FaultTransferServerAuthFailure)
	wantFault(t, up("X 0090F5 trace", "/x", "dev1", "s3cret"), cwmp.FaultUploadFailure)
	wantFault(t, d.updater(Options{Retries: 1}, nil).Execute(context.Background(), store.Transfer{Kind: store.KindUpload, FileType: uploadLog, URL: closedURL(t)}), cwmp.FaultUploadFailure)
}

func TestResumeRestartsSmallTransfers(t *testing.T) {
	d := newDevice(t)
	srv := newFileServer(t, []byte("conf"))
	tr := d.queue(store.KindDownload, fileVendorConfig, srv.URL+"/c")
	wantFault(t, d.updater(Options{}, nil).Resume(context.Background(), tr), 0)
	if got := d.transfer(tr.ID); got.StateSaves != 2 {
		t.Fatalf("state saves %d: the resume did not count", got.StateSaves)
	}
}

func TestUnsupportedFileType(t *testing.T) {
	d := newDevice(t)
	tr := d.queue(store.KindDownload, "2 Web Content", "http://127.0.0.1:1/x")
	wantFault(t, d.updater(Options{}, nil).Execute(context.Background(), tr), cwmp.FaultDownloadFailure)
}
