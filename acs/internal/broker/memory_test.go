package broker

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatewarden/acs/internal/store"
	"gatewarden/protocol/mqttwire"
)

// Memory per idle device connection of the embedded broker. The clients
// run in a child process (this test binary again), because one process
// may hold at most 20,000 open files and each connection costs one in the
// broker and one in the client. `make test` measures 1,000 connections
// and holds the result to a bound; GATEWARDEN_MQTT_CONNS=5000,10000 (make
// bench) measures the figures the package doc quotes.

const (
	memClientEnv = "GATEWARDEN_MQTT_MEMCLIENT" // child mode: "ADDR N"
	memConnsEnv  = "GATEWARDEN_MQTT_CONNS"
	memSecret    = "memory test fleet secret"
)

// anyDevice accepts every device ID: the store is not what is measured.
type anyDevice struct{}

func (anyDevice) Device(_ context.Context, id string) (store.Device, error) {
	return store.Device{ID: id}, nil
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(memClientEnv); spec != "" {
		os.Exit(memClient(spec))
	}
	os.Exit(m.Run())
}

func mqttString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func mqttPacket(typ byte, body []byte) []byte {
	p := []byte{typ}
	n := len(body)
	for {
		d := byte(n % 128)
		n /= 128
		if n > 0 {
			d |= 0x80
		}
		p = append(p, d)
		if n == 0 {
			break
		}
	}
	return append(p, body...)
}

// memClient opens N device connections (CONNECT with credentials, then a
// SUBSCRIBE to the device's connection-request topic, as an idle agent
// has), says "ready", and holds them until stdin closes.
func memClient(spec string) int {
	f := strings.Fields(spec)
	n, _ := strconv.Atoi(f[1])
	pw := NewPasswords([]byte(memSecret))
	conns := make([]net.Conn, 0, n)
	for i := range n {
		id := fmt.Sprintf("00D09E-MEM-%06d", i)
		c, err := net.Dial("tcp", f[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			return 1
		}
		var body []byte
		body = mqttString(body, "MQTT")
		body = append(body, 4, 0xC2) // 3.1.1; username, password, clean session
		body = binary.BigEndian.AppendUint16(body, 600)
		body = mqttString(body, id)
		body = mqttString(body, id)
		body = mqttString(body, pw.Password(id))
		sub := binary.BigEndian.AppendUint16(nil, 1)
		sub = mqttString(sub, mqttwire.DeviceTopic(id, mqttwire.KindConnReq))
		sub = append(sub, 1)
		if _, err := c.Write(append(mqttPacket(0x10, body), mqttPacket(0x82, sub)...)); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			return 1
		}
		ack := make([]byte, 4+5)
		if _, err := io.ReadFull(c, ack); err != nil || ack[0] != 0x20 || ack[3] != 0 || ack[4] != 0x90 || ack[8] != 1 {
			fmt.Fprintf(os.Stderr, "connack/suback %x: %v\n", ack, err)
			return 1
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	return 0
}

type memFigures struct {
	heap, stack, goroutines float64 // per connection
	rss                     float64 // per connection, from /proc
}

func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func measureConnections(t *testing.T, n int) memFigures {
	t.Helper()
	e, err := NewEmbedded(EmbeddedConfig{Addr: "127.0.0.1:0", Passwords: NewPasswords([]byte(memSecret)), Devices: anyDevice{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g0, rss0 := runtime.NumGoroutine(), vmRSS()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), memClientEnv+"="+e.Addr().String()+" "+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("client said %q", line)
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("client process: %v", err)
		}
	case <-time.After(120 * time.Second):
		t.Fatal("client process did not connect in time")
	}
	for e.Clients() < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	// Several cycles: each halves a goroutine stack grown while the
	// connection was set up (at most once per cycle), as a long-running
	// ACS's collections do.
	for range 5 {
		runtime.GC()
	}
	runtime.ReadMemStats(&after)
	fn := float64(n)
	return memFigures{
		heap:       float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / fn,
		stack:      float64(int64(after.StackInuse)-int64(before.StackInuse)) / fn,
		goroutines: float64(runtime.NumGoroutine()-g0) / fn,
		rss:        float64(vmRSS()-rss0) / fn,
	}
}

func TestMemoryPerConnection(t *testing.T) {
	counts := []int{1000}
	if s := os.Getenv(memConnsEnv); s != "" {
		counts = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 || n > 19000 {
				t.Fatalf("%s: %q is not a count from 1 to 19000", memConnsEnv, f)
			}
			counts = append(counts, n)
		}
	}
	for _, n := range counts {
		m := measureConnections(t, n)
		total := m.heap + m.stack
		t.Logf("%d connections: heap %.0f B + stacks %.0f B = %.1f KiB per connection (%.1f goroutines each); RSS %.1f KiB each",
			n, m.heap, m.stack, total/1024, m.goroutines, m.rss/1024)
		// With mochi's defaults the 8,192-slot outbound queue alone is
		// 64 KiB per client; the sizing here must stay far below that.
		if total > 40<<10 {
			t.Errorf("%.1f KiB per idle connection, want under 40 KiB", total/1024)
		}
	}
}
