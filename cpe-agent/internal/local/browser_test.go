package local

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium (Debian's package, installed by
// testbench/setup.sh) with everything that would reach the network off.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Geteuid() == 0 {
			t.Fatalf("chromium missing; testbench/setup.sh installs it: %v", err)
		}
		t.Skipf("chromium not installed and not root to install it: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("no-sandbox", true), // root cannot use the sandbox
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

func TestBrowserLoginStatusPing(t *testing.T) {
	requireRealPing(t)
	base, clk := startPage(t, Probes{}) // the real diag probes
	ctx := browser(t)

	// login submits the form and returns the text of the element that
	// answers: the message on the login page, or the status table.
	login := func(password, answer string) string {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.ID("password")),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.ID("login")),
			chromedp.WaitVisible(chromedp.ID(answer)),
		); err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(answer)))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	// A wrong password is refused, with a message.
	if msg := login("wrong-1", "msg"); msg != "Wrong password." {
		t.Fatalf("after a wrong password: %q", msg)
	}
	// Repeated wrong passwords lock the browser out, the right one included.
	for i := 1; i < freeFailures; i++ {
		login("wrong-again", "msg")
	}
	if msg := login(testPassword, "msg"); !strings.HasPrefix(msg, "Too many wrong passwords") {
		t.Fatalf("during the lockout: %q", msg)
	}
	clk.add(maxLockout)

	status := login(testPassword, "status")
	for _, want := range []string{"SN-LOCAL-1", "48000 / 9000 kbit/s", "6.1 dB / 8.3 dB", "connected"} {
		if !strings.Contains(status, want) {
			t.Fatalf("status lacks %q:\n%s", want, status)
		}
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(`a[href="/ping"]`),
		chromedp.WaitVisible(chromedp.ID("host")),
		chromedp.SendKeys(chromedp.ID("host"), "127.0.0.1"),
		chromedp.SetValue(chromedp.ID("count"), "2"),
		chromedp.Click(chromedp.ID("run")),
		chromedp.WaitVisible(chromedp.ID("result")),
	); err != nil {
		t.Fatal(err)
	}
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("result")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(result, "2 of 2 answered") || !strings.Contains(result, "round trip") {
		t.Fatalf("ping result: %q", result)
	}
}

// requireRealPing: the browser test pings for real, which needs an ICMP
// socket (root on CI).
func requireRealPing(t *testing.T) {
	t.Helper()
	_, err := Probes{}.withDefaults().ping(context.Background(), "127.0.0.1", 1)
	if err != nil {
		if os.Geteuid() == 0 {
			t.Fatalf("root cannot ping 127.0.0.1: %v", err)
		}
		t.Skipf("no ICMP socket for uid %d: %v", os.Geteuid(), err)
	}
}
