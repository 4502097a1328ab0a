package model_test

import (
	"context"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/cpe-agent/internal/platform"
	"gatewarden/cpe-agent/internal/platform/sim"
	"gatewarden/protocol/cwmp"
)

// treeContract is the *model.Tree method set the session, connreq and the
// agent rely on (notes/agent-design.md); changing a signature breaks this
// build before it breaks theirs.
type treeContract interface {
	GetParameterValues(ctx context.Context, names []string) ([]cwmp.ParameterValueStruct, error)
	SetParameterValues(ctx context.Context, list []cwmp.ParameterValueStruct, parameterKey string) (status int32, err error)
	GetParameterNames(ctx context.Context, path string, nextLevel bool) ([]cwmp.ParameterInfoStruct, error)
	SetParameterAttributes(ctx context.Context, list []cwmp.SetParameterAttributesStruct) error
	GetParameterAttributes(ctx context.Context, names []string) ([]cwmp.ParameterAttributeStruct, error)
	AddObject(ctx context.Context, object, parameterKey string) (instance uint32, status int32, err error)
	DeleteObject(ctx context.Context, object, parameterKey string) (status int32, err error)
	DeviceID(ctx context.Context) (cwmp.DeviceIdStruct, error)
	InformParameters(ctx context.Context, events []cwmp.EventCode) ([]cwmp.ParameterValueStruct, error)
	InformDelivered(ctx context.Context) error
	HasPendingChanges() bool
	Value(ctx context.Context, path string) (string, error)
	SetLocal(ctx context.Context, values map[string]string) error
	Watch(path string, fn func(value string))
	DiscardPendingChanges(ctx context.Context) error
}

var (
	_ treeContract      = (*model.Tree)(nil)
	_ platform.Platform = (*sim.Sim)(nil)
)
