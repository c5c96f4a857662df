package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secops-dev/secops/pkg/findings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// check is one expectation on one finding of a fixture.
type check struct {
	index       int
	id          string // Id; "" skips
	title       string
	label       string
	original    string
	product     string
	fields      map[string]string // ProductFields that must be present with these values
	resource    string            // Type:Id of the first resource
	vuln        string            // Id name@version fixed-in
	workflow    string
	recordState string
	remediation string // substring of the recommendation text
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		count  int
		checks []check
	}{
		{"sarif-codescanning.sarif", FormatSARIF, 5, []check{
			{index: 0, title: "SQL query built from user input", label: "CRITICAL", original: "error", product: "ExampleScanner",
				fields:   map[string]string{findings.FieldRuleID: "EX1001", findings.FieldPath: "src/db/query.go", findings.FieldStartLine: "42", findings.FieldEndLine: "43"},
				resource: "Other:src/db/query.go", remediation: "parameterised"},
			{index: 1, label: "LOW", original: "note", workflow: "SUPPRESSED",
				fields: map[string]string{"sarif/Suppression": "inSource:accepted"}},
			{index: 2, label: "INFORMATIONAL", original: "none", fields: map[string]string{"sarif/Kind": "pass"}, resource: "Other:ExampleScanner"},
			{index: 3, label: "LOW", original: "note", workflow: "RESOLVED", recordState: "ARCHIVED", fields: map[string]string{"sarif/BaselineState": "absent"}},
			{index: 4, label: "HIGH", original: "warning", recordState: "ACTIVE", fields: map[string]string{findings.FieldPath: "file:///work/app/Dockerfile"}},
		}},
		{"trivy-image.json", FormatTrivy, 6, []check{
			{index: 0, title: "CVE-2024-0727: libcrypto3 3.1.4-r2: openssl: denial of service via null dereference", label: "MEDIUM", original: "MEDIUM", product: "Trivy",
				resource: "Container:registry.example.com/shop/api:1.2.3", vuln: "CVE-2024-0727 libcrypto3@3.1.4-r2 3.1.4-r5",
				fields: map[string]string{"trivy/Class": "vuln", "trivy/Target": "registry.example.com/shop/api:1.2.3 (alpine 3.19.1)",
					findings.FieldTarget: "registry.example.com/shop/api:1.2.3", "secops/ToolVersion": "0.58.1"}},
			{index: 1, label: "INFORMATIONAL", original: "UNKNOWN", vuln: "CVE-2023-9999 busybox@1.36.1-r15 "},
			{index: 2, label: "HIGH", original: "HIGH", remediation: "USER",
				fields: map[string]string{"trivy/Class": "misconfig", findings.FieldRuleID: "DS002", findings.FieldStartLine: "9", "trivy/Status": "FAIL"}},
			{index: 3, label: "LOW", original: "LOW", workflow: "SUPPRESSED", fields: map[string]string{findings.FieldRuleID: "DS026", "trivy/Status": "EXCEPTION"}},
			{index: 4, label: "CRITICAL", original: "CRITICAL",
				fields: map[string]string{"trivy/Class": "secret", findings.FieldPath: "/app/config/settings.py", findings.FieldStartLine: "3"}},
			{index: 5, title: "License GPL-2.0 (restricted) in busybox", label: "HIGH", original: "HIGH",
				fields: map[string]string{"trivy/Class": "license", "trivy/LicenseCategory": "restricted", findings.FieldRuleID: "license/GPL-2.0"}},
		}},
		{"zap-report.json", FormatZAP, 4, []check{
			{index: 0, title: "Content Security Policy (CSP) Header Not Set", label: "MEDIUM", original: "Medium", product: "ZAP", resource: "Other:https://shop.example.com/",
				fields: map[string]string{findings.FieldRuleID: "10038", "zap/AlertInstances": "2", "zap/AlertCount": "5", "zap/CWE": "CWE-693", "zap/Method": "GET"}},
			{index: 2, label: "HIGH", original: "High", fields: map[string]string{"zap/Param": "q", "zap/Attack": "<script>alert(1);</script>"}},
			{index: 3, label: "INFORMATIONAL", original: "Informational", workflow: "SUPPRESSED", fields: map[string]string{"zap/Confidence": "0"}},
		}},
		{"zap-report.xml", FormatZAP, 2, []check{
			{index: 0, title: "Missing Anti-clickjacking Header", label: "MEDIUM", original: "Medium", remediation: "frame-ancestors",
				fields: map[string]string{findings.FieldRuleID: "10020", "zap/Param": "x-frame-options", findings.FieldTarget: "http://intranet.example.com"}},
			{index: 1, label: "LOW", original: "Low", fields: map[string]string{findings.FieldRuleID: "10010", "zap/Method": "POST"}},
		}},
		{"dependency-check.json", FormatDependencyCheck, 2, []check{
			{index: 0, title: "CVE-2021-44228 in log4j-core-2.14.1.jar", label: "CRITICAL", original: "CRITICAL", product: "Dependency-Check",
				resource: "Other:pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", vuln: "CVE-2021-44228 org.apache.logging.log4j:log4j-core@2.14.1 2.15.0", remediation: "2.15.0"},
			{index: 1, label: "MEDIUM", original: "moderate", vuln: "1523 lodash@4.17.20 4.17.21",
				fields: map[string]string{"dependency-check/Source": "NPM"}},
		}},
		{"dependency-check.xml", FormatDependencyCheck, 1, []check{
			{index: 0, label: "MEDIUM", original: "MEDIUM", vuln: "CVE-2019-12384 com.fasterxml.jackson.core:jackson-databind@2.9.8 2.9.9.1",
				fields: map[string]string{"secops/ToolVersion": "9.0.9", "dependency-check/FileName": "jackson-databind-2.9.8.jar"}},
		}},
		{"sonarqube-issues.json", FormatSonarQube, 3, []check{
			{index: 0, label: "CRITICAL", original: "BLOCKER", product: "SonarQube", workflow: "NEW", resource: "Other:shop-api:src/main/java/shop/OrderDao.java",
				fields: map[string]string{findings.FieldPath: "src/main/java/shop/OrderDao.java", findings.FieldStartLine: "57", findings.FieldEndLine: "58", "sonarqube/Impacts": "SECURITY:HIGH"}},
			{index: 1, label: "MEDIUM", original: "MAJOR", workflow: "NOTIFIED"},
			{index: 2, label: "LOW", original: "MINOR", workflow: "RESOLVED", recordState: "ARCHIVED", fields: map[string]string{"sonarqube/Resolution": "FIXED"}},
		}},
		{"sonarqube-hotspots.json", FormatSonarQube, 2, []check{
			{index: 0, label: "HIGH", original: "HIGH", fields: map[string]string{findings.FieldRuleID: "java:S2068", findings.FieldPath: "src/main/resources/application.properties", "sonarqube/Type": "SECURITY_HOTSPOT"}},
			{index: 1, label: "MEDIUM", original: "MEDIUM", workflow: "SUPPRESSED"},
		}},
		{"sonar-report.json", FormatSonarQube, 1, []check{
			{index: 0, label: "HIGH", original: "CRITICAL", fields: map[string]string{findings.FieldRuleID: "python:S4502", findings.FieldStartLine: "8"}},
		}},
		{"gitleaks-v8.json", FormatGitleaks, 2, []check{
			{index: 0, title: "Secret detected: aws-access-token in deploy/credentials.ini:12",
				label: "HIGH", original: "", product: "Gitleaks", resource: "Other:deploy/credentials.ini", remediation: "rotate",
				fields: map[string]string{"gitleaks/Match": "aws_access_key_id = REDACTED", "gitleaks/Secret": "REDACTED(20 chars)",
					"gitleaks/Fingerprint": "0f3a2b1c4d5e6f708192a3b4c5d6e7f8091a2b3c:deploy/credentials.ini:aws-access-token:12"}},
			{index: 1, fields: map[string]string{"gitleaks/Fingerprint": "config/app.yaml:generic-api-key:3", "gitleaks/Match": "api_key: \"REDACTED\""}},
		}},
		{"gitleaks-v7.json", FormatGitleaks, 1, []check{
			{index: 0, fields: map[string]string{findings.FieldRuleID: "Github Personal Access Token", findings.FieldStartLine: "4",
				"gitleaks/Match": "export GITHUB_TOKEN=\"REDACTED\"", "gitleaks/Commit": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
				"gitleaks/Tags": "Github,key"}},
		}},
		{"osv-scanner.json", FormatOSVScanner, 2, []check{
			{index: 0, label: "MEDIUM", original: "MODERATE", product: "osv-scanner", vuln: "GHSA-4v7x-pqxf-cx7m golang.org/x/net@0.17.0 0.23.0",
				resource: "Other:Go/golang.org/x/net@0.17.0", fields: map[string]string{findings.FieldPath: "/src/shop/go.mod"}},
			// No severity of its own: the group's max_severity 7.5 rates it.
			{index: 1, label: "HIGH", original: "", vuln: "GO-2024-2687 golang.org/x/net@0.17.0 0.23.0"},
		}},
		{"gosec.json", FormatGosec, 2, []check{
			{index: 0, title: "G101: Potential hardcoded credentials", label: "HIGH", original: "HIGH", product: "gosec",
				fields: map[string]string{"gosec/CWE": "CWE-798", "gosec/Confidence": "LOW", findings.FieldStartLine: "14"}},
			{index: 1, workflow: "SUPPRESSED", fields: map[string]string{findings.FieldStartLine: "30", findings.FieldEndLine: "32", "gosec/Line": "30-32"}},
		}},
		{"inspector2.json", FormatInspector2, 2, []check{
			{index: 0, title: "CVE-2024-0727 - openssl", label: "MEDIUM", original: "MEDIUM", product: "Inspector", vuln: "CVE-2024-0727 openssl@3.1.4 0:3.1.4-r5",
				resource: "AwsEcrContainerImage:arn:aws:ecr:eu-west-1:111122223333:repository/shop-api/sha256:4abcf20661432fb2d719aaf90656f55c287f8ca915dc1c92ec14ff61e67fbaf8",
				fields:   map[string]string{"aws/inspector/FindingArn": "arn:aws:inspector2:eu-west-1:111122223333:finding/0a1b2c3d4e5f60718293a4b5c6d7e8f9", "aws/inspector/inspectorScore": "5.5"}},
			{index: 1, label: "INFORMATIONAL", original: "UNTRIAGED", workflow: "RESOLVED", resource: "AwsEc2Instance:i-0123456789abcdef0"},
		}},
		{"asff.json", FormatASFF, 1, []check{
			{index: 0, id: "arn:aws:securityhub:eu-west-1:111122223333:example/finding/0001", title: "S3 bucket allows public read", label: "HIGH", original: "HIGH",
				resource: "AwsS3Bucket:arn:aws:s3:::shop-assets"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "reports", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Detect(data)
			if err != nil || got != tt.format {
				t.Fatalf("Detect = %q, %v; want %q", got, err, tt.format)
			}
			list, err := Parse(context.Background(), tt.format, data, testProv)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(list) != tt.count {
				t.Fatalf("got %d findings, want %d", len(list), tt.count)
			}
			for _, c := range tt.checks {
				c.verify(t, &list[c.index])
			}
			again, _ := Parse(context.Background(), tt.format, data, testProv)
			for i := range list {
				if err := list[i].Validate(); err != nil {
					t.Errorf("finding #%d: %v", i, err)
				}
				if _, err := findings.ToSDK(list[i]); err != nil {
					t.Errorf("finding #%d does not convert to the Security Hub SDK type: %v", i, err)
				}
				if again[i].Id != list[i].Id {
					t.Errorf("finding #%d: Id %s then %s: not deterministic", i, list[i].Id, again[i].Id)
				}
			}
			golden(t, strings.TrimSuffix(tt.file, filepath.Ext(tt.file))+filepath.Ext(tt.file)+".golden.json", list)
		})
	}
}

