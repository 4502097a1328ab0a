package sim

import (
	"context"
	"errors"
	"fmt"

	"gatewarden/cpe-agent/internal/model"
	"gatewarden/protocol/datamodel"
)

// setting binds a writable parameter whose value the sim keeps (as a
// router keeps its Wi-Fi settings in its own configuration): def gives the
// factory value per instance.
func (s *Sim) setting(r *model.Registry, tmpl string, def func(ix model.Index) string) {
	s.settings[tmpl] = def
	r.Param(tmpl, model.GetSet(
		func(_ context.Context, ix model.Index) (string, error) {
			return s.settingValue(ix.Path(tmpl), def(ix)), nil
		},
		func(_ context.Context, ix model.Index, v string) error {
			return s.putSetting(ix.Path(tmpl), v)
		}))
}

// fixedSettings binds settings under prefix whose factory values are the
// same for every instance; kv alternates names and values.
func (s *Sim) fixedSettings(r *model.Registry, prefix string, kv []string) {
	for i := 0; i+1 < len(kv); i += 2 {
		s.setting(r, prefix+kv[i], fixed(kv[i+1]))
	}
}

// fixed returns a default that is the same for every instance. Out of line
// like counter.
//
//go:noinline
func fixed(v string) func(model.Index) string {
	return func(model.Index) string { return v }
}

func (s *Sim) settingValue(path, def string) string {
	s.mu.Lock()
	v, ok := s.st.Settings[path]
	s.mu.Unlock()
	if !ok {
		return def
	}
	return v
}

func (s *Sim) putSetting(path, v string) error {
	s.mu.Lock()
	old, had := s.st.Settings[path]
	s.st.Settings[path] = v
	err := s.save()
	if err != nil {
		if had {
			s.st.Settings[path] = old
		} else {
			delete(s.st.Settings, path)
		}
	}
	s.mu.Unlock()
	return err
}

// enabled reads a boolean setting.
func (s *Sim) enabled(path, def string) bool {
	v := s.settingValue(path, def)
	return v == "true" || v == "1"
}

// LocalChange is a change made on the device itself, not by the ACS (the
// web UI, a button): settings the sim keeps change in the sim and the tree
// is told, as a platform that learns of a system change would; parameters
// the tree stores go through the tree's SetLocal. Either way the ACS hears
// about it according to the parameter's notification attribute.
func (s *Sim) LocalChange(ctx context.Context, path, value string) error {
	if s.tree == nil {
		return errors.New("sim: local change before Register")
	}
	p, err := datamodel.ParsePath(path)
	if err != nil {
		return fmt.Errorf("sim: local change: %w", err)
	}
	if _, ok := s.settings[p.Template()]; !ok {
		return s.tree.SetLocal(ctx, map[string]string{path: value})
	}
	if _, err := s.tree.Value(ctx, path); err != nil {
		return fmt.Errorf("sim: local change of %s: %w", path, err)
	}
	n, ok := datamodel.TR181().Lookup(path)
	if !ok {
		return fmt.Errorf("sim: local change: unknown parameter %s", path)
	}
	if err := n.Validate(value); err != nil {
		return fmt.Errorf("sim: local change of %s: %w", path, err)
	}
	if err := s.putSetting(path, value); err != nil {
		return err
	}
	return s.notify(ctx, path)
}

// notify tells the tree, if there is one yet, that paths changed.
func (s *Sim) notify(ctx context.Context, paths ...string) error {
	if s.tree == nil {
		return nil
	}
	if err := s.tree.Notify(ctx, paths...); err != nil && !errors.Is(err, model.ErrNoTree) {
		return err
	}
	return nil
}
