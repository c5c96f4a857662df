package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// FuzzParse feeds Detect and every parser arbitrary bytes, seeded with the
// report fixtures. Nothing may panic, and a report that parses must give
// valid findings: an importer never blames the tool's report for a finding
// it built itself.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "reports", "*"))
	for _, p := range seeds {
		if filepath.Ext(p) == ".md" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("null"))
	f.Add([]byte(`{"runs":[{"results":[{}]}],"version":"2.1.0"}`))
	f.Add([]byte(`<?xml version="1.0"?><OWASPZAPReport><site><alerts><alertitem><instances><instance/></instances></alertitem></alerts></site></OWASPZAPReport>`))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		format, derr := Detect(data)
		for _, ft := range Formats() {
			list, err := Parse(ctx, ft, data, testProv)
			if err != nil {
				var ve *findings.ValidationError
				if ft != FormatASFF && errors.As(err, &ve) {
					t.Fatalf("%s: built an invalid finding: %v", ft, err)
				}
				if derr == nil && ft == format && len(data) < 64 {
					// Detected but unparseable can happen (keys right,
					// types wrong); it must still be an error, not a panic.
					continue
				}
				continue
			}
			ids := map[string]bool{}
			for i := range list {
				if err := list[i].Validate(); err != nil {
					t.Fatalf("%s: finding #%d invalid: %v", ft, i, err)
				}
				// The store upserts on the Id: a shared one loses a finding.
				if ids[list[i].Id] && ft != FormatASFF {
					t.Fatalf("%s: finding #%d shares Id %s with an earlier one", ft, i, list[i].Id)
				}
				ids[list[i].Id] = true
			}
		}
	})
}
