package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/secops-dev/secops/pkg/findings"
)

// testdata/sarif-schema-2.1.0.json is the official SARIF 2.1.0 schema as
// OASIS published it with errata 01
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
// unchanged. It is the copy gosec v2.30.0 tests against
// (report/sarif/testdata/sarif-schema-2.1.0.json). The working copy in
// github.com/oasis-tcs/sarif-spec (Schemata/sarif-schema-2.1.0.json at
// 85971b3e048f61a6d643b95fc6233d073302f5b8) is not usable: it declares JSON
// Schema 2020-12 but has region's "anyOf" inside "properties", which the
// 2020-12 metaschema rejects.
var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	path := filepath.Join("testdata", "sarif-schema-2.1.0.json")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri, uri-reference and date-time are checked too
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

func validateSARIF(t *testing.T, doc []byte) error {
	t.Helper()
	sch, err := sarifSchema()
	if err != nil {
		t.Fatalf("load SARIF schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	absolute := sastFinding()
	absolute.ProductFields[findings.FieldPath] = "/home/runner/work/app/main.go"
	windows := sastFinding()
	windows.ProductFields[findings.FieldPath] = `C:\src\app\main.go`
	spaces := secretFinding()
	spaces.ProductFields[findings.FieldPath] = "deploy/my config #1.env"
	noLine := secretFinding()
	delete(noLine.ProductFields, findings.FieldStartLine)
	noRemediation := dastFinding()
	noRemediation.Remediation = nil
	relativeURL := dastFinding()
	relativeURL.Remediation.Recommendation.Url = "docs/fix.md"
	spacedURL := sastFinding()
	spacedURL.ProductFields[findings.FieldRuleID] = "G202"
	spacedURL.Remediation.Recommendation.Url = " https://example.com/fix this?q=a b "
	rich, err := findings.DecodeBytes([]byte(richFindingJSON))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		list  []findings.Finding
		opts  Options
		limit int
	}{
		{"sample", sampleFindings(), Options{ToolName: "secops", ToolVersion: "1.2.3"}, MaxSARIFResults},
		{"empty", nil, Options{}, MaxSARIFResults},
		{"capped with notification", sampleFindings(), Options{ToolName: "secops scan"}, 3},
		{"odd paths and urls", []findings.Finding{absolute, windows, spaces, noLine, noRemediation, relativeURL, spacedURL}, Options{}, MaxSARIFResults},
		{"imported with extra attributes", rich, Options{ToolName: "GuardDuty"}, MaxSARIFResults},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := encodeIndented(&buf, buildSARIF(tt.list, tt.opts, tt.limit)); err != nil {
				t.Fatal(err)
			}
			if err := validateSARIF(t, buf.Bytes()); err != nil {
				t.Fatalf("output is not valid SARIF 2.1.0: %v\n%s", err, buf.String())
			}
			checkGitHubRules(t, buf.Bytes())
		})
	}
}

