package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/report"
)

func exampleFinding() findings.Finding {
	f := findings.Finding{
		Id:          findings.NewID("secops-sast", "internal/store/users.go", "41", "G201"),
		GeneratorId: "secops-sast",
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CWE-89"},
		Severity:    findings.NewSeverity(findings.SeverityMedium, "MEDIUM"),
		Title:       "G201: SQL string formatting",
		Description: "SQL query construction using format string.",
		ProductFields: map[string]string{
			findings.FieldRuleID:    "G201",
			findings.FieldPath:      "internal/store/users.go",
			findings.FieldStartLine: "41",
		},
		Resources: []findings.Resource{{Type: "Other", Id: "internal/store/users.go"}},
	}
	findings.LocalProvenance(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC), "secops-sast").Stamp(&f)
	return f
}

// A table off a terminal: no colour, nothing cut, columns two spaces apart.
func ExampleWrite() {
	list := []findings.Finding{exampleFinding()}
	opts := report.Options{Header: "backend: local (findings.db)"}
	if err := report.Write(os.Stdout, report.Table, list, opts); err != nil {
		fmt.Println(err)
	}
	// Output:
	// backend: local (findings.db)
	// SEVERITY  TITLE                        RESOURCE                    STATUS  PRODUCT      ID
	// MEDIUM    G201: SQL string formatting  internal/store/users.go:41  NEW     secops-sast  7172d649a166
	//
	// 1 finding: 1 MEDIUM
}

func ExampleParseFormat() {
	f, err := report.ParseFormat("")
	fmt.Println(f, err)
	_, err = report.ParseFormat("xml")
	fmt.Println(err)
	// Output:
	// table <nil>
	// unknown output format "xml": use one of table, json, csv, sarif, asff
}

func ExampleSummarize() {
	s := report.Summarize([]findings.Finding{exampleFinding()}, 3)
	if err := report.WriteSummary(os.Stdout, report.CSV, s, report.Options{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Kind,Name,ResourceType,CRITICAL,HIGH,MEDIUM,LOW,INFORMATIONAL,UNKNOWN,Total
	// product,secops-sast,,0,0,1,0,0,0,1
	// resource,internal/store/users.go,Other,0,0,1,0,0,0,1
	// total,,,0,0,1,0,0,0,1
}
