package localstore

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/secops-dev/secops/internal/rusage"

	"github.com/secops-dev/secops/pkg/findings"
)

var benchSize = 100_000

// benchFindings are benchSize realistic SCA findings over 20 targets with a
// spread of severities, about 1.6 KB of JSON each.
func benchFindings(b *testing.B) []findings.Finding {
	b.Helper()
	labels := []string{"LOW", "MEDIUM", "MEDIUM", "HIGH", "CRITICAL", "INFORMATIONAL", "LOW", "HIGH"}
	list := make([]findings.Finding, benchSize)
	for i := range list {
		list[i] = vuln(i, labels[i%len(labels)], "repo-"+string(rune('a'+i%20)), t0)
	}
	doc, _ := json.Marshal(list[0])
	b.ReportMetric(float64(len(doc)), "bytes/finding")
	return list
}

// BenchmarkImport100k imports 100,000 findings into a new store in one
// Import. Goal: under 10 s on 2 cores.
func BenchmarkImport100k(b *testing.B) {
	list := benchFindings(b)
	ctx := context.Background()
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s, err := Open(ctx, filepath.Join(b.TempDir(), "findings.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := cpuTime()
		res, err := s.Import(ctx, list, findings.ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res.New != benchSize {
			b.Fatalf("import = %+v", res)
		}
		cpu += cpuTime() - start
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkReimport100k imports the same 100,000 findings again (a rescan):
// every one is merged with the stored one.
func BenchmarkReimport100k(b *testing.B) {
	list := benchFindings(b)
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "findings.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Import(ctx, list, findings.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	defer reportCPU(b)()
	for range b.N {
		res, err := s.Import(ctx, list, findings.ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Updated != benchSize {
			b.Fatalf("import = %+v", res)
		}
	}
}

// BenchmarkQueryFiltered runs `secops findings --severity HIGH --resource
// pkg-0 --limit 100` against a store of 100,000 findings. Goal: under
// 100 ms.
func BenchmarkQueryFiltered(b *testing.B) {
	list := benchFindings(b)
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "findings.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Import(ctx, list, findings.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	queries := map[string]findings.Query{
		"severity+state+resource": {Severities: []string{"HIGH"}, RecordState: findings.RecordActive, Resource: "repo-d/", Limit: 100},
		"rare resource":           {Severities: []string{"HIGH"}, RecordState: findings.RecordActive, Resource: "pkg-09995", Limit: 100},
		"updated order":           {Statuses: []string{"NEW"}, Sort: findings.SortUpdated, Limit: 100},
	}
	for name, q := range queries {
		b.Run(name, func(b *testing.B) {
			defer reportCPU(b)()
			for range b.N {
				got, err := s.Query(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) == 0 {
					b.Fatal("no findings")
				}
			}
		})
	}
}

// cpuTime is the CPU time (user + system) the process has used. The
// benchmarks report it per operation next to the wall time, which on a
// shared machine depends on what else runs.
func cpuTime() time.Duration {
	d, _ := rusage.CPU()
	return d
}

// reportCPU starts measuring; call the returned function when the measured
// work is done.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
	}
}
