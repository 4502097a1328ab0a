package update

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"gatewarden/cpe-agent/internal/store"
	"gatewarden/protocol/cwmp"
)

// VendorConfigFile is the name of the stored vendor configuration file in
// ConfigDir.
const VendorConfigFile = "vendor-config"

// fileSink downloads into a temporary file, bounded by a size limit.
type fileSink struct {
	f     *os.File
	n     int64
	limit int64
}

func (s *fileSink) Write(p []byte) (int, error) {
	if s.n+int64(len(p)) > s.limit {
		return 0, fail(cwmp.FaultFileCorrupted, "file larger than the %d bytes this device accepts", s.limit)
	}
	n, err := s.f.Write(p)
	s.n += int64(n)
	if err != nil {
		return n, fail(cwmp.FaultDownloadFailure, "storing the file: %v", err)
	}
	return n, nil
}

func (s *fileSink) Offset() int64 { return s.n }

func (s *fileSink) Restart() error {
	if err := s.f.Truncate(0); err != nil {
		return fail(cwmp.FaultDownloadFailure, "storing the file: %v", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fail(cwmp.FaultDownloadFailure, "storing the file: %v", err)
	}
	s.n = 0
	return nil
}

// vendorConfig downloads a vendor configuration file, replaces the stored
// one atomically and applies it. Such files are small: a restart fetches
// them again from the start.
func (u *Updater) vendorConfig(ctx context.Context, t *store.Transfer) cwmp.FaultStruct {
	if u.opts.ConfigDir == "" {
		return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: "this device stores no vendor configuration files"}
	}
	final := filepath.Join(u.opts.ConfigDir, VendorConfigFile)
	tmp, err := os.CreateTemp(u.opts.ConfigDir, "."+VendorConfigFile+".*")
	if err != nil {
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	dst := &fileSink{f: tmp, limit: u.opts.MaxConfigBytes}
	var etag string
	dctx, stop := u.windowContext(ctx, t)
	err = u.download(dctx, t, &etag, dst)
	stop()
	if err != nil {
		if ctx.Err() != nil {
			return cwmp.FaultStruct{}
		}
		if errors.Is(context.Cause(dctx), errWindowClosed) {
			err = fail(cwmp.FaultTimeWindowExceeded, "download not finished within the time windows")
		}
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	if t.FileSize != 0 && uint64(dst.n) != t.FileSize {
		return cwmp.FaultStruct{FaultCode: cwmp.FaultFileCorrupted, FaultString: "got " + strconv.FormatInt(dst.n, 10) + " bytes, FileSize said " + strconv.FormatUint(t.FileSize, 10)}
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return faultOf(err, cwmp.FaultDownloadFailure)
	}
	if u.opts.ApplyConfig != nil {
		if err := u.opts.ApplyConfig(ctx, final); err != nil {
			return cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: truncate("applying the configuration file: " + err.Error())}
		}
	}
	u.log.Info("vendor configuration file stored", "id", t.ID, "bytes", dst.n)
	return cwmp.FaultStruct{}
}
