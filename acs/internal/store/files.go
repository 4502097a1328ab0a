package store

import (
	"context"
	"time"
)

// File is one file of the ACS's repository: a firmware package whose
// signature the ACS checked on upload. The content lives on disk (the
// files package); the store keeps what the API lists and campaigns use.
type File struct {
	Name     string `json:"name"`
	FileType string `json:"fileType"` // CWMP FileType, e.g. "1 Firmware Upgrade Image"
	// Version and Boards come from the package's verified header.
	Version string   `json:"version"`
	Boards  []string `json:"boards"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256"` // hex; also the file's ETag
	// Key names the trusted key that signed the package.
	Key        string    `json:"key"`
	Uploaded   time.Time `json:"uploaded"`
	UploadedBy string    `json:"uploadedBy"`
}

// Files is the catalogue of the file repository. The server uses the bbolt
// store through it; it is not part of Store, so in-memory fakes of Store
// need not implement it.
type Files interface {
	// PutFile records a file whose content is already durable on disk.
	// ErrConflict: the name is taken; ErrInvalid: an empty or unusable
	// name.
	PutFile(ctx context.Context, f File) error
	File(ctx context.Context, name string) (File, error)
	// ListFiles pages through files in name order; next is "" at the end.
	ListFiles(ctx context.Context, after string, limit int) (files []File, next string, err error)
	DeleteFile(ctx context.Context, name string) error
}
