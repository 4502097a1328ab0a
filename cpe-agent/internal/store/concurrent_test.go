package store

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentUse runs writers and readers on one store at once (and
// under -race in CI): no number is handed out twice and nothing is lost.
func TestConcurrentUse(t *testing.T) {
	s, _ := openTemp(t)
	const writers, rounds = 6, 4
	var (
		mu        sync.Mutex
		seqs      = make(map[uint64]bool)
		instances = make(map[uint32]bool)
	)
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2+16)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				seq, err := s.AppendEvent(Event{Code: "4 VALUE CHANGE", CommandKey: fmt.Sprintf("%d/%d", w, r)})
				if err != nil {
					errs <- err
					return
				}
				var n uint32
				err = s.Update(func(tx *Tx) error {
					var err error
					if n, err = tx.NextInstance("Device.Hosts.Host."); err != nil {
						return err
					}
					if err := tx.PutInstance("Device.Hosts.Host.", n); err != nil {
						return err
					}
					return tx.SaveValues(map[string]string{fmt.Sprintf("Device.Hosts.Host.%d.HostName", n): fmt.Sprintf("w%d", w)})
				})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seqs[seq] || instances[n] {
					errs <- fmt.Errorf("duplicate seq %d or instance %d", seq, n)
				}
				seqs[seq], instances[n] = true, true
				mu.Unlock()
			}
		}(w)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 3; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Events(); err != nil {
					errs <- err
					return
				}
				// A snapshot never shows a value without its instance.
				err := s.View(func(tx *Tx) error {
					inst, err := tx.Instances()
					if err != nil {
						return err
					}
					vals, err := tx.Values()
					if err != nil {
						return err
					}
					if len(vals) != len(inst["Device.Hosts.Host."]) {
						return fmt.Errorf("snapshot with %d values but %d instances", len(vals), len(inst["Device.Hosts.Host."]))
					}
					return nil
				})
				if err != nil {
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
		t.Fatal(err)
	}

	events, err := s.Events()
	must(t, err)
	if len(events) != writers*rounds {
		t.Fatalf("%d events, want %d", len(events), writers*rounds)
	}
	inst, _ := s.Instances()
	if got := inst["Device.Hosts.Host."]; len(got) != writers*rounds || got[0] != 1 || got[len(got)-1] != writers*rounds {
		t.Fatalf("instances = %v", got)
	}
}
