package importer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParse imports the largest real report of each of a few formats
// (read in place from ../shared/reports) to keep an eye on throughput.
func BenchmarkParse(b *testing.B) {
	for _, c := range []struct {
		format Format
		file   string
	}{
		{FormatSARIF, "dd-semgrepowasp-benchmark-sample.sarif"},
		{FormatDependencyCheck, "dc-4.0.2-benchmark.json"},
		{FormatTrivy, "scb-juice-shop-v12.10.2.json"},
		{FormatZAP, "zap-gregnrobinson.json"},
		{FormatASFF, "dd-asff-prowler-output.asff.json"},
	} {
		b.Run(string(c.format), func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join(reportsDir(b), string(c.format), c.file))
			if err != nil {
				b.Skip(err)
			}
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Parse(context.Background(), c.format, data, testProv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
