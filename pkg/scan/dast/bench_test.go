package dast

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/demo"
)

// BenchmarkScanDemo is a full scan of the demo app with the defaults a
// user gets for a loopback target (100 requests/s, concurrency 4). Run
// with: go test ./pkg/scan/dast -run '^$' -bench ScanDemo -benchtime 1x
func BenchmarkScanDemo(b *testing.B) {
	for i := 0; i < b.N; i++ {
		srv := httptest.NewUnstartedServer(demo.New().Handler())
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.Start()
		res, err := Scan(context.Background(), Options{Target: srv.URL, MaxDuration: 2 * time.Minute})
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Stats.Requests), "requests")
		b.ReportMetric(float64(len(res.Issues)), "findings")
		b.ReportMetric(res.Stats.Duration.Seconds(), "scan-s")
	}
}
