package sca

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan"
	"github.com/secops-dev/secops/pkg/vulndb"
)

// ownDB is the vulndb package's own test database.
const ownDB = "../../vulndb/testdata/db"

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const goodGemfileLock = `GEM
  remote: https://rubygems.org/
  specs:
    demo-gem (2.2.3)

PLATFORMS
  ruby

DEPENDENCIES
  demo-gem
`

// TestBadInput scans a tree with a malformed lockfile, a binary file under
// a lockfile's name, a symlink loop and a broken symlink next to a good
// lockfile: the good one is scanned, every bad one is reported skipped.
func TestBadInput(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"app/Gemfile.lock":          goodGemfileLock,
		"web/package-lock.json":     `{"lockfileVersion": 3, "packages": {`,
		"bin/Cargo.lock":            "\x7fELF\x02\x01\x01\x00\x00\x00binary",
		"node_modules/x/go.mod":     "this is never read",
		"svc/requirements.txt":      "demo_pkg_core==1.5\n",
		"svc/.git/requirements.txt": "demo_pkg_core==1.5\n",
	})
	if err := os.Symlink("..", filepath.Join(root, "app", "loop")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("missing.lock", filepath.Join(root, "app", "poetry.lock")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("self", filepath.Join(root, "self")); err != nil {
		t.Fatal(err)
	}
	s := New(Options{DBDir: ownDB, Offline: true})
	res, err := s.Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	want := []scan.Skipped{
		{Path: "app/loop", Reason: "symlink loop: directory already scanned"},
		{Path: "app/poetry.lock", Reason: "broken symlink: no such file or directory"},
		{Path: "bin/Cargo.lock", Reason: "binary file, not a lockfile or manifest"},
		{Path: "self", Reason: "symlink loop"},
	}
	got := res.Skipped
	if len(got) != 5 {
		t.Fatalf("skipped = %+v", got)
	}
	for i, w := range []int{0, 1, 2, 3} {
		if got[w] != want[i] {
			t.Errorf("skipped[%d] = %+v, want %+v", w, got[w], want[i])
		}
	}
	if got[4].Path != "web/package-lock.json" || !strings.HasPrefix(got[4].Reason, "malformed package-lock.json (javascript/packagelockjson): ") {
		t.Errorf("malformed lockfile skip = %+v", got[4])
	}
	var ids []string
	for _, f := range res.Findings {
		ids = append(ids, f.Resources[0].Id+" "+f.ProductFields[findings.FieldRuleID])
	}
	wantIDs := []string{"app/Gemfile.lock#demo-gem@2.2.3 TEST-GEM-1", "svc/requirements.txt#demo_pkg_core@1.5 TEST-PY-1"}
	if strings.Join(ids, ",") != strings.Join(wantIDs, ",") {
		t.Errorf("findings = %v, want %v", ids, wantIDs)
	}
}

// TestUnreadableDir simulates a directory the scan may not read (tests
// run as root, where permissions do not stop reads).
func TestUnreadableDir(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"ok/Gemfile.lock":     goodGemfileLock,
		"secret/Gemfile.lock": goodGemfileLock,
	})
	s := New(Options{DBDir: ownDB, Offline: true})
	s.opts.readDir = func(dir string) ([]os.DirEntry, error) {
		if filepath.Base(dir) == "secret" {
			return nil, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrPermission}
		}
		return os.ReadDir(dir)
	}
	res, err := s.Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || res.Skipped[0] != (scan.Skipped{Path: "secret", Reason: "unreadable directory: permission denied"}) {
		t.Errorf("skipped = %+v", res.Skipped)
	}
	if len(res.Findings) != 1 || res.Findings[0].ProductFields[findings.FieldPath] != "ok/Gemfile.lock" {
		t.Errorf("findings = %d", len(res.Findings))
	}
	if os.Geteuid() != 0 {
		// As a normal user, a real unreadable directory too.
		dir := filepath.Join(root, "real")
		os.Mkdir(dir, 0o000)
		defer os.Chmod(dir, 0o755)
		res, err := New(Options{DBDir: ownDB, Offline: true}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
		if err != nil || len(res.Skipped) != 1 || res.Skipped[0].Path != "real" {
			t.Errorf("real unreadable dir: %+v, %v", res.Skipped, err)
		}
	}
}

type failingSource struct{}

func (failingSource) MatchAll(context.Context, []vulndb.PackageQuery) ([][]vulndb.Match, error) {
	return nil, errors.New("cannot reach api.osv.dev")
}

// TestSourceFailureIsIncomplete: when advisories cannot be looked up the
// scan fails and says the result is incomplete.
func TestSourceFailureIsIncomplete(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"Gemfile.lock": goodGemfileLock})
	res, err := New(Options{Source: failingSource{}}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err == nil || !res.Incomplete || !strings.Contains(err.Error(), "cannot reach api.osv.dev") {
		t.Errorf("err = %v, incomplete = %v", err, res.Incomplete)
	}
}

// TestStaleDatabaseWarns: a database downloaded more than 7 days before
// the scan adds a warning.
func TestStaleDatabaseWarns(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"Gemfile.lock": goodGemfileLock})
	db := t.TempDir()
	b, _ := os.ReadFile(ownDB + "/RubyGems/TEST-GEM-1.json")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("TEST-GEM-1.json")
	w.Write(b)
	zw.Close()
	writeFiles(t, db, map[string]string{
		"osv-scalibr/RubyGems/all.zip":              buf.String(),
		"osv-scalibr/RubyGems/secops-metadata.json": fmt.Sprintf(`{"ecosystem":"RubyGems","count":1,"downloaded_at":"2026-11-01T00:00:00Z","size":%d}`, buf.Len()),
	})
	res, err := New(Options{DBDir: db, Offline: true, Now: func() time.Time { return testNow }}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "RubyGems is 27 days old: run `secops db update`") {
		t.Errorf("warnings = %q", res.Warnings)
	}
	if len(res.Findings) != 1 {
		t.Errorf("findings = %d", len(res.Findings))
	}
}

// TestDatabaseWithoutEcosystemWarns: an offline database that holds no
// advisories for an ecosystem the scan found packages of (npm here) did
// not check them. That is said, and the result is incomplete, so that
// earlier findings of those packages are not archived as fixed.
func TestDatabaseWithoutEcosystemWarns(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"Gemfile.lock":      goodGemfileLock,
		"package-lock.json": `{"name":"a","lockfileVersion":3,"packages":{"":{"name":"a"},"node_modules/left-pad":{"version":"1.3.0"},"node_modules/lodash":{"version":"4.17.20"}}}`,
	})
	db := t.TempDir()
	b, err := os.ReadFile(ownDB + "/RubyGems/TEST-GEM-1.json")
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, db, map[string]string{"RubyGems/TEST-GEM-1.json": string(b)})
	res, err := New(Options{DBDir: db, Offline: true, Now: func() time.Time { return testNow }}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	want := "vulnerability database " + db + " has no advisories for npm: 2 package(s) were not checked; run `secops db update --ecosystems npm`"
	if len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings = %q\nwant %q", res.Warnings, want)
	}
	if !res.Incomplete || len(res.Findings) != 1 {
		t.Errorf("incomplete = %v, findings = %d; want true, 1", res.Incomplete, len(res.Findings))
	}
}
