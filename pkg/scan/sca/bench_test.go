package sca

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/secops-dev/secops/internal/rusage"

	"github.com/secops-dev/secops/internal/benchgen"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/vulndb"
)

var benchKeep = flag.String("benchdir", "", "generate the benchmark data into this directory and keep it")

// BenchmarkScanMonorepo scans a generated monorepo of 200 lockfiles with
// 20,000 package versions against a 50,000-advisory offline database in
// osv-scanner's layout, and reports the peak heap and the process's peak
// RSS, once on the bare zips (as osv-scanner reads them) and once with the
// name index `secops db update` writes. Compare with osv-scanner on the
// same data: see internal/benchgen/cmd/benchgen.
func BenchmarkScanMonorepo(b *testing.B) {
	dir := *benchKeep
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, "db")); err != nil {
		if err := benchgen.Generate(dir, benchgen.Default); err != nil {
			b.Fatal(err)
		}
	}
	root := filepath.Join(dir, "repo")
	dbDir := filepath.Join(dir, "db")
	zips, _ := filepath.Glob(filepath.Join(dbDir, "osv-scalibr", "*", "all.zip"))
	for _, z := range zips {
		os.Remove(filepath.Join(filepath.Dir(z), "secops-index.json"))
	}
	// As osv-scanner reads it: the zips alone.
	b.Run("db=zips", func(b *testing.B) { benchScan(b, root, dbDir) })
	// As `secops db update` leaves it: with the name index.
	for _, z := range zips {
		if err := vulndb.BuildIndex(context.Background(), z); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("db=indexed", func(b *testing.B) { benchScan(b, root, dbDir) })
}

func benchScan(b *testing.B, root, dbDir string) {
	ctx := context.Background()
	prov := findings.LocalProvenance(time.Now(), "secops")
	runtime.GC()
	stop := make(chan struct{})
	peak := make(chan uint64)
	go samplePeakHeap(stop, peak)
	b.ResetTimer()
	var n int
	for b.Loop() {
		s := New(Options{DBDir: dbDir, Offline: true})
		res, err := s.Scan(ctx, root, prov)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Skipped) != 0 {
			b.Fatalf("skipped: %v", res.Skipped[0])
		}
		n = len(res.Findings)
	}
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(<-peak)/(1<<20), "peak-heap-MB")
	if rss, ok := rusage.PeakRSS(); ok {
		b.ReportMetric(float64(rss)/(1<<20), "maxrss-MB")
	}
	b.ReportMetric(float64(n), "findings")
}

func samplePeakHeap(stop <-chan struct{}, out chan<- uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peak {
			peak = v
		}
		select {
		case <-stop:
			out <- peak
			return
		case <-t.C:
		}
	}
}
