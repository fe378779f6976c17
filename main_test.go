package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"crmlab/server/store"
)

// withStdin runs fn with standard input reading s.
func withStdin(t *testing.T, s string, fn func() error) error {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString(s)
	w.Close()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	return fn()
}

func TestUserAddAndBackup(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, role, login, password string
		wantErr                     string
	}{
		{"instructor", "instructor", "wang", "wang-password\n", ""},
		{"trainer", "trainer", "zhou", "zhou-password\n", ""},
		{"duplicate login", "trainer", "wang", "other-password\n", "已被使用"},
		{"short password", "instructor", "li", "short\n", "密码太短"},
		{"student role", "student", "s1", "student-pass\n", "--role"},
		{"bad login", "instructor", "王", "long-enough\n", "登录名只能使用"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := withStdin(t, tc.password, func() error {
				return runUser([]string{"add", "--data", dir, "--role", tc.role, "--login", tc.login, "--password-stdin"})
			})
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := runBackup([]string{"--data", dir, dest}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), dest)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByLogin(context.Background(), "wang")
	if err != nil || u.Role != store.RoleInstructor {
		t.Fatalf("backup lacks wang: %+v %v", u, err)
	}
	if err := runBackup([]string{"--data", filepath.Join(dir, "missing"), dest}); err == nil {
		t.Fatal("backup of a missing database succeeded")
	}
}

// TestServeFirstStart runs the real serve command: it prints the URL and a setup link on
// first start, answers /healthz, /metrics, and stops cleanly on SIGINT.
func TestServeFirstStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	out, w, _ := os.Pipe()
	oldOut := os.Stdout
	os.Stdout = w
	done := make(chan error, 1)
	go func() { done <- runServe([]string{"--addr", addr, "--data", dir, "--public-url", "http://" + addr}) }()
	defer func() { os.Stdout = oldOut }()
	var body string
	for i := 0; i < 100; i++ {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if body != "ok" {
		t.Fatalf("/healthz = %q", body)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"crmlab_http_requests_total", "crmlab_http_request_duration_seconds", "crmlab_live_connections", "process_resident_memory_bytes"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}
	w.Close()
	printed, _ := io.ReadAll(out)
	if !strings.Contains(string(printed), "crmlab is running: http://"+addr) || !strings.Contains(string(printed), "http://"+addr+"/setup/") {
		t.Fatalf("start-up output lacks the URL or the setup link:\n%s", printed)
	}
	info, err := os.Stat(filepath.Join(dir, "session.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("session key file: %v %v", info.Mode(), err)
	}
}

func TestContentCheck(t *testing.T) {
	if err := runContent([]string{"check"}); err != nil {
		t.Fatalf("built-in content: %v", err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "pages"), 0o755)
	os.WriteFile(filepath.Join(dir, "pages", "a.md"), []byte("---\nid: Bad Id\nkind: quiz\n---\ntext\n"), 0o644)
	err := runContent([]string{"check", "--content-dir", dir})
	if err == nil || !strings.Contains(err.Error(), "problems") {
		t.Fatalf("broken folder: %v", err)
	}
	if err := runContent([]string{"check", "--content-dir", filepath.Join(dir, "missing")}); err == nil {
		t.Fatal("missing folder passed")
	}
}
