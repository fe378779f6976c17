// Package store holds every SQL statement of crmlab. It keeps one writer connection and a
// separate pool of readers over one SQLite database in WAL mode.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Errors callers branch on. Messages for users are chosen by the server, not here.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store is the database of one crmlab instance.
type Store struct {
	w     *sql.DB // exactly one connection: SQLite allows one writer at a time anyway
	r     *sql.DB // readers; WAL lets them run while the writer commits
	path  string
	stmts sync.Map // query text → *sql.Stmt on the readers
	// users caches accounts by id: every signed-in request loads its user to check that the
	// account is enabled and the session current. Every statement that changes a user row
	// goes through this package and drops the entry. (Several instances on one PostgreSQL
	// database will need to drop entries on each other's writes too.)
	users userCache
	// writes counts committed write transactions other than the frequent ones that only
	// touch a submission's draft, append to a live game's log or record a sign-out (see
	// quietTx). A cache of data read from the store is still current while Writes() returns
	// what it returned before the data was read.
	writes atomic.Uint64
}

// Writes is the count of committed writes that may change what pages built from classes,
// groups, activities, games and accounts show (every write except draft saves, game log
// appends and sign-outs). Read it before reading the data to cache. Several instances on one
// PostgreSQL database will need to share this count.
func (s *Store) Writes() uint64 { return s.writes.Load() }

// userCache is a map of accounts guarded by a generation: a reader that loaded a row before
// a write committed must not put it back after the write dropped the entry.
type userCache struct {
	mu  sync.Mutex
	m   map[int64]User
	gen uint64
}

func (c *userCache) get(id int64) (User, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.m[id]
	return u, ok, c.gen
}

func (c *userCache) put(id int64, u User, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return // a write happened meanwhile; the row read may be older than it
	}
	if c.m == nil || len(c.m) > 50000 {
		c.m = map[int64]User{}
	}
	c.m[id] = u
}

func (c *userCache) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}

// prepared returns the reader statement for q, preparing it once. Parsing SQL is a large
// part of a small query's cost in SQLite, and every page runs the same few queries.
func (s *Store) prepared(q string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.Prepare(q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.prepared(q)
	if err != nil {
		return s.r.QueryRowContext(ctx, q, args...) // carries the same error to Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// dsn builds the mattn DSN. _busy_timeout comes first so that it is already in force when the
// driver runs the journal-mode pragma, which itself may need to wait for a lock.
// _txlock=immediate makes BEGIN take the write lock at once instead of upgrading later,
// which is where SQLITE_BUSY errors come from under concurrent writes.
func dsn(path string, readOnly bool) string {
	// _stmt_cache_size keeps each connection's recently used statements prepared, so the
	// writer's transactions do not parse the same SQL on every save.
	q := "_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=on&_stmt_cache_size=64"
	if readOnly {
		// query_only rather than mode=ro: a read-only open cannot create the WAL index
		// (-shm) file when it is missing, query_only can and still refuses every write.
		q += "&_query_only=true"
	} else {
		q += "&_txlock=immediate"
	}
	return "file:" + path + "?" + q
}

// Open opens (creating if needed) the database at path and applies pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	w, err := openDB(dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{w: w, path: path}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	// Readers are opened after the migrations so that the file exists and is in WAL mode.
	r, err := openDB(dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open readers: %w", err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	if n < 4 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.r = r
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	return errors.Join(s.r.Close(), s.w.Close())
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Ping checks that both the writer and the readers answer.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.queryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("reader: %w", err)
	}
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("writer: %w", err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(filepath.Base(name), ".sql")
		var n int
		if err := s.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
			return fmt.Errorf("check migration %s: %w", version, err)
		}
		if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read migration %s: %w", version, err)
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", version, ms(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", version, err)
		}
	}
	return nil
}

// tx runs fn in one write transaction; it commits only if fn returns nil. The write is
// acknowledged to the caller only after the commit returned.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := s.quietTx(ctx, fn); err != nil {
		return err
	}
	s.writes.Add(1) // after the commit: a reader that sees the old count may hold old data
	return nil
}

// quietTx is tx without counting in Writes: only for writes that change nothing but a
// submission's draft, a game's event log or the revoked sessions, which no page shows.
func (s *Store) quietTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the database to dest with SQLite's online backup, which
// works while a server holds the database open: it reads one snapshot and lets writers go on.
func Backup(ctx context.Context, srcPath, dest string) error {
	if _, err := os.Stat(srcPath); err != nil {
		return fmt.Errorf("database %s: %w", srcPath, err)
	}
	tmp := dest + ".tmp"
	os.Remove(tmp)
	src, err := sql.Open("sqlite3", dsn(srcPath, true))
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := sql.Open("sqlite3", "file:"+tmp+"?_busy_timeout=10000")
	if err != nil {
		return err
	}
	defer dst.Close()
	sc, err := src.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", srcPath, err)
	}
	defer sc.Close()
	dc, err := dst.Conn(ctx)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer dc.Close()
	err = dc.Raw(func(dRaw any) error {
		return sc.Raw(func(sRaw any) error {
			b, err := dRaw.(*sqlite3.SQLiteConn).Backup("main", sRaw.(*sqlite3.SQLiteConn), "main")
			if err != nil {
				return err
			}
			for {
				done, err := b.Step(256)
				if err != nil {
					b.Finish()
					return err
				}
				if done {
					return b.Finish()
				}
			}
		})
	})
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	dc.Close()
	dst.Close()
	if err := os.Rename(tmp, dest); err != nil {
		return fmt.Errorf("move backup into place: %w", err)
	}
	return nil
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v) }

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64)
}

func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

func isForeignKey(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey
}

type scanner interface{ Scan(...any) error }

// queryAll runs a reader query and scans every row with scan.
func queryAll[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
