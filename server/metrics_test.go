package server_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"crmlab/server"
	"crmlab/server/apptest"
)

// syncBuffer is a log destination the test reads while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestRequestLog: by default only refused, failed and slow requests are logged, so an IT
// person finds them; --log-requests (debug level) logs every request.
func TestRequestLog(t *testing.T) {
	for _, every := range []bool{false, true} {
		var out syncBuffer
		level := slog.LevelInfo
		if every {
			level = slog.LevelDebug
		}
		app := apptest.Start(t, server.Config{}, server.WithLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: level}))))
		c := app.Client()
		if r := c.Get("/login"); r.Status != 200 {
			t.Fatalf("login page: %d", r.Status)
		}
		if r := c.Get("/no-such-page"); r.Status != 404 {
			t.Fatalf("missing page: %d", r.Status)
		}
		log := out.String()
		if !strings.Contains(log, "path=/no-such-page status=404") {
			t.Errorf("every=%v: the 404 is not logged:\n%s", every, log)
		}
		if got := strings.Contains(log, "path=/login status=200"); got != every {
			t.Errorf("every=%v: the 200 logged = %v:\n%s", every, got, log)
		}
	}
}