func (c check) verify(t *testing.T, f *findings.Finding) {
	t.Helper()
	if c.id != "" && f.Id != c.id {
		t.Errorf("#%d Id = %q, want %q", c.index, f.Id, c.id)
	}
	if c.id == "" && !(strings.HasPrefix(f.GeneratorId, "secops/") && strings.HasPrefix(f.Id, f.GeneratorId+"/")) && f.GeneratorId != "" && !strings.Contains(f.Id, ":") {
		t.Errorf("#%d Id %q is not a secops import Id", c.index, f.Id)
	}
	if c.title != "" && f.Title != c.title {
		t.Errorf("#%d Title = %q, want %q", c.index, f.Title, c.title)
	}
	if c.label != "" && f.Severity.Label != c.label {
		t.Errorf("#%d Severity.Label = %q, want %q", c.index, f.Severity.Label, c.label)
	}
	if (c.label != "" || c.original != "") && f.Severity.Original != c.original {
		t.Errorf("#%d Severity.Original = %q, want %q", c.index, f.Severity.Original, c.original)
	}
	if c.product != "" && f.ProductName != c.product {
		t.Errorf("#%d ProductName = %q, want %q", c.index, f.ProductName, c.product)
	}
	for k, v := range c.fields {
		if f.ProductFields[k] != v {
			t.Errorf("#%d ProductFields[%s] = %q, want %q", c.index, k, f.ProductFields[k], v)
		}
	}
	if c.resource != "" {
		if got := f.Resources[0].Type + ":" + f.Resources[0].Id; got != c.resource {
			t.Errorf("#%d resource = %q, want %q", c.index, got, c.resource)
		}
	}
	if c.vuln != "" {
		got := ""
		if len(f.Vulnerabilities) > 0 && len(f.Vulnerabilities[0].VulnerablePackages) > 0 {
			p := f.Vulnerabilities[0].VulnerablePackages[0]
			got = f.Vulnerabilities[0].Id + " " + p.Name + "@" + p.Version + " " + p.FixedInVersion
		}
		if got != c.vuln {
			t.Errorf("#%d vulnerability = %q, want %q", c.index, got, c.vuln)
		}
	}
	if c.recordState != "" && f.RecordState != c.recordState {
		t.Errorf("#%d RecordState = %q, want %q", c.index, f.RecordState, c.recordState)
	}
	if c.workflow != "" && (f.Workflow == nil || f.Workflow.Status != c.workflow) {
		t.Errorf("#%d Workflow = %+v, want %s", c.index, f.Workflow, c.workflow)
	}
	if c.remediation != "" && (f.Remediation == nil || f.Remediation.Recommendation == nil ||
		!strings.Contains(strings.ToLower(f.Remediation.Recommendation.Text), strings.ToLower(c.remediation))) {
		t.Errorf("#%d Remediation = %+v, want text containing %q", c.index, f.Remediation, c.remediation)
	}
}

