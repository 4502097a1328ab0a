package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// RowHooks carry out the ACS's AddObject and DeleteObject on a table whose
// rows a provider lists (Registry.Editable): an address on a link, a
// static route. The system is the truth for which rows exist; the hooks
// change the system and the Lister reports the result.
type RowHooks struct {
	// Add creates a row in the system and returns the key the Lister
	// lists it under from now on, which no listed row may have yet. ix is
	// the new instance: its number is final (Last) and its outer levels
	// name the parent (Key(0) is the link of an address), but its own key
	// is not known yet. An error aborts the AddObject with nothing
	// recorded; a *cwmp.Fault reaches the ACS as it is.
	Add func(ctx context.Context, ix Index) (key string, err error)
	// Delete removes the row ix names from the system. It also undoes an
	// Add whose instance the tree could not record. An error aborts the
	// DeleteObject with nothing removed; return a *cwmp.Fault (9001) for a
	// row the ACS may not delete, such as a route the kernel made.
	Delete func(ctx context.Context, ix Index) error
	// Deletable, when set, says which rows the ACS may delete (a route
	// the kernel made may not): GetParameterNames shows the others as not
	// writable, and DeleteObject on them is 9001 without calling Delete.
	// It runs often (every GetParameterNames walk) and must be cheap.
	Deletable func(ix Index) bool
}

// Editable declares a table a provider lists, like Table, whose rows the
// ACS may also add and delete through hooks. Instance numbers work as in
// any listed table: the key Add returns is mapped to the new instance
// number and persisted, so the Lister's later listing of that key shows
// the same instance, across restarts too. The schema must say the table
// is writable, and both hooks are required.
func (r *Registry) Editable(path string, list Lister, hooks RowHooks) {
	if list == nil || hooks.Add == nil || hooks.Delete == nil {
		r.fail("%s: Editable needs a Lister and both RowHooks", path)
		return
	}
	r.declareTable(path, &table{kind: editable, list: list, rows: hooks})
}

// errRowKey marks an Add hook that broke its contract.
var errRowKey error = &sentinel{"the provider's new row has no key of its own"}

// addRow is AddObject on an editable table whose current rows are s: the
// hook makes the row and the tree records its key under a new number, in
// one store transaction with the ParameterKey. If the transaction fails
// after the hook made the row, the row is deleted again, so the system
// and the tree agree. Called with t.mu held.
func (t *Tree) addRow(ctx context.Context, tg *target, table string, s *instSet, key string) (uint32, []fired, error) {
	var (
		num  uint32
		rk   string
		made bool
	)
	err := update(t.st, func(b batch) error {
		n, err := b.nextInstance(table)
		if err != nil {
			return err
		}
		num = n
		rk, err = tg.n.tbl.rows.Add(ctx, tg.ix.push(num, ""))
		if err != nil {
			return fmt.Errorf("model: adding to %s: %w", table, err)
		}
		made = true
		if rk == "" || s != nil && slices.Contains(s.keys, rk) {
			return fmt.Errorf("model: adding to %s: key %q: %w", table, rk, errRowKey)
		}
		if err := b.putInstance(table, num); err != nil {
			return err
		}
		if err := b.saveKey(table, num, rk); err != nil {
			return err
		}
		if t.keyNode() != nil {
			return b.saveValues(map[string]string{ParameterKeyPath: key})
		}
		return nil
	})
	if err != nil {
		// A duplicate key names a row that existed before: undoing would
		// delete that one.
		if made && !errors.Is(err, errRowKey) {
			if uerr := tg.n.tbl.rows.Delete(ctx, tg.ix.push(num, rk)); uerr != nil {
				t.log.Warn("undoing a row the tree could not record", "table", table, "key", rk, "err", uerr)
			}
		}
		return 0, nil, err
	}
	t.addToSet(table, num, rk)
	var fire []fired
	if t.keyNode() != nil {
		t.values[ParameterKeyPath] = key
		fire = append(fire, fired{path: ParameterKeyPath, value: key})
	}
	return num, fire, nil
}
