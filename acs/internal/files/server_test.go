package files

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestDownloadRangeAndETag(t *testing.T) {
	f := newFixture(t)
	pkg := pack(t, f.key, "3.0", 100<<10)
	file := f.add(t, "fw3", pkg)
	url := f.srv.DownloadURL("00D09E-GW-SN1", "fw3")
	if len(url) > 256 {
		t.Fatalf("URL longer than TR-069's 256 characters: %d", len(url))
	}

	res, body := get(t, "GET", url, nil)
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || !bytes.Equal(body, pkg) || etag != `"`+file.SHA256+`"` || res.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("full GET: %d etag %q, %d bytes", res.StatusCode, etag, len(body))
	}
	// Resume after a dropped connection: Range with If-Range.
	res, body = get(t, "GET", url, map[string]string{"Range": "bytes=1000-", "If-Range": etag})
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, pkg[1000:]) ||
		res.Header.Get("Content-Range") != "bytes 1000-"+itoa(len(pkg)-1)+"/"+itoa(len(pkg)) {
		t.Fatalf("range GET: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Range"), len(body))
	}
	res, body = get(t, "GET", url, map[string]string{"Range": "bytes=10-19"})
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, pkg[10:20]) {
		t.Fatalf("closed range: %d %d bytes", res.StatusCode, len(body))
	}
	// A stale If-Range gets the whole file, not a mismatched tail.
	res, body = get(t, "GET", url, map[string]string{"Range": "bytes=1000-", "If-Range": `"other"`})
	if res.StatusCode != 200 || len(body) != len(pkg) {
		t.Fatalf("stale If-Range: %d %d bytes", res.StatusCode, len(body))
	}
	res, _ = get(t, "GET", url, map[string]string{"Range": "bytes=" + itoa(len(pkg)+5) + "-"})
	if res.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Fatalf("range past the end: %d", res.StatusCode)
	}
	res, _ = get(t, "GET", url, map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", res.StatusCode)
	}
	res, body = get(t, "HEAD", url, nil)
	if res.StatusCode != 200 || len(body) != 0 || res.ContentLength != int64(len(pkg)) {
		t.Fatalf("HEAD: %d len %d body %d", res.StatusCode, res.ContentLength, len(body))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDownloadCredentials(t *testing.T) {
	f := newFixture(t)
	f.add(t, "fw", pack(t, f.key, "3.0", 1000))
	f.add(t, "other", pack(t, f.key, "3.1", 1000))
	good := f.srv.DownloadURL("dev-1", "fw")
	if res, _ := get(t, "GET", good, nil); res.StatusCode != 200 {
		t.Fatalf("good URL: %d", res.StatusCode)
	}
	forbidden := map[string]string{
		"no query":          strings.Split(good, "?")[0],
		"other file":        strings.Replace(good, "/firmware/fw?", "/firmware/other?", 1),
		"other device":      strings.Replace(good, "d=dev-1", "d=dev-2", 1),
		"later expiry":      strings.Replace(good, "e=", "e=9", 1),
		"extra parameter":   good + "&x=1",
		"repeated":          good + "&d=dev-1",
		"upload URL as GET": strings.Replace(f.srv.UploadURL("dev-1", "fw"), "/uploads/", "/firmware/", 1),
	}
	for name, u := range forbidden {
		if res, _ := get(t, "GET", u, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, res.StatusCode)
		}
	}
	f.now = f.now.Add(DefaultURLLifetime + time.Minute)
	if res, body := get(t, "GET", good, nil); res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "expired") {
		t.Fatalf("expired URL: %d %s", res.StatusCode, body)
	}
	if res, _ := get(t, "GET", f.srv.DownloadURL("dev-1", "missing"), nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown file: %d", res.StatusCode)
	}
	if res, _ := get(t, "POST", good, nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", res.StatusCode)
	}
}

func put(t *testing.T, url string, body io.Reader) int {
	t.Helper()
	req, err := http.NewRequest("PUT", url, body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestUpload(t *testing.T) {
	f := newFixture(t)
	u := f.srv.UploadURL("00D09E-GW-SN%2F1", "config.bin")
	if code := put(t, u, strings.NewReader("vendor config")); code != http.StatusCreated {
		t.Fatalf("upload: %d", code)
	}
	got, _ := filepath.Glob(filepath.Join(f.dir, "uploads", "*", "*-config.bin"))
	if len(got) != 1 || string(readAll(t, got[0])) != "vendor config" || !strings.Contains(got[0], "00D09E-GW-SN%252F1") {
		t.Fatalf("uploads: %v", got)
	}
	if code := put(t, f.srv.DownloadURL("x", "config.bin"), strings.NewReader("x")); code != http.StatusMethodNotAllowed {
		t.Fatalf("PUT to a download path: %d", code)
	}
	if code := put(t, strings.Replace(u, "config.bin", "log.txt", 1), strings.NewReader("x")); code != http.StatusForbidden {
		t.Fatalf("PUT under another name: %d", code)
	}
	f.srv.maxUpload = 100
	if code := put(t, f.srv.UploadURL("d", "big"), io.LimitReader(zeros{}, 1000)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized upload: %d", code)
	}
	parts, _ := filepath.Glob(filepath.Join(f.dir, "uploads", "*", ".part-*"))
	if len(parts) != 0 {
		t.Fatalf("partial uploads left: %v", parts)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "uploads", "d")); err == nil {
		if big, _ := filepath.Glob(filepath.Join(f.dir, "uploads", "d", "*")); len(big) != 0 {
			t.Fatalf("oversized upload kept: %v", big)
		}
	}
}

func TestTransferSlots(t *testing.T) {
	f := newFixture(t)
	f.add(t, "fw", pack(t, f.key, "3.0", 1000))
	for range cap(f.srv.slots) {
		f.srv.slots <- struct{}{}
	}
	res, _ := get(t, "GET", f.srv.DownloadURL("d", "fw"), nil)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("full: %d", res.StatusCode)
	}
	<-f.srv.slots
	if res, _ := get(t, "GET", f.srv.DownloadURL("d", "fw"), nil); res.StatusCode != 200 {
		t.Fatalf("a free slot: %d", res.StatusCode)
	}
}
