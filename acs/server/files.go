package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gatewarden/acs/internal/api"
	"gatewarden/acs/internal/connreq"
	"gatewarden/acs/internal/cwmpserver"
	"gatewarden/acs/internal/files"
	"gatewarden/acs/internal/provision"
	"gatewarden/acs/internal/store"
	"gatewarden/acs/internal/tasks"
	"gatewarden/protocol/cwmp"
)

// firmware is the file repository, the file server and the campaign
// engine of one ACS.
type firmware struct {
	repo      *files.Repo
	srv       *files.Server
	campaigns *provision.Campaigns

	mu   sync.Mutex
	addr net.Addr
}

// buildFiles assembles the firmware parts: trusted keys from
// DATA/firmware-keys, packages under DATA/files, CPE uploads under
// DATA/uploads, download URLs signed with a key derived from the fleet
// secret.
func (s *Server) buildFiles(disp *connreq.Dispatcher, online func(*store.Device) bool) error {
	if s.cfg.FilesURL != "" {
		u, err := url.Parse(s.cfg.FilesURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
			return fmt.Errorf("--files-url %q: want http(s)://HOST[:PORT][/PATH] as CPEs reach the file server", s.cfg.FilesURL)
		}
		s.cfg.FilesURL = strings.TrimRight(s.cfg.FilesURL, "/")
	}
	keys, paths, err := files.LoadKeyring(files.KeysDirOf(s.cfg.DataDir))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		s.log.Warn("no trusted firmware keys: uploads of packages are refused until public keys (*.pub) are placed in the folder and the ACS restarted",
			"folder", files.KeysDirOf(s.cfg.DataDir))
	} else {
		s.log.Info("trusted firmware keys loaded", "keys", len(paths))
	}
	fw := &firmware{}
	fw.repo, err = files.NewRepo(files.RepoOptions{
		Dir: filepath.Join(s.cfg.DataDir, "files"), Store: s.st, Verifier: files.ImageVerifier{Keys: keys},
	})
	if err != nil {
		return err
	}
	fw.srv, err = files.NewServer(files.ServerOptions{
		Repo: fw.repo, Signer: files.NewSigner(s.secret, nil), BaseURL: s.FilesURL,
		UploadDir: filepath.Join(s.cfg.DataDir, "uploads"), Logger: s.log.With("component", "files"),
	})
	if err != nil {
		return err
	}
	wake := waker{d: disp}
	fw.campaigns, err = provision.NewCampaigns(provision.CampaignOptions{
		Store:       s.st,
		File:        s.st.File,
		DownloadURL: fw.srv.DownloadURL,
		Compile: func(expr string) (provision.MatchFunc, error) {
			f, err := provision.Options{Online: online}.Compile(expr)
			if err != nil {
				return nil, err
			}
			return f.Match, nil
		},
		Wake:     wake.Wake,
		Interval: s.cfg.CampaignInterval,
		Logger:   s.log.With("component", "campaigns"),
	})
	if err != nil {
		return err
	}
	s.fw = fw
	return nil
}

// fileOptions hands the repository and the campaigns to the API, and
// lets a download task name a repository file instead of a URL.
func (s *Server) fileOptions(o *api.Options) {
	o.Files = s.fw.repo
	o.Campaigns = s.fw.campaigns
	if o.Tasks != nil {
		o.Tasks = fileTasks{TaskRunner: o.Tasks, s: s}
	}
	if validate := o.ValidateTask; validate != nil {
		o.ValidateTask = func(typ string, payload json.RawMessage, root string) error {
			if typ == tasks.TypeUpload {
				payload = s.resolveUpload("validation", payload)
			}
			if typ == tasks.TypeDownload {
				// Any device will do: the check is that the file exists and
				// the resulting Download is well-formed.
				p, err := s.resolveDownload(context.Background(), "validation", payload)
				if err != nil {
					return err
				}
				payload = p
			}
			return validate(typ, payload, root)
		}
	}
}

// fileTasks gives a download task that names a repository file the
// device's own signed URL as it is queued.
type fileTasks struct {
	api.TaskRunner
	s *Server
}

