package broker

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatewarden/protocol/mqttwire"
)

// These helpers drive the real Debian mosquitto clients against a broker
// (acceptance 1 of the MQTT lane), so the access rules are checked with a
// client the project did not write.

type login struct{ user, password string }

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not installed (Debian mosquitto-clients; testbench/setup.sh installs it): %v", name, err)
	}
	return p
}

func clientArgs(port int, l login) []string {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-V", "mqttv311", "-k", "30"}
	if l.user != "" {
		args = append(args, "-u", l.user, "-P", l.password, "-i", l.user)
	}
	return args
}

// subOnce runs mosquitto_sub for one topic and returns its combined output
// and exit error once it ends (timeout seconds at most).
func subOnce(t *testing.T, port int, l login, topic string, timeout int) (string, error) {
	t.Helper()
	args := append(clientArgs(port, l), "-t", topic, "-C", "1", "-W", strconv.Itoa(timeout))
	out, err := exec.Command(needTool(t, "mosquitto_sub"), args...).CombinedOutput()
	return string(out), err
}

// runTool runs one of the mosquitto clients and returns its combined output.
func runTool(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(needTool(t, name), args...).CombinedOutput()
	return string(out), err
}

func pub(t *testing.T, port int, l login, topic, msg string, qos int) (string, error) {
	t.Helper()
	args := append(clientArgs(port, l), "-t", topic, "-m", msg, "-q", strconv.Itoa(qos))
	out, err := exec.Command(needTool(t, "mosquitto_pub"), args...).CombinedOutput()
	return string(out), err
}

// subscriber is a running mosquitto_sub whose received payloads arrive on
// lines, and whose SUBACK is awaited before use.
type subscriber struct {
	cmd   *exec.Cmd
	lines chan string
	acked chan struct{}
	out   bytes.Buffer
	mu    sync.Mutex
}

func startSub(t *testing.T, port int, l login, topics ...string) *subscriber {
	t.Helper()
	// stdbuf: mosquitto_sub's debug lines sit in stdio's buffer otherwise.
	args := append([]string{"-oL", needTool(t, "mosquitto_sub")}, clientArgs(port, l)...)
	args = append(args, "-d", "-q", "1")
	for _, topic := range topics {
		args = append(args, "-t", topic)
	}
	cmd := exec.Command(needTool(t, "stdbuf"), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	s := &subscriber{cmd: cmd, lines: make(chan string, 16), acked: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.out.WriteString(line + "\n")
			s.mu.Unlock()
			switch {
			case strings.Contains(line, "received SUBACK"):
				once.Do(func() { close(s.acked) })
			case strings.HasPrefix(line, "{"):
				s.lines <- line
			}
		}
		close(s.lines)
	}()
	select {
	case <-s.acked:
	case <-time.After(10 * time.Second):
		t.Fatalf("mosquitto_sub %v: no SUBACK; output:\n%s", topics, s.output())
	}
	return s
}

func (s *subscriber) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// acsView is what the ACS side of a broker offers the acceptance test.
type acsView struct {
	port      int
	publish   func(topic string, payload []byte) error
	subscribe func(filter string, h Handler) error
}

