package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// manyFindings is n findings cycling through the fixtures, each with its
// own Id and resource, the size of a large monorepo scan.
func manyFindings(n int) []findings.Finding {
	base := sampleFindings()
	list := make([]findings.Finding, n)
	for i := range list {
		f := base[i%len(base)]
		f.Id = fmt.Sprintf("%s-%d", f.Id, i)
		f.Resources = []findings.Resource{{Type: f.Resources[0].Type, Id: fmt.Sprintf("%s-%d", f.Resources[0].Id, i%500)}}
		list[i] = f
	}
	return list
}

func BenchmarkWrite(b *testing.B) {
	list := manyFindings(10000)
	for _, bc := range []struct {
		name   string
		format Format
		opts   Options
	}{
		{"table_plain", Table, Options{}},
		{"table_tty_color_120", Table, Options{TTY: true, Color: true, Width: 120}},
		{"json", JSON, Options{}},
		{"csv", CSV, Options{}},
		{"sarif", SARIF, Options{ToolName: "secops"}},
		{"asff", ASFF, Options{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, bc.format, list, bc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSummarize(b *testing.B) {
	list := manyFindings(100000)
	b.ReportAllocs()
	for b.Loop() {
		Summarize(list, 10)
	}
}