func golden(t *testing.T, name string, list []findings.Finding) {
	t.Helper()
	got, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("findings differ from %s (run go test -update after checking the change):\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths differ"
}

// TestSecretsAreRedacted checks that no secret a tool reported reaches a
// finding: the fixtures' and the real gitleaks reports' Secret, Match and
// offender values appear nowhere in the findings.
func TestSecretsAreRedacted(t *testing.T) {
	files := []string{filepath.Join("testdata", "reports", "gitleaks-v8.json"), filepath.Join("testdata", "reports", "gitleaks-v7.json"),
		// Two secrets on one line: each leak's line holds the other's secret.
		filepath.Join("testdata", "reports", "gitleaks-v7-one-line.json")}
	if real, err := filepath.Glob(filepath.Join(reportsDir(t), "gitleaks", "*.json")); err == nil {
		files = append(files, real...)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var raw []map[string]any
		_ = json.Unmarshal(data, &raw)
		list, err := Parse(context.Background(), FormatGitleaks, data, testProv)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out, _ := json.Marshal(list)
		for _, leak := range raw {
			for _, key := range []string{"Secret", "Match", "offender", "line"} {
				s, _ := leak[key].(string)
				if len(s) < 6 {
					continue
				}
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("%s: the %s value %q reached the findings", filepath.Base(path), key, s[:3]+"…")
				}
			}
		}
	}
	// gosec's code snippet of a hard-coded credential is not kept either.
	data, _ := os.ReadFile(filepath.Join("testdata", "reports", "gosec.json"))
	list, _ := Parse(context.Background(), FormatGosec, data, testProv)
	if out, _ := json.Marshal(list); bytes.Contains(out, []byte("s3cr3t-Pa55w0rd")) {
		t.Error("gosec's code snippet with a credential reached the findings")
	}
}

func TestDetectErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"empty", nil, "", ErrEmptyReport},
		{"blank", []byte(" \n\t"), "", ErrEmptyReport},
		{"null", []byte("null\n"), "", ErrEmptyReport},
		{"empty array", []byte("[ ]"), "", ErrEmptyReport},
		{"binary", []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0xff, 0xfe}, "not a recognised report (binary data)", nil},
		{"gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0}, "gzip-compressed; decompress it first", nil},
		{"zip", []byte("PK\x03\x04\x14\x00"), "zip archive", nil},
		{"text", []byte("hello world"), `not a recognised report (text starting "hello world")`, nil},
		{"unknown JSON", []byte(`{"foo": 1, "bar": 2}`), "a JSON object with keys bar, foo", nil},
		{"empty object", []byte("{}\n"), "an empty JSON object ({}): it has no keys to tell the format by", nil},
		{"array of empty objects", []byte(`[{}, {}]`), "a JSON array of empty objects ({}): they have no keys to tell the format by", nil},
		{"shapes", []byte(`{}`), `SARIF {"version", "runs": [...]}`, nil},
		{"malformed JSON", []byte(`{"runs": [`), "the JSON is malformed", nil},
		{"array of numbers", []byte(`[1,2]`), "a JSON array of something other than objects", nil},
		{"unknown XML", []byte(`<?xml version="1.0"?><html/>`), "XML with root element <html>", nil},
		{"malformed XML", []byte(`<`), "the XML is malformed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Detect(tt.data)
			if err == nil {
				t.Fatalf("Detect = %q, want an error", f)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			if tt.want != "" && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "keys ;") || strings.HasSuffix(err.Error(), "keys ") {
				t.Errorf("err = %v: an empty list of keys", err)
			}
			if tt.is == nil && !strings.Contains(tt.name, "zip") && !strings.Contains(err.Error(), "sarif, dependency-check") && !strings.Contains(err.Error(), "SARIF {") {
				t.Errorf("err = %v, want it to list the formats", err)
			}
		})
	}
}

