package vulndb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	eco := filepath.Join(dir, ScalibrDir, "RubyGems")
	os.MkdirAll(eco, 0o755)
	zipPath := filepath.Join(eco, ExportName)
	os.WriteFile(zipPath, zipOf(t, map[string]string{"TEST-GEM-1.json": readTestRecord(t, "RubyGems/TEST-GEM-1.json")}), 0o644)
	if err := BuildIndex(ctx, zipPath); err != nil {
		t.Fatal(err)
	}
	idx, ok := readIndex(zipPath)
	if !ok || len(idx.Names["demo-gem"]) != 1 || idx.Names["demo-gem"][0] != "TEST-GEM-1.json" {
		t.Fatalf("index = %+v, %v", idx, ok)
	}
	query := []PackageQuery{{Ecosystem: "RubyGems", Name: "demo-gem", Version: "2.2.3"}}
	match := func() int {
		db, _ := Open(dir)
		defer db.Close()
		ms, err := db.MatchAll(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		return len(ms[0])
	}
	if n := match(); n != 1 {
		t.Errorf("with index: %d matches", n)
	}
	// The index is what a scan reads: an index that lists nothing for the
	// package hides the record.
	idx.Names = map[string][]string{}
	data, _ := json.Marshal(idx)
	os.WriteFile(filepath.Join(eco, indexName), data, 0o644)
	if n := match(); n != 0 {
		t.Errorf("emptied index still matched %d", n)
	}
	// A zip that changed after the index was written: the index is
	// ignored and the zip read in full.
	later := time.Now().Add(time.Hour)
	os.Chtimes(zipPath, later, later)
	if n := match(); n != 1 {
		t.Errorf("stale index: %d matches", n)
	}
	if _, ok := readIndex(zipPath); ok {
		t.Error("stale index accepted")
	}
}