// checkGitHubRules checks what the schema allows but GitHub code scanning
// rejects (the whole upload, not just the result): a result without a
// location, a location without a physical artifact, a region that ends
// before it starts; and more than 25,000 results in a run.
func checkGitHubRules(t *testing.T, doc []byte) {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(doc, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	if n := len(log.Runs[0].Results); n > MaxSARIFResults {
		t.Errorf("%d results in a run", n)
	}
	for _, r := range log.Runs[0].Results {
		if len(r.Locations) == 0 {
			t.Errorf("result %s has no location", r.RuleID)
		}
		for _, l := range r.Locations {
			p := l.PhysicalLocation
			if p == nil || p.ArtifactLocation.URI == "" {
				t.Errorf("result %s: location without an artifact: %+v", r.RuleID, l)
				continue
			}
			if p.Region == nil || p.Region.StartLine < 1 || (p.Region.EndLine != 0 && p.Region.EndLine < p.Region.StartLine) {
				t.Errorf("result %s: bad region %+v", r.RuleID, p.Region)
			}
		}
	}
}

// TestSARIFSchemaRejectsBrokenDocuments proves the validator above can fail:
// each document is our own output with one thing broken.
func TestSARIFSchemaRejectsBrokenDocuments(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, SARIF, sampleFindings(), Options{ToolName: "secops"}); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if err := validateSARIF(t, good); err != nil {
		t.Fatalf("baseline document is invalid: %v", err)
	}
	tests := []struct {
		name    string
		breakIt func(doc map[string]any)
	}{
		{"no version", func(d map[string]any) { delete(d, "version") }},
		{"wrong version", func(d map[string]any) { d["version"] = "2.0.0" }},
		{"level is not a SARIF level", func(d map[string]any) { result(d, 0)["level"] = "critical" }},
		{"result without message", func(d map[string]any) { delete(result(d, 0), "message") }},
		{"startLine 0", func(d map[string]any) { region(d, 0)["startLine"] = 0 }},
		{"region without a start", func(d map[string]any) {
			r := region(d, 0)
			delete(r, "startLine")
			delete(r, "endLine")
		}},
		{"ruleIndex below -1", func(d map[string]any) { result(d, 0)["ruleIndex"] = -2 }},
		{"unknown result property", func(d map[string]any) { result(d, 0)["severity"] = "HIGH" }},
		{"driver without name", func(d map[string]any) { delete(driver(d), "name") }},
		{"informationUri not a URI", func(d map[string]any) { driver(d)["informationUri"] = "not a uri" }},
		{"tags not strings", func(d map[string]any) {
			rules := driver(d)["rules"].([]any)
			rules[0].(map[string]any)["properties"].(map[string]any)["tags"] = []any{1, 2}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(good, &doc); err != nil {
				t.Fatal(err)
			}
			tt.breakIt(doc)
			bad, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateSARIF(t, bad); err == nil {
				t.Errorf("validator accepted a document with %s", tt.name)
			}
		})
	}
}

func run0(d map[string]any) map[string]any { return d["runs"].([]any)[0].(map[string]any) }
func driver(d map[string]any) map[string]any {
	return run0(d)["tool"].(map[string]any)["driver"].(map[string]any)
}
func result(d map[string]any, i int) map[string]any {
	return run0(d)["results"].([]any)[i].(map[string]any)
}
func region(d map[string]any, i int) map[string]any {
	loc := result(d, i)["locations"].([]any)[0].(map[string]any)
	return loc["physicalLocation"].(map[string]any)["region"].(map[string]any)
}

