package store

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// crashChildEnv tells the test binary, re-executed by TestCrashKeeps...,
// to act as the agent being killed.
const crashChildEnv = "GATEWARDEN_STORE_CRASH_CHILD"

const (
	crashRuns    = 20
	crashDropLag = 10 // each iteration deletes the event it appended this many iterations earlier
)

// TestCrashChild is the process that gets killed. Each iteration commits
// one transaction that appends an event, deletes an older one, records the
// new sequence as a value and counts a transfer state save; only after the
// commit returns does it acknowledge "seq dropped" on stdout.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("helper process for TestCrashKeepsAcknowledgedEvents")
	}
	s, err := Open(path, Options{LockTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	transfers, err := s.Transfers()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child transfers:", err)
		os.Exit(2)
	}
	var tid uint64
	if len(transfers) > 0 {
		tid = transfers[0].ID
	} else if tid, err = s.SaveTransfer(Transfer{Kind: KindDownload, CommandKey: "crash"}); err != nil {
		fmt.Fprintln(os.Stderr, "child transfer:", err)
		os.Exit(2)
	}
	var mine []uint64
	deadline := time.Now().Add(30 * time.Second) // never outlive a vanished parent for long
	for i := 0; time.Now().Before(deadline); i++ {
		var seq, dropped uint64
		err := s.Update(func(tx *Tx) error {
			var err error
			if seq, err = tx.AppendEvent(Event{Code: "4 VALUE CHANGE", CommandKey: strconv.Itoa(i), Time: time.Now()}); err != nil {
				return err
			}
			if i >= crashDropLag {
				dropped = mine[i-crashDropLag]
				if err := tx.DeleteEvents(dropped); err != nil {
					return err
				}
			}
			if err := tx.SaveValues(map[string]string{"Device.Test.LastSeq": strconv.FormatUint(seq, 10)}); err != nil {
				return err
			}
			_, err = tx.EnterTransferState(tid, TransferTransferring)
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child update:", err)
			os.Exit(2)
		}
		mine = append(mine, seq)
		fmt.Printf("%d %d\n", seq, dropped)
	}
	os.Exit(0)
}

// TestCrashKeepsAcknowledgedEvents kills the child with SIGKILL at random
// moments, again and again on the same file, and checks after each kill
// that the file opens cleanly, holds every acknowledged event that was not
// acknowledged as deleted, in order, and that the transaction in flight
// at the kill either happened entirely or not at all.
func TestCrashKeepsAcknowledgedEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := tempPath(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))

	present := make(map[uint64]bool) // acknowledged and not acknowledged as dropped
	var lastAcked uint64
	committed := uint32(0) // iterations known to be on disk, over all runs
	totalAcks := 0

	for run := 0; run < crashRuns; run++ {
		acks := runAndKill(t, path, time.Duration(20+rng.IntN(200))*time.Millisecond)
		totalAcks += len(acks)
		for _, a := range acks {
			present[a.seq] = true
			if a.dropped != 0 {
				delete(present, a.dropped)
			}
			lastAcked = a.seq
			committed++
		}
		// The iteration in flight at the kill would have dropped this one.
		var inflightDrop uint64
		if len(acks) >= crashDropLag {
			inflightDrop = acks[len(acks)-crashDropLag].seq
		}

		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("run %d: Open after kill -9: %v", run, err)
		}
		events, err := s.Events()
		if err != nil {
			t.Fatalf("run %d: Events: %v", run, err)
		}
		vals, err := s.Values()
		if err != nil {
			t.Fatalf("run %d: Values: %v", run, err)
		}
		transfers, err := s.Transfers()
		if err != nil {
			t.Fatalf("run %d: Transfers: %v", run, err)
		}
		s.Close()

		onDisk := make(map[uint64]bool)
		var extra []uint64
		var prev uint64
		for _, e := range events {
			if e.Seq <= prev {
				t.Fatalf("run %d: events out of order: %d after %d", run, e.Seq, prev)
			}
			prev = e.Seq
			onDisk[e.Seq] = true
			if !present[e.Seq] {
				if e.Seq <= lastAcked {
					t.Fatalf("run %d: event %d is back although its deletion was acknowledged", run, e.Seq)
				}
				extra = append(extra, e.Seq)
			}
		}
		if len(extra) > 1 {
			t.Fatalf("run %d: %d unacknowledged events on disk, at most the one in flight may be: %v", run, len(extra), extra)
		}
		inflightCommitted := len(extra) == 1
		for seq := range present {
			if !onDisk[seq] && !(inflightCommitted && seq == inflightDrop) {
				t.Fatalf("run %d: acknowledged event %d lost", run, seq)
			}
		}
		wantLast, wantSaves := lastAcked, committed
		if inflightCommitted {
			if inflightDrop != 0 && onDisk[inflightDrop] {
				t.Fatalf("run %d: half a transaction: event %d appended but %d not dropped", run, extra[0], inflightDrop)
			}
			wantLast, wantSaves = extra[0], committed+1
		}
		if wantLast != 0 && vals["Device.Test.LastSeq"] != strconv.FormatUint(wantLast, 10) {
			t.Fatalf("run %d: LastSeq = %q, want %d: value and event not committed together", run, vals["Device.Test.LastSeq"], wantLast)
		}
		if wantSaves > 0 && (len(transfers) != 1 || transfers[0].StateSaves != wantSaves) {
			t.Fatalf("run %d: transfer state saves = %v, want %d", run, transfers, wantSaves)
		}
		if inflightCommitted {
			present[extra[0]] = true
			delete(present, inflightDrop)
			lastAcked = extra[0]
			committed++
		}
	}
	t.Logf("%d kills, %d acknowledged commits, %d events queued at the end, all accounted for", crashRuns, totalAcks, len(present))
	if totalAcks == 0 {
		t.Fatal("no child ever acknowledged a commit; the kills came too early to test anything")
	}
}

type ack struct{ seq, dropped uint64 }

// runAndKill starts the child on path, SIGKILLs it after d and returns the
// complete acknowledgement lines it wrote (a torn last line is not one).
func runAndKill(t *testing.T, path string, d time.Duration) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan []ack, 1)
	go func() {
		var acks []ack
		r := bufio.NewReader(out)
		for {
			line, err := r.ReadString('\n')
			if err != nil { // io.EOF: a line without its newline is torn
				if err != io.EOF {
					t.Error(err)
				}
				lines <- acks
				return
			}
			var a ack
			if _, err := fmt.Sscanf(line, "%d %d\n", &a.seq, &a.dropped); err != nil {
				t.Errorf("child wrote %q", line)
				continue
			}
			acks = append(acks, a)
		}
	}()
	time.Sleep(d)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	acks := <-lines
	cmd.Wait()
	if cmd.ProcessState.Exited() {
		t.Fatalf("child exited on its own (%v) instead of being killed", cmd.ProcessState)
	}
	return acks
}
