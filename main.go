// Command crmlab serves the logistics CRM course app. Subcommands:
//
//	crmlab [serve] [flags]      run the server (default)
//	crmlab user add [flags]     create an account from a script
//	crmlab backup [flags] FILE  copy the database while the server runs
//	crmlab content check        validate the course material
//	crmlab loadtest [flags]     play a class against a running server and measure it
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // due dates are in Asia/Shanghai even on machines without a zone database

	"golang.org/x/term"

	"crmlab/content"
	"crmlab/loadtest"
	"crmlab/server"
	"crmlab/server/store"
)

func main() {
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(args)
	case "user":
		err = runUser(args)
	case "backup":
		err = runBackup(args)
	case "content":
		err = runContent(args)
	case "loadtest":
		err = runLoadtest(args)
	case "help":
		usage(os.Stdout)
	default:
		usage(os.Stderr)
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crmlab:", err)
		os.Exit(1)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `crmlab: logistics CRM course app

  crmlab [serve] [--addr :8080] [--data ./data] [--public-url URL] [--tls-cert F --tls-key F]
  crmlab user add --role instructor|trainer|admin --login NAME [--name 姓名] [--password-stdin]
  crmlab backup [--data ./data] FILE
  crmlab content check [--content-dir DIR]
  crmlab loadtest --url http://HOST:8080 [--students 200] [--phones 2000] [--login L --password P] [--keep]

Every serve flag has an environment variable: CRMLAB_ADDR, CRMLAB_DATA, CRMLAB_PUBLIC_URL,
CRMLAB_TLS_CERT, CRMLAB_TLS_KEY, CRMLAB_TRUST_PROXY, CRMLAB_TZ, CRMLAB_CONTENT_DIR,
CRMLAB_LOG_JSON.
`)
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envBool(name string) bool {
	v := strings.ToLower(os.Getenv(name))
	return v == "1" || v == "true" || v == "yes"
}

func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", env("CRMLAB_DATA", "data"), "folder for the database and session keys (env CRMLAB_DATA)")
}

func runServe(args []string) error {
	start := time.Now()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg server.Config
	fs.StringVar(&cfg.Addr, "addr", env("CRMLAB_ADDR", ":8080"), "listen address (env CRMLAB_ADDR)")
	data := dataFlag(fs)
	fs.StringVar(&cfg.PublicURL, "public-url", env("CRMLAB_PUBLIC_URL", ""), "base URL for join links and QR codes; default: this machine's LAN address (env CRMLAB_PUBLIC_URL)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", env("CRMLAB_TLS_CERT", ""), "serve HTTPS with this certificate (env CRMLAB_TLS_CERT)")
	fs.StringVar(&cfg.TLSKey, "tls-key", env("CRMLAB_TLS_KEY", ""), "… and this key (env CRMLAB_TLS_KEY)")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", envBool("CRMLAB_TRUST_PROXY"), "behind a reverse proxy: trust X-Forwarded-For (env CRMLAB_TRUST_PROXY)")
	fs.StringVar(&cfg.TimeZone, "tz", env("CRMLAB_TZ", "Asia/Shanghai"), "time zone for due dates (env CRMLAB_TZ)")
	fs.StringVar(&cfg.ContentDir, "content-dir", env("CRMLAB_CONTENT_DIR", ""), "serve course material from this folder (a copy of content/), reloaded on change (env CRMLAB_CONTENT_DIR)")
	fs.BoolVar(&cfg.LogJSON, "log-json", envBool("CRMLAB_LOG_JSON"), "log as JSON (env CRMLAB_LOG_JSON)")
	logRequests := fs.Bool("log-requests", envBool("CRMLAB_LOG_REQUESTS"), "log every request; by default only refused, failed and slow (over 1 s) ones (env CRMLAB_LOG_REQUESTS)")
	fs.IntVar(&cfg.LoginIPBurst, "login-ip-burst", envInt("CRMLAB_LOGIN_IP_BURST", 0), "password attempts (login, join) one client address may make at once, default 120; raise only while running `crmlab loadtest` from one machine (env CRMLAB_LOGIN_IP_BURST)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.DataDir = *data
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if *logRequests {
		opts.Level = slog.LevelDebug // ordinary requests are logged at debug level
	}
	var handler slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.LogJSON {
		handler = slog.NewJSONHandler(os.Stderr, opts)
	}
	log := slog.New(handler)
	if os.Getenv("GOGC") == "" {
		// The server's heap is small and mostly long-lived (content, caches, the streams of a
		// live game); collecting at 35 % growth instead of Go's 100 % keeps it resident
		// in less memory at no measurable cost: 2,000 phones on a game, 61 MB resident against
		// 71-73 MB, with the same phase-change times (crmlab loadtest --phones 2000, two runs
		// each). GOGC in the environment still wins.
		debug.SetGCPercent(35)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, cfg.DBPath())
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(cfg, st, log)
	if err != nil {
		return err
	}
	return srv.Serve(ctx, func(addr string) {
		fmt.Printf("crmlab is running: %s  (listening on %s, data in %s, started in %s)\n",
			srv.BaseURL(), addr, cfg.DataDir, time.Since(start).Round(time.Millisecond))
		// The link is made once the port is known, so it points where the server listens.
		setup, err := srv.EnsureSetupLink(ctx)
		if err != nil {
			log.Error("admin setup link", "err", err)
		} else if setup != "" {
			fmt.Printf("\nFirst start: open this one-time link to create the admin account (valid for 24 h):\n  %s\n\n", setup)
		}
	})
}

func runUser(args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: crmlab user add --role instructor|trainer|admin --login NAME [--name 姓名] [--password-stdin]")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := dataFlag(fs)
	role := fs.String("role", "", "admin, instructor or trainer")
	login := fs.String("login", "", "login name (letters, digits, . _ -)")
	name := fs.String("name", "", "display name, e.g. 王老师 (default: the login)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of a prompt")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *name == "" {
		*name = *login
	}
	pw, err := readPassword(*fromStdin)
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, server.DBPath(*data))
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := server.AddUser(ctx, st, store.Role(*role), *login, *name, pw)
	if err != nil {
		return err
	}
	fmt.Printf("created %s %q (%s)\n", u.Role, u.Login, u.Name)
	return nil
}

