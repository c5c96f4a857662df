package benchgen

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := Config{Seed: 7, Lockfiles: 12, Packages: 120, Advisories: 60}
	a, b := t.TempDir(), t.TempDir()
	if err := Generate(a, cfg); err != nil {
		t.Fatal(err)
	}
	if err := Generate(b, cfg); err != nil {
		t.Fatal(err)
	}
	locks, _ := filepath.Glob(filepath.Join(a, "repo", "services", "*", "*"))
	if len(locks) != 12 {
		t.Fatalf("%d lockfiles, want 12", len(locks))
	}
	for _, l := range locks {
		rel, _ := filepath.Rel(a, l)
		x, _ := os.ReadFile(l)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed", rel)
		}
	}
	total := 0
	zips, _ := filepath.Glob(filepath.Join(a, "db", "osv-scalibr", "*", "all.zip"))
	if len(zips) != 6 {
		t.Fatalf("%d ecosystem zips, want 6", len(zips))
	}
	for _, z := range zips {
		r, err := zip.OpenReader(z)
		if err != nil {
			t.Fatal(err)
		}
		total += len(r.File)
		r.Close()
	}
	if total != 60 {
		t.Errorf("%d advisories, want 60", total)
	}
}