// runAccessAcceptance checks the lane's access rules with real clients:
// a (in group "pilot") and b (in group "other") are known devices.
func runAccessAcceptance(t *testing.T, v acsView, a, b login) {
	ctx := context.Background()
	_ = ctx
	seen := make(chan string, 64)
	if err := v.subscribe("gw/v1/d/+/+", func(topic string, payload []byte) { seen <- topic + " " + string(payload) }); err != nil {
		t.Fatal(err)
	}

	t.Run("anonymous refused", func(t *testing.T) {
		out, err := subOnce(t, v.port, login{}, mqttwire.FleetPushTopic, 3)
		if err == nil || !strings.Contains(out, "not authori") {
			t.Fatalf("anonymous subscribe: err %v, output %q", err, out)
		}
		out, err = pub(t, v.port, login{}, mqttwire.DeviceTopic(a.user, mqttwire.KindTelemetry), `{"ts":1}`, 0)
		if err == nil || !strings.Contains(out, "not authori") {
			t.Fatalf("anonymous publish: err %v, output %q", err, out)
		}
	})
	t.Run("wrong password refused", func(t *testing.T) {
		out, err := subOnce(t, v.port, login{a.user, b.password}, mqttwire.DeviceTopic(a.user, mqttwire.KindConnReq), 3)
		if err == nil || !strings.Contains(out, "not authori") {
			t.Fatalf("A with B's password: err %v, output %q", err, out)
		}
	})
	t.Run("A cannot subscribe to B", func(t *testing.T) {
		for _, topic := range []string{
			mqttwire.DeviceTopic(b.user, mqttwire.KindConnReq),
			mqttwire.DeviceTopic(b.user, mqttwire.KindPush),
			mqttwire.DeviceTopic(b.user, mqttwire.KindGroups),
			mqttwire.DeviceTopic(b.user, mqttwire.KindTelemetry),
			mqttwire.GroupPushTopic("other"),
			"gw/v1/d/+/cr",
			"gw/v1/#",
			"#",
		} {
			out, _ := subOnce(t, v.port, a, topic, 3)
			if !strings.Contains(out, "denied") {
				t.Errorf("A subscribing to %s: output %q, want a denial", topic, out)
			}
		}
	})
	t.Run("A cannot publish as B or as the ACS", func(t *testing.T) {
		for _, topic := range []string{
			mqttwire.DeviceTopic(b.user, mqttwire.KindTelemetry),
			mqttwire.DeviceTopic(b.user, mqttwire.KindAck),
			mqttwire.DeviceTopic(b.user, mqttwire.KindState),
			mqttwire.DeviceTopic(a.user, mqttwire.KindConnReq),
			mqttwire.DeviceTopic(b.user, mqttwire.KindConnReq),
			mqttwire.GroupPushTopic("pilot"),
		} {
			_, _ = pub(t, v.port, a, topic, `{"forged":true}`, 0)
		}
		// A's own telemetry goes through; by the time it arrives, every
		// forged message above was processed (or dropped).
		if out, err := pub(t, v.port, a, mqttwire.DeviceTopic(a.user, mqttwire.KindTelemetry), `{"own":true}`, 1); err != nil {
			t.Fatalf("A publishing its telemetry: %v %s", err, out)
		}
		deadline := time.After(5 * time.Second)
		for {
			select {
			case m := <-seen:
				if strings.Contains(m, "forged") {
					t.Fatalf("a forged message reached the ACS: %s", m)
				}
				if m == mqttwire.DeviceTopic(a.user, mqttwire.KindTelemetry)+` {"own":true}` {
					time.Sleep(200 * time.Millisecond)
					select {
					case m := <-seen:
						t.Fatalf("after A's own telemetry: %s", m)
					default:
					}
					return
				}
			case <-deadline:
				t.Fatal("A's own telemetry never reached the ACS")
			}
		}
	})
	t.Run("A receives its group's push and its connection request", func(t *testing.T) {
		// One client: a second connection with A's client ID would take
		// the first one's session over.
		sub := startSub(t, v.port, a, mqttwire.GroupPushTopic("pilot"), mqttwire.DeviceTopic(a.user, mqttwire.KindConnReq))
		if err := v.publish(mqttwire.GroupPushTopic("pilot"), []byte(`{"push":"pilot"}`)); err != nil {
			t.Fatal(err)
		}
		if err := v.publish(mqttwire.DeviceTopic(a.user, mqttwire.KindConnReq), []byte(`{"cr":"a"}`)); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for len(got) < 2 {
			select {
			case line := <-sub.lines:
				got[line] = true
			case <-time.After(5 * time.Second):
				t.Fatalf("got %v; subscriber output:\n%s", got, sub.output())
			}
		}
		if !got[`{"push":"pilot"}`] || !got[`{"cr":"a"}`] {
			t.Fatalf("got %v", got)
		}
	})
}
