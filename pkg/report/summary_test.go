package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

func TestSummarize(t *testing.T) {
	web := "arn:aws:ecr:ap-northeast-2:123456789012:repository/shop/web"
	api := "arn:aws:ecr:ap-northeast-2:123456789012:repository/shop/api"
	img := func(resource, label string) findings.Finding {
		f := archivedFinding()
		f.Resources = []findings.Resource{{Type: "AwsEcrContainerImage", Id: resource}}
		f.Severity = findings.NewSeverity(label, label)
		return f
	}
	list := append(sampleFindings(),
		// web gets 2 more (3 with the sample's archived CRITICAL), api 2
		// MEDIUM ones.
		img(web, findings.SeverityHigh), img(web, findings.SeverityLow),
		img(api, findings.SeverityMedium), img(api, findings.SeverityMedium),
	)
	// The lockfile gets a LOW next to the sample's HIGH: 2 findings like
	// api, but a more severe one, so it ranks above api (two MEDIUMs).
	lock := scaFinding()
	lock.Severity = findings.NewSeverity(findings.SeverityLow, "LOW")
	list = append(list, lock)

	s := Summarize(list, 3)
	if s.Total != 12 {
		t.Errorf("Total = %d, want 12", s.Total)
	}
	wantSev := SeverityCounts{Critical: 2, High: 2, Medium: 4, Low: 3, Informational: 1}
	if s.BySeverity != wantSev {
		t.Errorf("BySeverity = %+v, want %+v", s.BySeverity, wantSev)
	}
	var products []string
	for _, p := range s.ByProduct {
		products = append(products, p.Product+"="+itoa(p.Total))
	}
	// secops-image 5 first; secops-sast and secops-sca both 2, sast has a
	// MEDIUM, sca a HIGH: sca first. Then the 1s by severity: secrets
	// (CRITICAL), aws/securityhub (MEDIUM), dast (LOW).
	if got, want := strings.Join(products, " "), "secops-image=5 secops-sca=2 secops-sast=2 secops-secrets=1 aws/securityhub=1 secops-dast=1"; got != want {
		t.Errorf("ByProduct = %s\nwant        %s", got, want)
	}
	var resources []string
	for _, r := range s.TopResources {
		resources = append(resources, r.Id+"="+itoa(r.Total))
	}
	// web: the sample's archived CRITICAL + HIGH + LOW = 3.
	if got, want := strings.Join(resources, " "), web+"=3 app/package-lock.json=2 "+api+"=2"; got != want {
		t.Errorf("TopResources = %s\nwant           %s", got, want)
	}
	if s.TopResources[0].BySeverity != (SeverityCounts{Critical: 1, High: 1, Low: 1}) {
		t.Errorf("web counts = %+v", s.TopResources[0].BySeverity)
	}

	// The order of the input does not matter.
	rev := make([]findings.Finding, len(list))
	for i := range list {
		rev[len(list)-1-i] = list[i]
	}
	a, _ := json.Marshal(s)
	b, _ := json.Marshal(Summarize(rev, 3))
	if !bytes.Equal(a, b) {
		t.Errorf("Summarize depends on input order:\n%s\n%s", a, b)
	}

	if got := Summarize(list, 0).TopResources; len(got) != 0 {
		t.Errorf("topResources 0 gave %d resources", len(got))
	}
	if got := Summarize(nil, 5); got.Total != 0 || got.ByProduct == nil || got.TopResources == nil {
		t.Errorf("empty summary = %+v (slices must be empty, not nil, for JSON [])", got)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestWriteSummaryGolden(t *testing.T) {
	s := Summarize(sampleFindings(), 5)
	tests := []struct {
		name   string
		format Format
		s      Summary
		opts   Options
	}{
		{"summary_table", Table, s, Options{Header: header}},
		{"summary_table_tty_color_80", Table, s, Options{TTY: true, Color: true, Width: 80, Header: header}},
		{"summary_table_tty_60", Table, s, Options{TTY: true, Width: 60}},
		{"summary_json", JSON, s, Options{Header: header}},
		{"summary_csv", CSV, s, Options{}},
		{"summary_table_empty", Table, Summarize(nil, 5), Options{Header: header}},
		{"summary_json_empty", JSON, Summarize(nil, 5), Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummary(&buf, tt.format, tt.s, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())
		})
	}
	for _, f := range []Format{SARIF, ASFF} {
		err := WriteSummary(&bytes.Buffer{}, f, s, Options{})
		if err == nil || !strings.Contains(err.Error(), "table, json, csv") {
			t.Errorf("WriteSummary(%s) error = %v", f, err)
		}
	}
}

// A finding without a severity (not valid ASFF, but a store may hold one
// from an old import) is counted, shown and exported, never dropped.
func TestUnknownSeverity(t *testing.T) {
	f := dastFinding()
	f.Severity = nil
	list := []findings.Finding{f, scaFinding()}

	s := Summarize(list, 5)
	if s.Total != 2 || s.BySeverity.Unknown != 1 || s.BySeverity.High != 1 {
		t.Errorf("summary = %+v", s.BySeverity)
	}
	var buf bytes.Buffer
	if err := Write(&buf, Table, list, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "UNKNOWN") || !strings.HasSuffix(buf.String(), "2 findings: 1 HIGH, 1 UNKNOWN\n") {
		t.Errorf("table:\n%s", buf.String())
	}
	buf.Reset()
	if err := WriteSummary(&buf, Table, s, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "UNKNOWN") {
		t.Errorf("summary table lacks the UNKNOWN column:\n%s", buf.String())
	}
	buf.Reset()
	if err := Write(&buf, SARIF, list, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := validateSARIF(t, buf.Bytes()); err != nil {
		t.Errorf("SARIF with an unrated finding is invalid: %v", err)
	}
	if !strings.Contains(buf.String(), `"level": "note"`) {
		t.Errorf("unrated finding is not a note")
	}
}

func TestSummaryTableFitsTerminal(t *testing.T) {
	s := Summarize(append(sampleFindings(), manyFindings(1200)...), 10)
	for _, width := range []int{40, 60, 80, 120, 200} {
		for _, color := range []bool{false, true} {
			var buf bytes.Buffer
			if err := WriteSummary(&buf, Table, s, Options{TTY: true, Color: color, Width: width}); err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(buf.String(), "\n") {
				// 40 columns cannot hold six count columns and a name: the
				// names keep their minimum and the line runs over.
				limit := max(width, minResourceWidth+countColumnsWidth([]string{"CRIT", "HIGH", "MED", "LOW", "INFO"}, s))
				if w := displayWidth(stripANSI(l)); w > limit {
					t.Errorf("width %d colour %v: line is %d wide: %q", width, color, w, l)
				}
			}
		}
	}
}