func readPassword(fromStdin bool) (string, error) {
	if fromStdin || !term.IsTerminal(int(os.Stdin.Fd())) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(os.Stderr, "Password: ")
	a, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(os.Stderr, "Again: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(a) != string(b) {
		return "", errors.New("the two passwords differ")
	}
	return string(a), nil
}

func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := dataFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: crmlab backup [--data DIR] FILE")
	}
	dest := fs.Arg(0)
	start := time.Now()
	if err := store.Backup(context.Background(), server.DBPath(*data), dest); err != nil {
		return err
	}
	info, err := os.Stat(dest)
	if err != nil {
		return err
	}
	fmt.Printf("backup written to %s (%d KB in %s)\n", dest, info.Size()/1024, time.Since(start).Round(time.Millisecond))
	return nil
}

// runContent validates course material: every problem is printed, and any problem makes the
// command fail, so it can guard a content folder in a script.
func runContent(args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return errors.New("usage: crmlab content check [--content-dir DIR]")
	}
	fs := flag.NewFlagSet("content check", flag.ContinueOnError)
	dir := fs.String("content-dir", env("CRMLAB_CONTENT_DIR", ""), "folder to check (default: the built-in content)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var fsys iofs.FS = content.Embedded
	name := "built-in content"
	if *dir != "" {
		info, err := os.Stat(*dir)
		if err != nil || !info.IsDir() {
			return fmt.Errorf("--content-dir %s: not a folder", *dir)
		}
		fsys, name = os.DirFS(*dir), *dir
	}
	lib, problems := content.Load(fsys)
	for _, p := range problems {
		fmt.Println(p)
	}
	diagrams := 0
	for _, p := range lib.Pages {
		diagrams += p.Diagrams
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %d problems", name, len(problems))
	}
	fmt.Printf("%s: %d pages, %d diagrams, %d glossary terms: no problems\n", name, len(lib.Pages), diagrams, len(lib.Glossary))
	return nil
}

// runLoadtest plays a class against a running server (see loadtest.Run) and prints what it
// measured; any failed request makes it exit non-zero.
func runLoadtest(args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var cfg loadtest.Config
	fs.StringVar(&cfg.URL, "url", "http://localhost:8080", "the server to test")
	fs.IntVar(&cfg.Students, "students", 200, "students playing the whole class journey at once (0: skip it)")
	fs.IntVar(&cfg.Phones, "phones", 0, "phones holding the game's live stream while phase changes are timed (0: skip it)")
	fs.IntVar(&cfg.PhaseChanges, "changes", 20, "phase changes timed with --phones")
	fs.StringVar(&cfg.Login, "login", os.Getenv("CRMLAB_LOADTEST_LOGIN"), "an instructor's login (env CRMLAB_LOADTEST_LOGIN)")
	fs.StringVar(&cfg.Password, "password", os.Getenv("CRMLAB_LOADTEST_PASSWORD"), "… and password (env CRMLAB_LOADTEST_PASSWORD)")
	fs.DurationVar(&cfg.Think, "think", time.Second, "the most a student waits before each action (random share); 0: all act at the same instant")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the practice classes and their students instead of deleting them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadtest: unexpected argument %q", fs.Arg(0))
	}
	cfg.Progress = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	rep.Print(os.Stdout, cfg)
	if rep.Failed() {
		return fmt.Errorf("loadtest: %d requests failed", rep.Errors)
	}
	return nil
}
