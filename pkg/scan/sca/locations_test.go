package sca

import (
	"context"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestRepeatedPackageLocationsAreStable: one package version installed at
// four places of a lockfile is one finding that names every line, the
// first as its location, on every scan.
func TestRepeatedPackageLocationsAreStable(t *testing.T) {
	root := t.TempDir()
	var b strings.Builder
	b.WriteString(`{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {` + "\n")
	b.WriteString(`  "": {"name": "app", "version": "1.0.0"},` + "\n")
	for i, dir := range []string{"node_modules/a/node_modules/@demo/pkg", "node_modules/@demo/pkg", "node_modules/b/node_modules/@demo/pkg", "node_modules/c/node_modules/@demo/pkg"} {
		sep := ","
		if i == 3 {
			sep = ""
		}
		b.WriteString(`  "` + dir + `": {"version": "1.0.0"}` + sep + "\n")
	}
	b.WriteString("}}\n")
	writeFiles(t, root, map[string]string{"package-lock.json": b.String()})
	var first string
	for run := range 8 {
		res, err := New(Options{DBDir: ownDB, Offline: true}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 1 {
			t.Fatalf("%d findings, want one for @demo/pkg 1.0.0", len(res.Findings))
		}
		f := res.Findings[0]
		got := f.ProductFields[findings.FieldStartLine] + " " + f.ProductFields[findings.FieldLines]
		if got != "3 3,4,5,6" {
			t.Errorf("run %d: start line and lines = %q, want \"3 3,4,5,6\"", run, got)
		}
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("run %d moved the finding: %q, then %q", run, first, got)
		}
	}
}

// FuzzNpmLockLines: any bytes give a map whose lines are ascending and
// inside the input, never a panic.
func FuzzNpmLockLines(f *testing.F) {
	f.Add([]byte(`{"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": {"version": "1.0.0"}, "node_modules/b/node_modules/a": {"version": "1.0.0"}}}`))
	f.Add([]byte(`{"packages": {"node_modules/@s/x": {"name": "y", "version": "2", "link": true}}}`))
	f.Add([]byte(`{"dependencies": {"a": {"version": "1"}}}`))
	f.Add([]byte(`[1, 2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		total := strings.Count(string(data), "\n") + 1
		for k, ls := range npmLockLines(data) {
			for i, l := range ls {
				if l < 1 || l > total || (i > 0 && l < ls[i-1]) {
					t.Fatalf("%s: lines %v out of order or range (%d lines)", k, ls, total)
				}
			}
		}
	})
}