func TestSARIFMapping(t *testing.T) {
	list := sampleFindings()
	second := sastFinding() // same rule G201, another place
	second.ProductFields[findings.FieldPath] = "internal/store/orders.go"
	second.Id = findings.NewID("secops-sast", "internal/store/orders.go", "9", "G201")
	second.Severity = findings.NewSeverity(findings.SeverityHigh, "HIGH")
	list = append(list, second)

	log := buildSARIF(list, Options{ToolName: "secops", ToolVersion: "1.2.3"}, MaxSARIFResults)
	run := log.Runs[0]
	if run.AutomationDetails.ID != "secops/" {
		t.Errorf("automationDetails.id = %q", run.AutomationDetails.ID)
	}
	if got := buildSARIF(nil, Options{ToolName: "secops scan image"}, 1).Runs[0].AutomationDetails.ID; got != "secops/secops-scan-image/" {
		t.Errorf("automationDetails.id for a named tool = %q", got)
	}
	if len(run.Results) != len(list) {
		t.Fatalf("%d results, want %d", len(run.Results), len(list))
	}
	seen := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
	}
	if len(run.Tool.Driver.Rules) != len(list)-1 {
		t.Errorf("%d rules, want %d (G201 shared)", len(run.Tool.Driver.Rules), len(list)-1)
	}
	byRule := map[string]sarifRule{}
	for i, r := range run.Results {
		if rule := run.Tool.Driver.Rules[r.RuleIndex]; rule.ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %d points at %s, ruleId is %s", i, r.RuleIndex, rule.ID, r.RuleID)
		}
		if r.PartialFingerprints[fingerprintKey] != list[i].Id {
			t.Errorf("result %d: fingerprint %v, want the finding Id", i, r.PartialFingerprints)
		}
		byRule[r.RuleID] = run.Tool.Driver.Rules[r.RuleIndex]
	}

	want := []struct {
		rule, level, severity, uri, base string
		start, end                       int
		logical                          []string
	}{
		{"aws-access-token", "error", "9.5", "config/settings.py", "%SRCROOT%", 14, 14, nil},
		{"CVE-2024-5535", "error", "9.1", "arn:aws:ecr:ap-northeast-2:123456789012:repository/shop/web", "", 1, 0,
			[]string{"resource arn:aws:ecr:ap-northeast-2:123456789012:repository/shop/web", "module openssl@3.0.13-r0"}},
		{"CVE-2021-23337", "error", "7.2", "app/package-lock.json", "%SRCROOT%", 1, 0, []string{"module lodash@4.17.20"}},
		{"G201", "warning", "8.0", "internal/store/users.go", "%SRCROOT%", 41, 43, nil},
		{"security-control/S3.5", "warning", "5.5", "arn:aws:s3:::shop-logs-123456789012", "", 1, 0,
			[]string{"resource arn:aws:s3:::shop-logs-123456789012"}},
		{"10038", "note", "2.0", "http://127.0.0.1:8080/login", "", 1, 0, []string{"resource http://127.0.0.1:8080/login"}},
		{"G101", "note", "0.0", "%E6%96%87%E6%A1%A3/%E7%A4%BA%E4%BE%8B.go", "%SRCROOT%", 7, 0, nil},
	}
	for i, w := range want {
		r := run.Results[i]
		if r.RuleID != w.rule || r.Level != w.level {
			t.Errorf("result %d: rule %s level %s, want %s %s", i, r.RuleID, r.Level, w.rule, w.level)
		}
		// G201's rule takes the severity of its most severe finding (HIGH).
		if got := byRule[w.rule].Properties.SecuritySeverity; got != w.severity {
			t.Errorf("rule %s: security-severity %s, want %s", w.rule, got, w.severity)
		}
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation == nil {
			t.Errorf("result %d: want exactly one location with a physical location, got %+v", i, r.Locations)
			continue
		}
		loc := r.Locations[0]
		p := loc.PhysicalLocation
		if p.ArtifactLocation.URI != w.uri || p.ArtifactLocation.URIBaseID != w.base {
			t.Errorf("result %d: artifact %+v, want %s under %q", i, p.ArtifactLocation, w.uri, w.base)
		}
		if p.Region == nil || p.Region.StartLine != w.start || p.Region.EndLine != w.end {
			t.Errorf("result %d: region %+v, want %d-%d", i, p.Region, w.start, w.end)
		}
		var logical []string
		for _, l := range loc.LogicalLocations {
			logical = append(logical, l.Kind+" "+l.Name)
		}
		if strings.Join(logical, "|") != strings.Join(w.logical, "|") {
			t.Errorf("result %d: logical locations %q, want %q", i, logical, w.logical)
		}
	}
	if got := run.Results[2].Message.Text; got != "lodash 4.17.20: Command Injection in lodash (lodash@4.17.20, fixed in 4.17.21)" {
		t.Errorf("vulnerability message = %q", got)
	}
	if r := byRule["CVE-2021-23337"]; r.HelpURI != "https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm" || r.Help == nil {
		t.Errorf("rule help = %+v %q", r.Help, r.HelpURI)
	}
	if run.OriginalURIBaseIDs[sarifSrcRoot].Description == nil {
		t.Errorf("originalUriBaseIds lacks %s", sarifSrcRoot)
	}
}

func TestSARIFSecuritySeverity(t *testing.T) {
	f := scaFinding()
	if got := securitySeverity(&f); got != "7.2" {
		t.Errorf("CVSS 7.2 HIGH = %s", got)
	}
	// A user re-rated the finding CRITICAL: the label wins over CVSS.
	f.Severity = findings.NewSeverity(findings.SeverityCritical, "")
	if got := securitySeverity(&f); got != "9.5" {
		t.Errorf("re-rated = %s, want 9.5", got)
	}
	f = sastFinding()
	if got := securitySeverity(&f); got != "5.5" {
		t.Errorf("MEDIUM without CVSS = %s", got)
	}
}