func TestParseEmptyAndBad(t *testing.T) {
	for _, f := range Formats() {
		for _, doc := range []string{"", "null", "[]", "  \n"} {
			list, err := Parse(context.Background(), f, []byte(doc), testProv)
			if err != nil || len(list) != 0 {
				t.Errorf("Parse(%s, %q) = %d findings, %v; want none and no error", f, doc, len(list), err)
			}
		}
		if _, err := Parse(context.Background(), f, []byte("{\"x\": [1, 2"), testProv); err == nil {
			t.Errorf("Parse(%s) of truncated JSON: no error", f)
		}
	}
	if _, err := Parse(context.Background(), "nessus", []byte("{}"), testProv); err == nil || !strings.Contains(err.Error(), "use one of") {
		t.Errorf("unknown format: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data, _ := os.ReadFile(filepath.Join("testdata", "reports", "trivy-image.json"))
	if _, err := Parse(ctx, FormatTrivy, data, testProv); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

func TestSizeCap(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 512 MiB")
	}
	big := make([]byte, MaxReportBytes+1)
	big[0] = '{'
	if _, err := Detect(big); err == nil || !strings.Contains(err.Error(), "larger than the 512 MiB limit") {
		t.Errorf("Detect: err = %v", err)
	}
	if _, err := Parse(context.Background(), FormatSARIF, big, testProv); err == nil || !strings.Contains(err.Error(), "larger than the 512 MiB limit") {
		t.Errorf("Parse: err = %v", err)
	}
}

func TestReadAll(t *testing.T) {
	data, err := ReadAll(strings.NewReader(`{"runs": []}`))
	if err != nil || string(data) != `{"runs": []}` {
		t.Errorf("ReadAll = %q, %v", data, err)
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", 300) // 600 bytes
	// ASFF limits count characters, as findings.Truncate does.
	got := findings.Truncate(long, maxTitle)
	if utf8.RuneCountInString(got) > maxTitle || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "éé") {
		t.Errorf("truncate: %d characters, %q…", utf8.RuneCountInString(got), got[:10])
	}
	if findings.Truncate("short", 10) != "short" {
		t.Error("truncate changed a short string")
	}
	f := newFinding(gosecTool, "r", "l", "G1")
	f.Title = strings.Repeat("t", 1000)
	f.Types = []string{typeCodeQuality}
	f.Severity = severity(findings.SeverityLow, "LOW")
	f.Resources = []findings.Resource{{Type: "Other", Id: "x"}}
	finish(&f, testProv)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if f.Description != f.Title {
		t.Errorf("Description falls back to the title: got %q", f.Description[:20])
	}
}

func TestCapTags(t *testing.T) {
	tags := map[string]string{}
	for i := 0; i < 60; i++ {
		tags[fmt.Sprintf("k%02d", i)] = "v"
	}
	got := capTags(tags, 50)
	if len(got) != 50 || got["k00"] != "v" || got["k49"] != "v" || got["k50"] != "" {
		t.Errorf("capTags kept %d tags: %v", len(got), got)
	}
	if capTags(map[string]string{}, 50) != nil {
		t.Error("no tags must give nil")
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(strings.ToUpper(string(f))); err != nil || got != f {
			t.Errorf("ParseFormat(%s) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("nessus"); err == nil || !strings.Contains(err.Error(), "gitleaks") {
		t.Errorf("ParseFormat(nessus): err = %v", err)
	}
}

// TestTrivySecretMatchIsRedacted checks that a Trivy secret's Match reaches
// a finding only as the gitleaks importer keeps a match: the secret, which
// Trivy masks with asterisks, replaced by REDACTED; a match where no mask
// shows where the secret is, hidden whole.
func TestTrivySecretMatchIsRedacted(t *testing.T) {
	tests := []struct {
		name, match string
		want        string // in the description
		never       []string
	}{
		{"masked by Trivy", `export GITHUB_TOKEN="****************************************"`,
			`matched "export GITHUB_TOKEN=\"REDACTED\""`, []string{"****"}},
		{"two secrets masked on one line", `AWS_ACCESS_KEY_ID=******************** AWS_SECRET_ACCESS_KEY=****************************************`,
			`matched "AWS_ACCESS_KEY_ID=REDACTED AWS_SECRET_ACCESS_KEY=REDACTED"`, []string{"****"}},
		{"not masked", `AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
			`matched "REDACTED(62 chars)"`, []string{"wJalrXUtnFEMI", "AWS_SECRET"}},
		{"a long line, masked", strings.Repeat("var a=1;", 400) + `k="********************"` + strings.Repeat("var b=2;", 400), `…" in deploy.sh line 3.`, []string{"****"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, _ := json.Marshal(tt.match)
			doc := `{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem","Results":[{"Target":"deploy.sh","Class":"secret","Secrets":[` +
				`{"RuleID":"aws-secret-access-key","Category":"AWS","Severity":"CRITICAL","Title":"AWS Secret Access Key","StartLine":3,"EndLine":3,"Match":` + string(match) + `}]}]}`
			list, err := Parse(context.Background(), FormatTrivy, []byte(doc), testProv)
			if err != nil || len(list) != 1 {
				t.Fatalf("Parse = %d findings, %v", len(list), err)
			}
			out, _ := json.Marshal(list[0])
			if !strings.Contains(list[0].Description, tt.want) {
				t.Errorf("description %q, want it to contain %q", list[0].Description, tt.want)
			}
			for _, s := range tt.never {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("the finding carries %q: %s", s, list[0].Description)
				}
			}
			if len(list[0].Description) > 400 {
				t.Errorf("description of %d bytes: the match is not cut", len(list[0].Description))
			}
		})
	}
}
