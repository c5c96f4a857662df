package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/internal/sharedtest"

	"github.com/secops-dev/secops/pkg/findings"
)

func sharedDir(t testing.TB, elem ...string) string { return sharedtest.Dir(t, elem...) }

type expectedReport struct {
	Format   string         `json:"format"`
	File     string         `json:"file"`
	Findings int            `json:"findings"`
	Severity map[string]int `json:"severity"`
}

// TestRealASFF renders the ASFF documents Security Hub, GuardDuty,
// Inspector, Prowler and Trivy wrote, in every format, and checks each
// against the answer key in ../shared/reports/expected.json.
func TestRealASFF(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedDir(t, "reports"), "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []expectedReport
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, exp := range all {
		if exp.Format != "asff" {
			continue
		}
		seen++
		t.Run(exp.File, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(sharedDir(t, "reports", "asff"), exp.File))
			if err != nil {
				t.Fatal(err)
			}
			list, err := findings.DecodeBytes(raw)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}

			// Summary: the answer key's totals.
			s := Summarize(list, 5)
			if s.Total != exp.Findings {
				t.Errorf("Total = %d, want %d", s.Total, exp.Findings)
			}
			for label, n := range exp.Severity {
				if got := s.BySeverity.Get(label); got != n {
					t.Errorf("%s = %d, want %d", label, got, n)
				}
			}

			// Table: one row per finding and the answer key's counts below.
			var buf bytes.Buffer
			if err := Write(&buf, Table, list, Options{}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(lines) != exp.Findings+3 { // column header, rows, blank, count line
				t.Errorf("table has %d lines, want %d", len(lines), exp.Findings+3)
			}
			if got, want := lines[len(lines)-1], countLineFor(exp); got != want {
				t.Errorf("count line %q, want %q", got, want)
			}
			buf.Reset()
			if err := Write(&buf, Table, list, Options{TTY: true, Width: 80}); err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(buf.String(), "\n")[1:] {
				if displayWidth(l) > 80 && !strings.HasPrefix(l, fmt.Sprint(exp.Findings)) {
					t.Errorf("TTY line is %d wide: %q", displayWidth(l), l)
				}
			}

			// ASFF and JSON give back the same findings, attribute for attribute.
			originals := rawFindings(t, raw)
			for _, format := range []Format{ASFF, JSON} {
				buf.Reset()
				if err := Write(&buf, format, list, Options{}); err != nil {
					t.Fatal(err)
				}
				back, err := findings.DecodeBytes(buf.Bytes())
				if err != nil {
					t.Fatalf("%s output does not decode: %v", format, err)
				}
				if len(back) != len(originals) {
					t.Fatalf("%s: %d findings back, want %d", format, len(back), len(originals))
				}
				for i := range back {
					got, _ := json.Marshal(back[i])
					if !sameJSON(t, got, originals[i]) {
						t.Fatalf("%s changed finding %s", format, back[i].Id)
					}
				}
			}

			// CSV: a row per finding, Ids in order.
			buf.Reset()
			if err := Write(&buf, CSV, list, Options{}); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(list)+1 {
				t.Fatalf("%d CSV rows, want %d", len(rows), len(list)+1)
			}
			for i, f := range list {
				if rows[i+1][0] != csvSafe(f.Id) {
					t.Fatalf("CSV row %d Id %q, want %q", i+1, rows[i+1][0], f.Id)
				}
			}

			// SARIF: valid, uploadable, one result per finding.
			buf.Reset()
			if err := Write(&buf, SARIF, list, Options{ToolName: "secops"}); err != nil {
				t.Fatal(err)
			}
			if err := validateSARIF(t, buf.Bytes()); err != nil {
				t.Fatalf("invalid SARIF: %v", err)
			}
			checkGitHubRules(t, buf.Bytes())
			var log sarifLog
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			if len(log.Runs[0].Results) != exp.Findings {
				t.Fatalf("%d SARIF results, want %d", len(log.Runs[0].Results), exp.Findings)
			}
			for i, r := range log.Runs[0].Results {
				if r.PartialFingerprints[fingerprintKey] != list[i].Id {
					t.Fatalf("result %d fingerprint %v, want %s", i, r.PartialFingerprints, list[i].Id)
				}
			}
		})
	}
	if seen == 0 {
		t.Fatal("no asff reports in expected.json")
	}
}

// countLineFor is the table footer the answer key implies.
func countLineFor(exp expectedReport) string {
	var parts []string
	for _, l := range severitiesHighFirst() {
		if n := exp.Severity[l]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, l))
		}
	}
	return plural(exp.Findings, "finding") + ": " + strings.Join(parts, ", ")
}

// rawFindings splits a findings document into its finding objects as
// written, in any of the shapes findings.Decode accepts.
func rawFindings(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var list []json.RawMessage
	var wrapped struct{ Findings []json.RawMessage }
	switch {
	case json.Unmarshal(data, &wrapped) == nil && wrapped.Findings != nil:
		list = wrapped.Findings
	case json.Unmarshal(data, &list) == nil:
	default:
		list = []json.RawMessage{data}
	}
	out := make([][]byte, len(list))
	for i := range list {
		out[i] = list[i]
	}
	return out
}
