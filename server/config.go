package server

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Config is everything an instance is started with; main fills it from flags and CRMLAB_*
// environment variables.
type Config struct {
	Addr      string // listen address, ":8080"
	DataDir   string // database and keys
	PublicURL string // base URL printed in join links and QR codes; empty: the LAN address
	TLSCert   string // serve HTTPS with this certificate …
	TLSKey    string // … and key
	// TrustProxy makes the server take the client address and scheme from X-Forwarded-*
	// headers. Only for instances behind a reverse proxy: otherwise anyone could pick the IP
	// the login limiter sees.
	TrustProxy bool
	TimeZone   string // for due dates typed by instructors; default Asia/Shanghai
	// ContentDir serves course material from this folder, reloaded on change, instead of
	// the embedded copy.
	ContentDir string
	LogJSON    bool

	// BcryptCost is the password hashing cost; tests lower it to keep suites fast.
	BcryptCost int
	// Password attempts (login, join, setup, password change): a client address may make
	// LoginIPBurst at once, refilled one per LoginIPEvery; one login name LoginNameBurst,
	// refilled one per LoginNameEvery.
	LoginIPBurst   int
	LoginIPEvery   time.Duration
	LoginNameBurst int
	LoginNameEvery time.Duration
	// SessionMaxAge is how long a sign-in lasts.
	SessionMaxAge time.Duration
}

// Defaults fills zero fields with the values a school uses.
func (c *Config) Defaults() {
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.TimeZone == "" {
		c.TimeZone = "Asia/Shanghai"
	}
	if c.BcryptCost == 0 {
		c.BcryptCost = bcrypt.DefaultCost
	}
	// A whole class may sit behind one school NAT address and sign in within a minute, so
	// the per-address budget is generous; the per-login one is what stops password guessing.
	if c.LoginIPBurst == 0 {
		c.LoginIPBurst = 120
	}
	if c.LoginIPEvery == 0 {
		c.LoginIPEvery = 500 * time.Millisecond
	}
	if c.LoginNameBurst == 0 {
		c.LoginNameBurst = 5
	}
	if c.LoginNameEvery == 0 {
		c.LoginNameEvery = 12 * time.Second
	}
	if c.SessionMaxAge == 0 {
		c.SessionMaxAge = 14 * 24 * time.Hour
	}
}

// Validate reports configuration mistakes before anything starts.
func (c *Config) Validate() error {
	var errs []error
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url %q: want an absolute http(s) URL such as http://192.168.1.10:8080", c.PublicURL))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("--tz %q: %w", c.TimeZone, err))
	}
	if c.LoginIPBurst < 0 {
		errs = append(errs, fmt.Errorf("--login-ip-burst %d: want a positive number (0 means the default, 120)", c.LoginIPBurst))
	}
	if c.BcryptCost < bcrypt.MinCost || c.BcryptCost > bcrypt.MaxCost {
		errs = append(errs, fmt.Errorf("bcrypt cost %d out of range", c.BcryptCost))
	}
	return errors.Join(errs...)
}

// DBPath is the SQLite file inside the data folder.
func (c *Config) DBPath() string { return DBPath(c.DataDir) }

// DBPath is the SQLite file inside a data folder.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "crmlab.db") }

// SecureCookies reports whether cookies must carry the Secure flag: when this instance serves
// HTTPS itself or is reached through an https:// public URL.
func (c *Config) SecureCookies() bool {
	return c.TLSCert != "" || strings.HasPrefix(c.PublicURL, "https://")
}
