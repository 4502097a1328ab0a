package bbolt

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
)

const crashEnv = "GATEWARDEN_STORE_CRASH_CHILD"

// TestCrashChild is the victim of TestCrashKeepsAcknowledged: it writes as
// fast as it can from several goroutines and prints what each write
// acknowledged, until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("runs only as the child of TestCrashKeepsAcknowledged")
	}
	s, err := Open(path, Options{LockTimeout: 5 * time.Second})
	if err != nil {
		fmt.Println("open failed:", err)
		os.Exit(2)
	}
	// Never outlive a parent that failed before killing us.
	time.AfterFunc(20*time.Second, func() { os.Exit(4) })
	round := os.Getenv(crashEnv + "_ROUND")
	ctx := context.Background()
	var out sync.Mutex
	ack := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Printf(format+"\n", args...) // one write per line
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				dev := fmt.Sprintf("crash-%s-%d", round, w)
				in := store.Inform{
					Device: store.Device{ID: dev, SerialNumber: dev},
					Events: []store.Event{{Code: "2 PERIODIC"}},
					Params: []store.Param{{Name: "Device.Counter", Value: strconv.Itoa(i), Type: "xsd:unsignedInt"}},
				}
				if _, err := s.RecordInform(ctx, in); err != nil {
					ack("error %v", err)
					return
				}
				ack("inform %s %d", dev, i)
				task := store.Task{Device: dev, Type: "reboot", Key: fmt.Sprintf("k-%d", i)}
				if err := s.AddTask(ctx, &task); err != nil {
					ack("error %v", err)
					return
				}
				ack("task %s %s", task.ID, task.Key)
				e := store.AuditEntry{Actor: dev, Action: "crash-test"}
				if err := s.AppendAudit(ctx, &e); err != nil {
					ack("error %v", err)
					return
				}
				ack("audit %d", e.Seq)
			}
		}()
	}
	wg.Wait()
	os.Exit(3)
}

// TestCrashKeepsAcknowledged kills a writing process with SIGKILL at random
// moments and checks, after each kill, that the file opens cleanly and holds
// every write the child had acknowledged.
func TestCrashKeepsAcknowledged(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("child")
	}
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	path := filepath.Join(t.TempDir(), "acs.db")
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	total := 0
	for round := range rounds {
		acked := crashRound(t, path, round, 20*time.Millisecond+time.Duration(rng.IntN(200))*time.Millisecond)
		total += verifyAcked(t, path, acked)
	}
	t.Logf("%d rounds, %d acknowledged writes verified", rounds, total)
	if total == 0 {
		t.Fatal("the child acknowledged nothing")
	}
}

type ackedWrites struct {
	informs map[string]int    // device -> highest acknowledged counter
	tasks   map[string]string // task ID -> key
	audit   []uint64
}

func crashRound(t *testing.T, path string, round int, after time.Duration) ackedWrites {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, fmt.Sprintf("%s_ROUND=%d", crashEnv, round))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := ackedWrites{informs: map[string]int{}, tasks: map[string]string{}}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return // a line cut by the kill was never acknowledged
			}
			lines <- strings.TrimSuffix(line, "\n")
		}
	}()
	// Kill only once the child is writing, so every round tests a crash
	// in the middle of commits, not during start-up.
	first := <-lines
	time.Sleep(after)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	record := func(line string) {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "inform":
			n, _ := strconv.Atoi(f[2])
			acked.informs[f[1]] = max(acked.informs[f[1]], n)
		case len(f) == 3 && f[0] == "task":
			acked.tasks[f[1]] = f[2]
		case len(f) == 2 && f[0] == "audit":
			n, _ := strconv.ParseUint(f[1], 10, 64)
			acked.audit = append(acked.audit, n)
		default:
			t.Fatalf("child said %q", line)
		}
	}
	record(first)
	for line := range lines {
		record(line)
	}
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err == nil {
		t.Fatal("child exited cleanly: it was not killed mid-run")
	}
	return acked
}

func verifyAcked(t *testing.T, path string, acked ackedWrites) int {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	checkFile(t, s)
	ctx := context.Background()
	for dev, n := range acked.informs {
		ps, err := s.Params(ctx, dev, "Device.Counter")
		if err != nil || len(ps) != 1 {
			t.Fatalf("acknowledged inform of %s lost: %v %v", dev, ps, err)
		}
		if got, _ := strconv.Atoi(ps[0].Value); got < n {
			t.Fatalf("%s: counter %d, acknowledged %d", dev, got, n)
		}
	}
	for id, key := range acked.tasks {
		task, err := s.Task(ctx, id)
		if err != nil {
			t.Fatalf("acknowledged task %s lost: %v", id, err)
		}
		byKey, err := s.TaskByKey(ctx, task.Device, key)
		if err != nil || byKey.ID != id {
			t.Fatalf("key index of acknowledged task %s: %v %v", id, byKey.ID, err)
		}
	}
	for _, seq := range acked.audit {
		log, err := s.AuditLog(ctx, seq-1, 1)
		if err != nil || len(log) != 1 || log[0].Seq != seq {
			t.Fatalf("acknowledged audit entry %d lost: %v %v", seq, log, err)
		}
	}
	// Writes go on from the recovered state.
	if err := s.AppendAudit(ctx, &store.AuditEntry{Actor: "parent", Action: "after-crash"}); err != nil {
		t.Fatal(err)
	}
	return len(acked.informs) + len(acked.tasks) + len(acked.audit)
}