func TestSARIFArtifactLocation(t *testing.T) {
	for _, tt := range []struct{ in, uri string }{
		{"http://127.0.0.1:8080/login?next=/admin", "http://127.0.0.1:8080/login?next=/admin"},
		{"arn:aws:s3:::shop-logs", "arn:aws:s3:::shop-logs"},
		{"123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/web:1.2", "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/web:1.2"},
		{"my image name", "my%20image%20name"},
	} {
		if got := resourceLocation(tt.in); got.URI != tt.uri || got.URIBaseID != "" {
			t.Errorf("resourceLocation(%q) = %+v, want %q", tt.in, got, tt.uri)
		}
	}
	tests := []struct{ in, uri, base string }{
		{"src/main.go", "src/main.go", "%SRCROOT%"},
		{"./src/../src/main.go", "src/main.go", "%SRCROOT%"},
		{`src\win\main.go`, "src/win/main.go", "%SRCROOT%"},
		{"/abs/path/main.go", "file:///abs/path/main.go", ""},
		{`C:\src\main.go`, "file:///C:/src/main.go", ""},
		{"dir with space/a#b?.go", "dir%20with%20space/a%23b%3F.go", "%SRCROOT%"},
		{"a:b/c.go", "./a:b/c.go", "%SRCROOT%"},
	}
	for _, tt := range tests {
		got := artifactLocation(tt.in)
		if got.URI != tt.uri || got.URIBaseID != tt.base {
			t.Errorf("artifactLocation(%q) = %q under %q, want %q under %q", tt.in, got.URI, got.URIBaseID, tt.uri, tt.base)
		}
	}
}

func TestSARIFCapsResultsPerRun(t *testing.T) {
	base := dastFinding()
	list := make([]findings.Finding, MaxSARIFResults+1)
	for i := range list {
		f := base
		f.Id = fmt.Sprintf("secops-dast/%032d", i)
		list[i] = f
	}
	// The last finding is the only CRITICAL one: it must survive the cap.
	crit := secretFinding()
	list[len(list)-1] = crit

	log := buildSARIF(list, Options{}, MaxSARIFResults)
	run := log.Runs[0]
	if len(run.Results) != MaxSARIFResults {
		t.Fatalf("%d results, want %d", len(run.Results), MaxSARIFResults)
	}
	last := run.Results[len(run.Results)-1]
	if last.PartialFingerprints[fingerprintKey] != crit.Id {
		t.Errorf("the CRITICAL finding was dropped; last result is %v", last.PartialFingerprints)
	}
	if run.Results[0].PartialFingerprints[fingerprintKey] != list[0].Id {
		t.Errorf("order not kept among equal severities")
	}
	if len(run.Invocations) != 1 || len(run.Invocations[0].ToolExecutionNotifications) != 1 {
		t.Fatalf("no notification about the cap: %+v", run.Invocations)
	}
	n := run.Invocations[0].ToolExecutionNotifications[0]
	if n.Level != "warning" || !strings.Contains(n.Message.Text, "1 of 25001 findings were left out") {
		t.Errorf("notification = %+v", n)
	}
	if small := buildSARIF(list[:10], Options{}, MaxSARIFResults); small.Runs[0].Invocations != nil {
		t.Errorf("notification without a cap: %+v", small.Runs[0].Invocations)
	}
}

func TestAbsoluteURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm", "https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm"},
		{" https://example.com/fix this ", "https://example.com/fix%20this"},
		{"docs/fix.md", ""},
		{"mailto:security@example.com", ""},
		{"", ""},
		{"http://[::1", ""},
	}
	for _, tt := range tests {
		if got := absoluteURL(tt.in); got != tt.want {
			t.Errorf("absoluteURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSARIFEveryLocationOfARepeatedPackage: a package installed at several
// places of one lockfile gives one result with every place, in order.
func TestSARIFEveryLocationOfARepeatedPackage(t *testing.T) {
	f := scaFinding()
	f.ProductFields[findings.FieldPath] = "app/package-lock.json"
	f.ProductFields[findings.FieldStartLine] = "12"
	f.ProductFields[findings.FieldLines] = "12,40,77"
	var buf bytes.Buffer
	if err := Write(&buf, SARIF, []findings.Finding{f}, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := validateSARIF(t, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, l := range log.Runs[0].Results[0].Locations {
		lines = append(lines, l.PhysicalLocation.Region.StartLine)
	}
	if fmt.Sprint(lines) != "[12 40 77]" {
		t.Errorf("locations at lines %v, want [12 40 77]", lines)
	}
}
