package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"

	"gatewarden/acs/internal/files"
	"gatewarden/acs/internal/store"
)

// FileRepo is the firmware repository (the files package's Repo).
type FileRepo interface {
	// Add verifies a package streamed from body and keeps it under name
	// ("" for one made from its version). A bad package wraps
	// files.ErrRejected.
	Add(ctx context.Context, name, actor string, body io.Reader) (store.File, error)
	List(ctx context.Context, after string, limit int) ([]store.File, string, error)
}

type fileView struct {
	Name       string   `json:"name"`
	FileType   string   `json:"fileType" doc:"CWMP FileType of the Download"`
	Version    string   `json:"version" doc:"from the package's signed header"`
	Boards     []string `json:"boards" doc:"boards the package fits, from its signed header"`
	Size       int64    `json:"size"`
	SHA256     string   `json:"sha256" doc:"hex; the file server's ETag"`
	Key        string   `json:"key" doc:"ID of the trusted key that signed it"`
	Uploaded   jsonTime `json:"uploaded"`
	UploadedBy string   `json:"uploadedBy"`
}

type fileList struct {
	Files []fileView `json:"files"`
	Next  string     `json:"next,omitempty"`
}

func viewFile(f store.File) fileView {
	boards := f.Boards
	if boards == nil {
		boards = []string{}
	}
	return fileView{Name: f.Name, FileType: f.FileType, Version: f.Version, Boards: boards, Size: f.Size,
		SHA256: f.SHA256, Key: f.Key, Uploaded: jsonTime(f.Uploaded), UploadedBy: f.UploadedBy}
}

func (a *api) noFiles() error {
	return errorf(http.StatusServiceUnavailable, codeUnavailable, "this ACS has no file repository configured")
}

// postFile takes the package as the raw request body (any content type:
// it is bytes, not JSON) and streams it through the repository.
func (a *api) postFile(c *call) (reply, error) {
	if a.files == nil {
		return reply{}, a.noFiles()
	}
	name := c.query("name")
	c.target = name
	f, err := a.files.Add(c.ctx(), name, c.who.name, c.r.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, files.ErrRejected):
		return reply{}, errorf(http.StatusUnprocessableEntity, "package_rejected", "%v", err)
	case errors.As(err, &mbe):
		return reply{}, errorf(http.StatusRequestEntityTooLarge, codeTooLarge, "the package is too large")
	case errors.Is(err, store.ErrConflict):
		return reply{}, errorf(http.StatusConflict, codeConflict, "a file named %q exists; upload under another ?name=", name)
	case err != nil:
		return reply{}, err
	}
	c.target = f.Name
	c.detail = "version " + f.Version
	return reply{status: http.StatusCreated, body: viewFile(f), location: apiPrefix + "/files/" + url.PathEscape(f.Name)}, nil
}

func (a *api) listFiles(c *call) (reply, error) {
	if a.files == nil {
		return reply{}, a.noFiles()
	}
	limit, err := limitParam(c)
	if err != nil {
		return reply{}, err
	}
	fs, next, err := a.files.List(c.ctx(), c.query("after"), limit)
	if err != nil {
		return reply{}, err
	}
	out := fileList{Files: make([]fileView, 0, len(fs)), Next: next}
	for _, f := range fs {
		out.Files = append(out.Files, viewFile(f))
	}
	return ok(out)
}
