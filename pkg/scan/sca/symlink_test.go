package sca

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestSymlinksStayInsideTheRoot: a link out of the scan root (a vendor
// directory kept elsewhere, or the file system root) is not followed, and
// says so; a link to a directory scanned already is named as that, not as
// a loop.
func TestSymlinksStayInsideTheRoot(t *testing.T) {
	elsewhere := t.TempDir()
	writeFiles(t, elsewhere, map[string]string{"requirements.txt": "demo_pkg_core==1.5\n"})
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"svc/requirements.txt": "demo_pkg_core==1.5\n",
		"app/Gemfile.lock":     goodGemfileLock,
	})
	for link, dest := range map[string]string{
		"vendor":      elsewhere,
		"hostroot":    "/",
		"svc-again":   "svc",
		"app/svc-too": "../svc",
	} {
		if err := os.Symlink(dest, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := New(Options{DBDir: ownDB, Offline: true}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range res.Skipped {
		got[s.Path] = s.Reason
	}
	want := map[string]string{
		"vendor":   "symlink to " + realPath(t, elsewhere) + ", outside the scan root: not followed",
		"hostroot": "symlink to /, outside the scan root: not followed",
	}
	for path, reason := range want {
		if got[path] != reason {
			t.Errorf("skipped %s: %q, want %q", path, got[path], reason)
		}
	}
	// svc is reached three ways; whichever is walked first, the other two
	// are "scanned already", never a loop.
	already := 0
	for path, reason := range got {
		if strings.Contains(reason, "a directory scanned already") {
			already++
		}
		if strings.Contains(reason, "loop") {
			t.Errorf("%s reported as a loop: %s", path, reason)
		}
	}
	if already != 2 {
		t.Errorf("%d links reported as scanned already, want 2: %v", already, got)
	}
	for _, f := range res.Findings {
		for _, p := range findings.Paths(&f) {
			if strings.HasPrefix(p, "vendor") || strings.HasPrefix(p, "hostroot") {
				t.Errorf("finding from outside the root: %s", p)
			}
		}
	}
	if n := len(res.Findings); n != 2 {
		t.Errorf("%d findings, want the 2 of app/Gemfile.lock and svc/requirements.txt once each", n)
	}
}

func realPath(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
