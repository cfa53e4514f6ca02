package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns the Chromium binary the browser tests drive (XINYONG_TEST_BROWSER), or
// skips the test when none is configured.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("XINYONG_TEST_BROWSER")
	if path == "" {
		t.Skip("XINYONG_TEST_BROWSER not set: path to a Chromium binary")
	}
	return path
}

// headless is one headless Chromium tab for a browser test. It records every console error,
// Content-Security-Policy violations among them, so a test can fail on any of them.
type headless struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
	stop     context.CancelFunc
	done     chan struct{}
	shots    string
}

// startHeadless starts Chromium at path with the flags CI uses, for at most timeout; it is
// closed when the test ends.
func startHeadless(t *testing.T, path string, timeout time.Duration) *headless {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	h := &headless{t: t, ctx: ctx, done: make(chan struct{}), shots: t.TempDir()}
	consoleCtx, stop := context.WithCancel(ctx)
	h.stop = stop
	messages := chromedp.Console(consoleCtx)
	go func() {
		defer close(h.done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				h.mu.Lock()
				h.problems = append(h.problems, m.String())
				h.mu.Unlock()
			}
		}
	}()
	return h
}

// Problems stops watching the console and returns what went wrong in it.
func (h *headless) Problems() []string {
	h.stop()
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.problems
}

// Shot takes a full-page screenshot; XINYONG_TEST_SHOTS, when set, names a directory that gets
// a copy for a person to look at.
func (h *headless) Shot(name string) {
	h.t.Helper()
	png, err := chromedp.Run(h.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		h.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(h.shots, name), png, 0o600); err != nil {
		h.t.Fatal(err)
	}
	if dir := os.Getenv("XINYONG_TEST_SHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
}
