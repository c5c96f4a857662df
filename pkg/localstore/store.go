// Package localstore is the embedded default findings store: one SQLite
// file with Security Hub's semantics.
package localstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/findings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// busyTimeout is how long a writer waits for another process holding the
// write lock before it gives up.
const busyTimeout = 30 * time.Second

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// hint is what a user can do when the default store location does not work.
const hint = "use --store PATH or SECOPS_STORE to put the findings store elsewhere"

// Store is the local findings store. It implements findings.Store and is
// safe for concurrent use.
//
// Every finding is kept as its full ASFF JSON document (pure Go SQLite, no
// cgo), so what comes out is exactly what went in; the columns and side
// tables next to it exist only to filter and sort in SQL. Two secops
// processes may use one file at once: the database runs in WAL mode,
// writers take the lock at BEGIN and wait for each other (busy_timeout)
// instead of failing.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time
	// allowReadOnly lets Open fall back to reading only; readOnly says it did.
	allowReadOnly bool
	readOnly      bool
}

var _ findings.Store = (*Store)(nil)

// Option tunes Open.
type Option func(*Store)

// WithClock sets the clock used for the timestamps the store writes itself
// (archiving, triage updates). The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// ReadOnlyFallback lets Open open, for reading only, a store that exists
// but that this process may not write (the file's mode or owner, a
// read-only mount), instead of failing: commands that only read use it.
// Writes to such a store fail with an error that says it is read-only.
func ReadOnlyFallback() Option {
	return func(s *Store) { s.allowReadOnly = true }
}

// DefaultPath is where the store lives unless the user says otherwise:
// $XDG_DATA_HOME/secops/findings.db, else ~/.local/share/secops/findings.db.
func DefaultPath() (string, error) {
	// The XDG spec says relative values are invalid and must be ignored.
	if dir := os.Getenv("XDG_DATA_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "secops", "findings.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the default findings store: %w (set XDG_DATA_HOME or HOME, or %s)", err, hint)
	}
	return filepath.Join(home, ".local", "share", "secops", "findings.db"), nil
}

// Open opens the store at path, creating its directory (mode 0700), the
// file (0600) and the schema as needed, and migrating an older schema.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("open findings store: empty path (%s)", hint)
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open findings store %s: the path must not contain '?' or '#' (%s)", path, hint)
	}
	var options Store
	for _, o := range opts {
		o(&options)
	}
	if err := prepareFile(path); err != nil {
		var nw *notWritableError
		if options.allowReadOnly && errors.As(err, &nw) {
			return openReadOnly(ctx, path, opts)
		}
		return nil, err
	}

	dsn := path + "?_txlock=immediate" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()) +
		"&_pragma=synchronous(NORMAL)" +
		// A large page cache keeps a 100,000-finding import from spilling
		// and re-reading index pages.
		"&_pragma=cache_size(-65536)" +
		"&_pragma=temp_store(MEMORY)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open findings store %s: %w (%s)", path, err, hint)
	}
	s := &Store{db: db, path: path, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := setUp(ctx, db); err != nil {
		db.Close()
		return nil, explainOpenError(path, err)
	}
	return s, nil
}

// prepareFile creates the store's directory and file, so that a directory
// the user cannot write or a file that is not a database is reported in
// plain words before SQLite reports it in its own.
func prepareFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the findings store directory %s: %w (make it writable, or %s)", dir, err, hint)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		var pathErr *os.PathError
		if errors.As(err, &pathErr) && errors.Is(err, os.ErrPermission) {
			if _, statErr := os.Stat(path); statErr == nil {
				return &notWritableError{path: path, dir: dir}
			}
			return fmt.Errorf("open findings store %s: permission denied (make the file and %s writable, or %s)", path, dir, hint)
		}
		return fmt.Errorf("open findings store %s: %w (%s)", path, err, hint)
	}
	defer f.Close()
	return checkHeader(path, f)
}

// notWritableError is a store file that exists but that this process may
// not write.
type notWritableError struct{ path, dir string }

func (e *notWritableError) Error() string {
	return fmt.Sprintf("open findings store %s: permission denied (make the file and %s writable, or %s)", e.path, e.dir, hint)
}

func (e *notWritableError) Unwrap() error { return os.ErrPermission }

// checkHeader refuses a file that is not a SQLite database.
func checkHeader(path string, f *os.File) error {
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0:
		return nil // a new, empty file: SQLite initialises it
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("read findings store %s: %w", path, err)
	case !bytes.Equal(head[:n], sqliteHeader):
		return fmt.Errorf("open findings store %s: the file is not a SQLite database (move it away, or %s)", path, hint)
	}
	return nil
}

// explainOpenError turns SQLite's words for a bad store into what to do.
func explainOpenError(path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "file is not a database"), strings.Contains(msg, "malformed"), strings.Contains(msg, "SQLITE_CORRUPT"), strings.Contains(msg, "SQLITE_NOTADB"):
		return fmt.Errorf("open findings store %s: the database is damaged (%v): move it away to start a new store, or %s", path, err, hint)
	case strings.Contains(msg, "readonly"), strings.Contains(msg, "unable to open"), strings.Contains(msg, "SQLITE_CANTOPEN"), strings.Contains(msg, "SQLITE_READONLY"):
		return fmt.Errorf("open findings store %s: %v (SQLite needs to write the file and create %s-wal and %s-shm next to it: make %s writable, or %s)",
			path, err, filepath.Base(path), filepath.Base(path), filepath.Dir(path), hint)
	}
	return fmt.Errorf("open findings store %s: %w", path, err)
}

// openReadOnly opens an existing store that may not be written, for
// reading only. It cannot migrate an older schema, and SQLite must still be
// able to create the shared-memory file of a WAL database next to it.
func openReadOnly(ctx context.Context, path string, opts []Option) (*Store, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open findings store %s: %w (%s)", path, err, hint)
	}
	err = checkHeader(path, f)
	f.Close()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open findings store %s: %w", path, err)
	}
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?mode=ro" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open findings store %s: %w (%s)", path, err, hint)
	}
	s := &Store{db: db, path: path, now: time.Now, readOnly: true}
	for _, o := range opts {
		o(s)
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		msg := err.Error()
		if strings.Contains(msg, "unable to open") || strings.Contains(msg, "SQLITE_CANTOPEN") || strings.Contains(msg, "readonly") {
			return nil, fmt.Errorf("open read-only findings store %s: %v (the file is read-only, and to read it SQLite must create %s-shm in %s, which is not writable either: make the directory writable, or copy the file elsewhere and pass --store)",
				path, err, filepath.Base(path), filepath.Dir(path))
		}
		return nil, explainOpenError(path, err)
	}
	if version != schemaVersion {
		db.Close()
		return nil, fmt.Errorf("open read-only findings store %s: it has schema version %d and this secops needs %d, which takes writing the file: make it writable (or %s)", path, version, schemaVersion, hint)
	}
	return s, nil
}

// errReadOnly is the error of a write to a store opened read-only.
func (s *Store) errReadOnly() error {
	return fmt.Errorf("the findings store %s is read-only for this user: make it and %s writable, or %s", s.path, filepath.Dir(s.path), hint)
}

// Backend names the store for command headers.
func (s *Store) Backend() string {
	if s.readOnly {
		return "local (" + s.path + ", read-only)"
	}
	return "local (" + s.path + ")"
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }
