package main

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkScanTree runs the whole `secops scan --scanners sca` command on
// the tree and database named by SECOPS_BENCH_TREE and SECOPS_BENCH_DB.
func BenchmarkScanTree(b *testing.B) {
	tree, db := os.Getenv("SECOPS_BENCH_TREE"), os.Getenv("SECOPS_BENCH_DB")
	if tree == "" || db == "" {
		b.Skip("SECOPS_BENCH_TREE and SECOPS_BENCH_DB name the workload")
	}
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = devnull, devnull
	defer func() { os.Stdout, os.Stderr = stdout, stderr }()
	for b.Loop() {
		store := filepath.Join(b.TempDir(), "findings.db")
		if code := run([]string{"scan", tree, "--scanners", "sca", "--db", db, "--offline", "--no-reachability", "--allow-incomplete", "--store", store, "-o", "json"}); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
