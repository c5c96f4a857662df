package localstore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		name, xdg, home, want string
	}{
		{"xdg", "/xdg/data", "/home/me", "/xdg/data/secops/findings.db"},
		{"no xdg", "", "/home/me", "/home/me/.local/share/secops/findings.db"},
		{"relative xdg is ignored", "rel/data", "/home/me", "/home/me/.local/share/secops/findings.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			got, err := DefaultPath()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("DefaultPath() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenCreatesPrivateDirAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "findings.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, want := s.Backend(), "local ("+path+")"; got != want {
		t.Errorf("Backend() = %q, want %q", got, want)
	}
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", p, got, want)
		}
	}
	var version int
	var journal string
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if version != schemaVersion || journal != "wal" {
		t.Errorf("user_version %d journal_mode %q, want %d and wal", version, journal, schemaVersion)
	}

	// Reopening keeps what was stored.
	mustImport(t, s, []findings.Finding{vuln(1, "HIGH", "app", t0)}, findings.ImportOptions{})
	s.Close()
	s2, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := mustQuery(t, s2, findings.Query{}); len(got) != 1 {
		t.Errorf("after reopen: %d findings, want 1", len(got))
	}
}

func TestOpenRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A real store with its pages after the header overwritten.
	damaged := filepath.Join(dir, "damaged.db")
	{
		s, err := Open(context.Background(), damaged)
		if err != nil {
			t.Fatal(err)
		}
		mustImport(t, s, []findings.Finding{vuln(1, "HIGH", "app", t0)}, findings.ImportOptions{})
		if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			t.Fatal(err)
		}
		s.Close()
		b, err := os.ReadFile(damaged)
		if err != nil {
			t.Fatal(err)
		}
		for i := 100; i < len(b); i++ {
			b[i] = 0xA5
		}
		if err := os.WriteFile(damaged, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	newer := filepath.Join(dir, "newer.db")
	{
		db, err := sql.Open("sqlite", newer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	other := filepath.Join(dir, "other.db")
	{
		db, err := sql.Open("sqlite", other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("CREATE TABLE notes (x TEXT)"); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	notDir := write("plainfile", []byte("x"))

	tests := []struct {
		name, path string
		want       []string
	}{
		{"text file", write("notes.txt", []byte("these are my notes, not a database\n")), []string{"not a SQLite database", "--store PATH or SECOPS_STORE"}},
		{"short file", write("short", []byte("SQLi")), []string{"not a SQLite database"}},
		{"damaged database", damaged, []string{"damaged", "move it away", "SECOPS_STORE"}},
		{"newer schema", newer, []string{"schema version 99", "upgrade secops"}},
		{"other program's database", other, []string{"another program"}},
		{"directory", dir, []string{dir}},
		{"parent is a file", filepath.Join(notDir, "secops", "findings.db"), []string{"create the findings store directory", "--store PATH or SECOPS_STORE"}},
		{"question mark", filepath.Join(dir, "a?b.db"), []string{"must not contain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), tt.path) && tt.name != "parent is a file" {
				t.Errorf("error %q does not name the path", err)
			}
		})
	}
}

func TestOpenReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions are not enforced (the parent-is-a-file case of TestOpenRejectsBadFiles covers unwritable locations)")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	path := filepath.Join(dir, "findings.db")
	_, err := Open(context.Background(), path)
	if err == nil {
		t.Fatal("Open in a read-only directory succeeded")
	}
	for _, w := range []string{path, "permission denied", "SECOPS_STORE"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}
