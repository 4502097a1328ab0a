package storetest

import (
	"errors"
	"fmt"
	"testing"

	"gatewarden/acs/internal/store"
)

// OpenFiles returns a new, empty file catalogue; the test closes it
// through its cleanup.
type OpenFiles func(t *testing.T) store.Files

// RunFiles is the contract of store.Files.
func RunFiles(t *testing.T, open OpenFiles) {
	t.Run("PutGetConflict", func(t *testing.T) {
		s := open(t)
		f := store.File{Name: "fw-2.1.0", FileType: "1 Firmware Upgrade Image", Version: "2.1.0",
			Boards: []string{"gw-1", "gw-2"}, Size: 1234, SHA256: "ab", Key: "k1", Uploaded: base, UploadedBy: "op"}
		must(t, s.PutFile(ctx, f))
		got, err := s.File(ctx, "fw-2.1.0")
		must(t, err)
		if got.Version != "2.1.0" || len(got.Boards) != 2 || got.Size != 1234 || !got.Uploaded.Equal(base) || got.Key != "k1" {
			t.Fatalf("file = %+v", got)
		}
		wantErr(t, s.PutFile(ctx, f), store.ErrConflict, "second put of a name")
		_, err = s.File(ctx, "nope")
		wantErr(t, err, store.ErrNotFound, "unknown file")
		wantErr(t, s.PutFile(ctx, store.File{Name: ""}), store.ErrInvalid, "empty name")
	})
	t.Run("ListPagesAndDelete", func(t *testing.T) {
		s := open(t)
		for i := range 7 {
			must(t, s.PutFile(ctx, store.File{Name: fmt.Sprintf("f%02d", i)}))
		}
		var names []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("listing does not end")
			}
			fs, next, err := s.ListFiles(ctx, after, 3)
			must(t, err)
			for _, f := range fs {
				names = append(names, f.Name)
			}
			if next == "" {
				break
			}
			after = next
		}
		if fmt.Sprint(names) != "[f00 f01 f02 f03 f04 f05 f06]" {
			t.Fatalf("listed %v", names)
		}
		must(t, s.DeleteFile(ctx, "f03"))
		if err := s.DeleteFile(ctx, "f03"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		fs, _, err := s.ListFiles(ctx, "f02", 1)
		must(t, err)
		if len(fs) != 1 || fs[0].Name != "f04" {
			t.Fatalf("after delete: %+v", fs)
		}
	})
}
