package importer

import (
	"context"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestNothingVanishes checks that every result of a report either becomes
// a finding or is reported as skipped with the reason, never dropped
// without a word.
func TestNothingVanishes(t *testing.T) {
	tests := []struct {
		name     string
		format   Format
		doc      string
		findings int
		skipped  []string // substrings of Report.Notes, one each
		check    func(t *testing.T, list []findings.Finding)
	}{
		{"sarif result without any location", FormatSARIF,
			sarifDoc(`{"ruleId":"R1","message":{"text":"whole-program problem"}}`), 1, nil,
			func(t *testing.T, l []findings.Finding) {
				if l[0].ProductFields[findings.FieldRuleID] != "R1" {
					t.Errorf("rule = %q", l[0].ProductFields[findings.FieldRuleID])
				}
			}},
		{"sarif rule by index only", FormatSARIF,
			`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","rules":[{"id":"R0"},{"id":"R7","shortDescription":{"text":"Seventh rule"}}]}},` +
				`"results":[{"ruleIndex":1,"message":{"text":"m"}},{"rule":{"index":0},"message":{"text":"n"}}]}]}`, 2, nil,
			func(t *testing.T, l []findings.Finding) {
				if l[0].ProductFields[findings.FieldRuleID] != "R7" || l[0].Title != "Seventh rule" || l[1].ProductFields[findings.FieldRuleID] != "R0" {
					t.Errorf("rules = %q (%q), %q", l[0].ProductFields[findings.FieldRuleID], l[0].Title, l[1].ProductFields[findings.FieldRuleID])
				}
			}},
		{"sarif suppressed and absent results", FormatSARIF,
			sarifDoc(`{"ruleId":"R1","message":{"text":"a"},"suppressions":[{"kind":"external"}]}`,
				`{"ruleId":"R1","message":{"text":"b"},"baselineState":"absent"}`), 2, nil,
			func(t *testing.T, l []findings.Finding) {
				if l[0].Workflow == nil || l[0].Workflow.Status != findings.WorkflowSuppressed {
					t.Errorf("suppressed result: workflow %+v", l[0].Workflow)
				}
				if l[1].RecordState != findings.RecordArchived {
					t.Errorf("absent result: record state %q", l[1].RecordState)
				}
			}},
		{"zap instance without a uri", FormatZAP,
			`{"@version":"2.14.0","site":[{"@name":"http://x","alerts":[{"pluginid":"1","alert":"A","riskdesc":"Low (Low)","instances":[{"method":"GET"}]}]}]}`, 1, nil, nil},
		{"zap alert that lists no instance", FormatZAP,
			`<?xml version="1.0"?><OWASPZAPReport version="2.11.1"><site name="http://x"><alerts>` +
				`<alertitem><pluginid>10106</pluginid><alert>HTTP Only Site</alert><riskcode>2</riskcode><count>0</count><instances></instances></alertitem>` +
				`<alertitem><pluginid>1</pluginid><alert>A</alert><riskcode>1</riskcode><instances><instance><uri>http://x/</uri></instance></instances></alertitem>` +
				`</alerts></site></OWASPZAPReport>`, 1, []string{`ZAP alert(s) list no instance: 10106 "HTTP Only Site" on http://x`}, nil},
		{"dependency-check vulnerability without any score", FormatDependencyCheck,
			`{"scanInfo":{"engineVersion":"9.0.0"},"dependencies":[{"fileName":"x.js","filePath":"/app/x.js","vulnerabilities":[{"source":"RETIREJS","name":"retire-1"}]}]}`, 1, nil,
			func(t *testing.T, l []findings.Finding) {
				if l[0].SeverityLabel() != findings.SeverityMedium {
					t.Errorf("severity = %s", l[0].SeverityLabel())
				}
			}},
		{"dependency-check suppressed vulnerabilities (JSON)", FormatDependencyCheck,
			`{"scanInfo":{"engineVersion":"9.0.0"},"dependencies":[{"fileName":"x.jar","filePath":"/app/x.jar",` +
				`"vulnerabilities":[{"source":"NVD","name":"CVE-2020-1","severity":"HIGH"}],` +
				`"suppressedVulnerabilities":[{"source":"NVD","name":"CVE-2020-2","severity":"HIGH"},{"source":"NVD","name":"CVE-2020-3","severity":"LOW"}]}]}`,
			1, []string{"skipped 2: vulnerabilities suppressed by a Dependency-Check suppression file"}, nil},
		{"dependency-check suppressed vulnerabilities (XML)", FormatDependencyCheck,
			`<?xml version="1.0"?><analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd"><scanInfo><engineVersion>6.5.3</engineVersion></scanInfo><dependencies>` +
				`<dependency><fileName>x.jar</fileName><filePath>/app/x.jar</filePath><suppressedVulnerabilities><suppressedVulnerability source="NVD"><name>CVE-2020-2</name><severity>HIGH</severity></suppressedVulnerability></suppressedVulnerabilities></dependency>` +
				`</dependencies></analysis>`,
			0, []string{"skipped 1: vulnerabilities suppressed by a Dependency-Check suppression file"}, nil},
		// Dependency-Check's XML template writes suppressed vulnerabilities
		// inside <vulnerabilities>, after the ones that stand.
		{"dependency-check suppressed vulnerabilities beside the others (XML)", FormatDependencyCheck,
			`<?xml version="1.0"?><analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd"><scanInfo><engineVersion>9.0.9</engineVersion></scanInfo><dependencies>` +
				`<dependency><fileName>x.jar</fileName><filePath>/app/x.jar</filePath><vulnerabilities>` +
				`<vulnerability source="NVD"><name>CVE-2020-1</name><severity>HIGH</severity></vulnerability>` +
				`<suppressedVulnerability source="NVD"><name>CVE-2020-2</name><severity>HIGH</severity></suppressedVulnerability>` +
				`<suppressedVulnerability source="OSSINDEX"><name>CVE-2020-3</name><severity>LOW</severity></suppressedVulnerability>` +
				`</vulnerabilities></dependency></dependencies></analysis>`,
			1, []string{"skipped 2: vulnerabilities suppressed by a Dependency-Check suppression file"},
			func(t *testing.T, l []findings.Finding) {
				if l[0].ProductFields[findings.FieldRuleID] != "CVE-2020-1" {
					t.Errorf("finding is %s, want CVE-2020-1 (a suppressed one must not become a finding)", l[0].ProductFields[findings.FieldRuleID])
				}
			}},
		{"trivy misconfigurations, secrets and vulnerabilities", FormatTrivy,
			`{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem","Results":[` +
				`{"Target":"go.mod","Class":"lang-pkgs","Type":"gomod","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-1","PkgName":"x","InstalledVersion":"1","Severity":"HIGH"}]},` +
				`{"Target":"Dockerfile","Class":"config","Type":"dockerfile","Misconfigurations":[{"ID":"DS002","Title":"root","Severity":"HIGH","Status":"FAIL"}]},` +
				`{"Target":"k.env","Class":"secret","Secrets":[{"RuleID":"github-pat","Severity":"CRITICAL","StartLine":1,"EndLine":1,"Match":"T=****"}]}]}`,
			3, nil, nil},
		{"trivy custom resources", FormatTrivy,
			`{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem","Results":[{"Target":"x","Class":"custom","CustomResources":[{"Type":"t","Data":1},{"Type":"t","Data":2}]}]}`,
			0, []string{"skipped 2: Trivy custom resources"}, nil},
		{"gitleaks tags", FormatGitleaks,
			`[` + gitleaksV8Result(`["key", "AWS"]`) + `,` + gitleaksV8Result(`[]`) + `]`, 2, nil,
			func(t *testing.T, l []findings.Finding) {
				if l[0].ProductFields["gitleaks/Tags"] != "AWS,key" || l[1].ProductFields["gitleaks/Tags"] != "" {
					t.Errorf("tags %q and %q, want \"AWS,key\" and none", l[0].ProductFields["gitleaks/Tags"], l[1].ProductFields["gitleaks/Tags"])
				}
			}},
		{"gosec files it could not analyse", FormatGosec,
			`{"Golang errors":{"/src/a.go":[{"line":3,"column":1,"error":"undefined: x"}],"/src/b.go":[{"line":1,"column":1,"error":"syntax error"}]},` +
				`"Issues":[{"severity":"LOW","confidence":"HIGH","rule_id":"G104","details":"d","file":"/src/c.go","line":"3","column":"2"}],"Stats":{"files":3}}`,
			1, []string{"skipped 2: files gosec could not analyse (Golang errors), so their problems are not in the report: /src/a.go: undefined: x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ParseReport(context.Background(), tt.format, []byte(tt.doc), testProv)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != tt.findings {
				t.Fatalf("findings = %d, want %d", len(rep.Findings), tt.findings)
			}
			notes := rep.Notes()
			if len(notes) != len(tt.skipped) {
				t.Errorf("notes = %q, want %d", notes, len(tt.skipped))
			}
			for i, want := range tt.skipped {
				if i < len(notes) && !strings.Contains(notes[i], want) {
					t.Errorf("note %d = %q, want it to contain %q", i, notes[i], want)
				}
			}
			if tt.check != nil {
				tt.check(t, rep.Findings)
			}
		})
	}
}
