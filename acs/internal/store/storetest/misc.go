package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

// testNotFound: every lookup of something that is not there says so with
// ErrNotFound, and writes to it do not create it.
func testNotFound(t *testing.T, s store.Store) {
	const dev = "00D09E-NOPE"
	checks := map[string]error{}
	_, checks["Device"] = s.Device(ctx, dev)
	_, checks["UpdateDevice"] = s.UpdateDevice(ctx, dev, func(*store.Device) error { return nil })
	checks["DeleteDevice"] = s.DeleteDevice(ctx, dev)
	_, checks["RecentEvents"] = s.RecentEvents(ctx, dev, 0)
	checks["SaveParams"] = s.SaveParams(ctx, dev, []store.Param{{Name: "Device.X", Value: "1"}})
	_, checks["Params"] = s.Params(ctx, dev, "")
	checks["DeleteParams"] = s.DeleteParams(ctx, dev, "")
	checks["AddTask"] = s.AddTask(ctx, &store.Task{Device: dev, Type: "reboot"})
	_, checks["Task"] = s.Task(ctx, "no-such-task")
	checks["UpdateTask"] = s.UpdateTask(ctx, store.Task{ID: "no-such-task", Device: dev, Status: store.StatusQueued})
	_, checks["TaskByKey"] = s.TaskByKey(ctx, dev, "k")
	_, checks["Preset"] = s.Preset(ctx, "none")
	checks["DeletePreset"] = s.DeletePreset(ctx, "none")
	_, checks["TokenByHash"] = s.TokenByHash(ctx, []byte("0123456789abcdef0123456789abcdef"))
	for name, err := range checks {
		wantErr(t, err, store.ErrNotFound, name)
	}
	if _, err := s.Device(ctx, dev); err == nil {
		t.Fatal("a failed write created the device")
	}
	// Empty collections are not errors.
	if tasks, err := s.OpenTasks(ctx, dev); err != nil || len(tasks) != 0 {
		t.Fatalf("OpenTasks: %v %v", tasks, err)
	}
	if fs, err := s.Faults(ctx, dev, 0); err != nil || len(fs) != 0 {
		t.Fatalf("Faults: %v %v", fs, err)
	}
	if ps, err := s.Presets(ctx); err != nil || len(ps) != 0 {
		t.Fatalf("Presets: %v %v", ps, err)
	}
	if log, err := s.AuditLog(ctx, 0, 0); err != nil || len(log) != 0 {
		t.Fatalf("AuditLog: %v %v", log, err)
	}
	if devs, next, err := s.ListDevices(ctx, store.DeviceQuery{}); err != nil || len(devs) != 0 || next != "" {
		t.Fatalf("ListDevices: %v %q %v", devs, next, err)
	}
}

// testConcurrent runs sessions the way the CWMP server does (lease, Inform,
// tasks, release) from many goroutines at once, with readers alongside.
// Run it with -race.
func testConcurrent(t *testing.T, s store.Store) {
	const (
		workers  = 24
		devices  = 8 // fewer devices than workers: leases collide
		sessions = 20
	)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		added    = map[string]int{}
		informed = map[string]int{}
		inside   = map[string]string{}
		errs     = make(chan error, workers*sessions)
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := fmt.Sprint("worker-", w)
			for i := range sessions {
				dev := deviceID((w + i) % devices)
				if err := s.AcquireLease(ctx, dev, holder, time.Minute); err != nil {
					if !isLeaseHeld(err) {
						errs <- err
					}
					continue
				}
				mu.Lock()
				if other, busy := inside[dev]; busy {
					errs <- fmt.Errorf("%s and %s in a session with %s at once", other, holder, dev)
				}
				inside[dev] = holder
				mu.Unlock()
				in := inform(dev, time.Now(), store.Param{Name: "Device.Worker", Value: holder, Type: "xsd:string"})
				_, err := s.RecordInform(ctx, in)
				if err == nil {
					task := store.Task{Device: dev, Type: "reboot", Key: fmt.Sprintf("%s-%d", holder, i)}
					if err = s.AddTask(ctx, &task); err == nil {
						if next, ok, nerr := s.NextTask(ctx, dev, time.Now().Add(time.Hour)); nerr != nil || !ok {
							err = fmt.Errorf("NextTask after AddTask: ok=%v err=%v", ok, nerr)
						} else {
							next.Status = store.StatusDone
							err = s.UpdateTask(ctx, next)
						}
					}
				}
				mu.Lock()
				if err == nil {
					added[dev]++
					informed[dev]++
				}
				delete(inside, dev)
				mu.Unlock()
				if err != nil {
					errs <- err
				}
				if err := s.ReleaseLease(ctx, dev, holder); err != nil {
					errs <- err
				}
			}
		}()
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := s.ListDevices(ctx, store.DeviceQuery{Limit: 3}); err != nil {
					errs <- err
					return
				}
				if _, err := s.Faults(ctx, "", 5); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for dev, n := range added {
		total += n
		open, err := s.OpenTasks(ctx, dev)
		must(t, err)
		if len(open) != 0 {
			t.Fatalf("%s: %d tasks left open", dev, len(open))
		}
		events, err := s.RecentEvents(ctx, dev, 0)
		must(t, err)
		// Every Inform's event is kept, up to the bound of at least 64.
		if n := informed[dev]; (n <= 64 && len(events) != n) || (n > 64 && len(events) < 64) {
			t.Fatalf("%s: %d events for %d informs", dev, len(events), n)
		}
	}
	if total == 0 {
		t.Fatal("no session got through")
	}
	devs, _, err := s.ListDevices(ctx, store.DeviceQuery{Limit: 100})
	must(t, err)
	if len(devs) != len(added) {
		t.Fatalf("%d devices listed, %d informed", len(devs), len(added))
	}
}

func isLeaseHeld(err error) bool { return errors.Is(err, store.ErrLeaseHeld) }

// testCanceled: a canceled context stops reads and writes before they
// start; nothing is written.
func testCanceled(t *testing.T, s store.Store) {
	id := deviceID(1)
	record(t, s, inform(id, base))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	checks := map[string]error{}
	_, checks["RecordInform"] = s.RecordInform(cctx, inform(deviceID(2), base))
	_, checks["Device"] = s.Device(cctx, id)
	_, _, checks["ListDevices"] = s.ListDevices(cctx, store.DeviceQuery{})
	checks["AddTask"] = s.AddTask(cctx, &store.Task{Device: id, Type: "reboot"})
	_, _, checks["NextTask"] = s.NextTask(cctx, id, base)
	checks["AcquireLease"] = s.AcquireLease(cctx, id, "h", time.Minute)
	_, checks["Prune"] = s.Prune(cctx, base)
	for name, err := range checks {
		wantErr(t, err, context.Canceled, name)
	}
	if _, err := s.Device(ctx, deviceID(2)); err == nil {
		t.Fatal("RecordInform with a canceled context wrote")
	}
	if open, err := s.OpenTasks(ctx, id); err != nil || len(open) != 0 {
		t.Fatalf("AddTask with a canceled context wrote: %v %v", open, err)
	}
	must(t, s.AcquireLease(ctx, id, "other", time.Minute))
}