func (f fileTasks) Submit(ctx context.Context, t *store.Task) error {
	if t.Type == tasks.TypeUpload {
		t.Payload = f.s.resolveUpload(t.Device, t.Payload)
	}
	if t.Type == tasks.TypeDownload {
		p, err := f.s.resolveDownload(ctx, t.Device, t.Payload)
		if err != nil {
			return err
		}
		t.Payload = p
	}
	return f.TaskRunner.Submit(ctx, t)
}

// resolveUpload gives an upload task without a url the device's own
// signed URL on the file server, under a name that says what and when.
func (s *Server) resolveUpload(device string, payload json.RawMessage) json.RawMessage {
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return payload // the task validator reports it
	}
	if u, _ := m["url"].(string); u != "" {
		return payload
	}
	kind := "log"
	if ft, _ := m["fileType"].(string); strings.Contains(ft, "Configuration") {
		kind = "config"
	}
	m["url"] = s.fw.srv.UploadURL(device, fmt.Sprintf("%s-%s", kind, time.Now().UTC().Format("20060102T150405.000Z")))
	out, err := json.Marshal(m)
	if err != nil {
		return payload
	}
	return out
}

// resolveDownload fills a download payload's url (and fileSize) from its
// "file" when no url is given.
func (s *Server) resolveDownload(ctx context.Context, device string, payload json.RawMessage) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return payload, nil // the task validator reports it
	}
	name, _ := m["file"].(string)
	if u, _ := m["url"].(string); name == "" || u != "" {
		return payload, nil
	}
	f, err := s.st.File(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("%w: download: no file %q in the repository (GET /api/v1/files)", tasks.ErrInvalidTask, name)
	case err != nil:
		return nil, err
	}
	m["url"] = s.fw.srv.DownloadURL(device, f.Name)
	if _, ok := m["fileSize"]; !ok && f.Size > 0 && f.Size <= 1<<32-1 {
		m["fileSize"] = f.Size
	}
	return json.Marshal(m)
}

// campaignWork puts campaigns into CWMP sessions: a device whose download
// is due gets its task at its Inform (so the session that is opening sends
// it), and a TransferComplete moves the campaign on at once.
type campaignWork struct {
	cwmpserver.Work
	s *Server
}

func (s *Server) campaignWork(w cwmpserver.Work) cwmpserver.Work { return campaignWork{Work: w, s: s} }

func (w campaignWork) Start(ctx context.Context, sess *cwmpserver.Session) error {
	if fw := w.s.fw; fw != nil {
		fw.campaigns.OnInform(ctx, sess.DeviceID)
	}
	return w.Work.Start(ctx, sess)
}

func (w campaignWork) Report(ctx context.Context, sess *cwmpserver.Session, req cwmp.Body) error {
	err := w.Work.Report(ctx, sess, req)
	if _, ok := req.(*cwmp.TransferComplete); ok && err == nil && w.s.fw != nil {
		w.s.fw.campaigns.Nudge()
	}
	return err
}

// startFiles listens on the file port and runs the file server and the
// campaign driver until the returned stop is called.
func (s *Server) startFiles(ctx context.Context) (stop func(), err error) {
	ln, err := net.Listen("tcp", s.cfg.FilesAddr)
	if err != nil {
		return nil, fmt.Errorf("file server listener: %w", err)
	}
	s.fw.mu.Lock()
	s.fw.addr = ln.Addr()
	s.fw.mu.Unlock()
	srv := files.HTTPServer(s.fw.srv, s.log)
	srv.TLSConfig = s.tlsCfg
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		var err error
		if s.tlsCfg != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("file server stopped", "err", err)
		}
	}()
	driverCtx, cancel := context.WithCancel(ctx)
	go func() {
		defer wg.Done()
		_ = s.fw.campaigns.Run(driverCtx)
	}()
	return func() {
		cancel()
		shutCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = srv.Shutdown(shutCtx)
		wg.Wait()
	}, nil
}

// FilesURL is the base URL of the file server CPEs are given: Config's
// FilesURL when set, else the listener's address (valid once Ready).
func (s *Server) FilesURL() string {
	if s.cfg.FilesURL != "" {
		return s.cfg.FilesURL
	}
	if s.fw == nil {
		return ""
	}
	s.fw.mu.Lock()
	a := s.fw.addr
	s.fw.mu.Unlock()
	return s.url(a)
}
