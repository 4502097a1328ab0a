package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"gatewarden/protocol/datamodel"
)

// runTask queues a task for a device, waits up to --wait and returns the
// finished task. In --json mode it prints the task whatever its state.
// A task still open is a pendingError (exit 3), a faulted one an error.
func (c *cli) runTask(ctx context.Context, id string, body map[string]any) (task, error) {
	seg, err := deviceSegment(id)
	if err != nil {
		return task{}, err
	}
	q := url.Values{}
	if c.g.wait > 0 {
		q.Set("wait", c.g.wait.String())
	}
	var t task
	status, raw, err := c.do(ctx, "POST", "/devices/"+seg+"/tasks", q, body, &t)
	if err != nil {
		return task{}, err
	}
	if c.g.json {
		if err := c.printJSON(raw); err != nil {
			return task{}, err
		}
	}
	switch {
	case status == http.StatusAccepted || t.Status != "done" && t.Status != "fault":
		return t, &pendingError{fmt.Sprintf("task %s (%s) is still %s after %s: the device has not connected yet; follow it with `acsctl tasks show %s`",
			t.ID, t.Type, t.Status, c.g.wait, t.ID)}
	case t.Status == "fault":
		return t, taskFault(&t)
	}
	return t, nil
}

func taskFault(t *task) error {
	if t.Fault == nil {
		return fmt.Errorf("task %s (%s) failed", t.ID, t.Type)
	}
	return fmt.Errorf("task %s (%s) failed on the device: fault %d: %s", t.ID, t.Type, t.Fault.Code, t.Fault.Message)
}

func (c *cli) get(ctx context.Context, args []string) error {
	if err := wantAtLeast(args, 2, "get ID PARAM..."); err != nil {
		return err
	}
	t, err := c.runTask(ctx, args[0], map[string]any{"type": "getParameterValues", "parameters": args[1:]})
	if err != nil || c.g.json {
		return err
	}
	var res valuesResult
	if err := json.Unmarshal(t.Result, &res); err != nil {
		return fmt.Errorf("task %s: unexpected result: %w", t.ID, err)
	}
	tb := newTable(c.env.stdout, "NAME", "VALUE", "TYPE")
	for _, v := range res.Values {
		tb.row(v.Name, v.Value, v.Type)
	}
	return tb.flush()
}

type assignment struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// parseAssignment reads PARAM=VALUE[:TYPE]. Values often hold colons
// (URLs, MAC addresses, times), so a suffix counts as a type only when it
// names one; "x:int:string" sets the string "x:int".
func parseAssignment(arg string) (assignment, error) {
	name, value, ok := strings.Cut(arg, "=")
	if !ok || name == "" {
		return assignment{}, usagef("%q: want PARAM=VALUE or PARAM=VALUE:TYPE", arg)
	}
	if _, err := datamodel.ParsePath(name); err != nil || strings.HasSuffix(name, ".") {
		return assignment{}, usagef("%q is not a parameter name", name)
	}
	a := assignment{Name: name, Value: value}
	i := strings.LastIndexByte(value, ':')
	if i < 0 {
		return a, nil
	}
	k, ok := datamodel.KindOfXSD(value[i+1:])
	if !ok {
		return a, nil
	}
	a.Type, a.Value = k.XSD(), value[:i]
	// "VALUE:xsd:int" names the type with its prefix.
	if rest, found := strings.CutSuffix(a.Value, ":xsd"); found {
		a.Value = rest
	}
	return a, nil
}

func (c *cli) set(ctx context.Context, args []string) error {
	if err := wantAtLeast(args, 2, "set ID PARAM=VALUE[:TYPE]..."); err != nil {
		return err
	}
	values := make([]assignment, 0, len(args)-1)
	for _, arg := range args[1:] {
		a, err := parseAssignment(arg)
		if err != nil {
			return err
		}
		values = append(values, a)
	}
	t, err := c.runTask(ctx, args[0], map[string]any{"type": "setParameterValues", "values": values})
	if err != nil || c.g.json {
		return err
	}
	c.printf("set %s on %s (task %s)\n", plural(len(values), "parameter", "parameters"), t.Device, t.ID)
	return nil
}

func (c *cli) addObject(ctx context.Context, args []string) error {
	if err := wantArgs(args, 2, "add-object ID OBJECT."); err != nil {
		return err
	}
	t, err := c.runTask(ctx, args[0], map[string]any{"type": "addObject", "object": args[1]})
	if err != nil || c.g.json {
		return err
	}
	var res struct {
		InstanceNumber *uint32 `json:"instanceNumber"`
	}
	if err := json.Unmarshal(t.Result, &res); err != nil || res.InstanceNumber == nil {
		return fmt.Errorf("task %s: the result names no instance number", t.ID)
	}
	c.printf("created %s%d. (task %s)\n", args[1], *res.InstanceNumber, t.ID)
	return nil
}

func (c *cli) deleteObject(ctx context.Context, args []string) error {
	if err := wantArgs(args, 2, "delete-object ID OBJECT.N."); err != nil {
		return err
	}
	t, err := c.runTask(ctx, args[0], map[string]any{"type": "deleteObject", "object": args[1]})
	if err != nil || c.g.json {
		return err
	}
	c.printf("deleted %s (task %s)\n", args[1], t.ID)
	return nil
}

func (c *cli) simpleTask(typ, done string) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		if err := wantArgs(args, 1, strings.ToLower(typ)+" ID"); err != nil {
			return err
		}
		t, err := c.runTask(ctx, args[0], map[string]any{"type": typ})
		if err != nil || c.g.json {
			return err
		}
		c.printf("%s %s (task %s)\n", t.Device, done, t.ID)
		return nil
	}
}

func (c *cli) tasksShow(ctx context.Context, args []string) error {
	if err := wantArgs(args, 1, "tasks show TASKID"); err != nil {
		return err
	}
	var t task
	_, raw, err := c.do(ctx, "GET", "/tasks/"+url.PathEscape(args[0]), nil, nil, &t)
	if err != nil {
		return err
	}
	if c.g.json {
		return c.printJSON(raw)
	}
	tb := newTable(c.env.stdout, "FIELD", "VALUE")
	tb.row("ID", t.ID)
	tb.row("Device", t.Device)
	tb.row("Type", t.Type)
	tb.row("Status", t.Status)
	tb.row("Created", when(t.Created))
	tb.row("Completed", when(t.Completed))
	if t.Fault != nil {
		tb.row("Fault", strconv.Itoa(t.Fault.Code)+" "+t.Fault.Message)
	}
	if err := tb.flush(); err != nil {
		return err
	}
	var res valuesResult
	if json.Unmarshal(t.Result, &res) == nil && len(res.Values) > 0 {
		c.printf("\n")
		vt := newTable(c.env.stdout, "NAME", "VALUE", "TYPE")
		for _, v := range res.Values {
			vt.row(v.Name, v.Value, v.Type)
		}
		return vt.flush()
	}
	if len(t.Result) > 0 && string(t.Result) != "null" {
		c.printf("Result: %s\n", t.Result)
	}
	return nil
}
