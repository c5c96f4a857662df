package sca

import (
	"context"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestUnratedAdvisories: an advisory without a severity takes its alias's
// when the database holds one for the same package (PyYAML's PYSEC record
// and its GHSA alias, CVSS 9.8), and is UNKNOWN otherwise (a Go record) —
// never a made-up MEDIUM.
func TestUnratedAdvisories(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"worker/requirements.txt": "PyYAML==5.3\n",
		"go.mod":                  "module example.com/app\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.6\n",
	})
	res, err := New(Options{DBDir: "testdata/unrated", Offline: true}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*findings.Finding{}
	for i := range res.Findings {
		got[res.Findings[i].ProductFields[findings.FieldRuleID]] = &res.Findings[i]
	}
	if len(res.Findings) != 2 {
		t.Fatalf("%d findings, want PyYAML's and x/text's: %v", len(res.Findings), got)
	}
	py := got["GHSA-8q59-q68h-6hv4"]
	if py == nil {
		py = got["PYSEC-2021-142"]
	}
	if py == nil || py.SeverityLabel() != findings.SeverityCritical || py.Severity.Original != "9.8" || py.HasUnknownSeverity() {
		t.Errorf("PyYAML finding severity = %+v, want CRITICAL 9.8 from the GHSA alias", py.Severity)
	}
	gox := got["GO-2021-0113"]
	if gox == nil || !gox.HasUnknownSeverity() || gox.SeverityLabel() != findings.SeverityInformational || gox.DisplaySeverity() != "UNKNOWN" {
		t.Errorf("x/text finding severity = %+v, want UNKNOWN (INFORMATIONAL in ASFF)", gox)
	}
}

// TestSeverityFromAnAliasThatDoesNotMatch: the alias record names the
// package but not the scanned version; its rating still rates the bug.
func TestSeverityFromAnAliasThatDoesNotMatch(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"requirements.txt": "PyYAML==5.3\n"})
	res, err := New(Options{DBDir: "testdata/unrated-alias", Offline: true}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings, want PYSEC-2021-142 alone", len(res.Findings))
	}
	f := res.Findings[0]
	if f.ProductFields[findings.FieldRuleID] != "PYSEC-2021-142" || f.SeverityLabel() != findings.SeverityCritical || f.HasUnknownSeverity() {
		t.Errorf("finding %s severity %+v, want CRITICAL from GHSA-8q59-q68h-6hv4", f.ProductFields[findings.FieldRuleID], f.Severity)
	}
}
