package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// reportsDir is /work/shared/reports seen from the repository root
// (../shared/reports), computed from this package's directory.
func reportsDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(wd, "..", "..")
	return filepath.Join(root, "..", "shared", "reports")
}

type expectedReport struct {
	Format   string           `json:"format"`
	File     string           `json:"file"`
	Findings int              `json:"findings"`
	Severity map[string]int   `json:"severity"`
	Spot     []map[string]any `json:"spot"`
	Extra    map[string]any   `json:"extra"`
}

func loadExpected(t *testing.T) (string, []expectedReport) {
	dir := reportsDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real reports not found at %s (they live next to the repository, in ../shared/reports)", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var exp []expectedReport
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatalf("expected.json: %v", err)
	}
	return dir, exp
}

var testProv = findings.Provenance{AwsAccountId: "111122223333", Region: "eu-west-1", Partition: "aws",
	ProductName: "secops", CompanyName: "secops", Now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}

// TestRealReports imports every real report listed in expected.json in
// place and checks the finding count, the count per severity word as the
// tool wrote it, and each spot-checked finding.
func TestRealReports(t *testing.T) {
	dir, exp := loadExpected(t)
	if len(exp) == 0 {
		t.Fatal("expected.json lists no reports")
	}
	for _, e := range exp {
		t.Run(e.Format+"/"+e.File, func(t *testing.T) {
			path := filepath.Join(dir, e.Format, e.File)
			data, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("%s is absent", path)
			}
			if err != nil {
				t.Fatal(err)
			}
			format := Format(e.Format)
			got, err := Detect(data)
			switch {
			case isEmptyDocument(data):
				if !errors.Is(err, ErrEmptyReport) {
					t.Errorf("Detect on an empty document = %q, %v; want ErrEmptyReport", got, err)
				}
			case err != nil:
				t.Fatalf("Detect: %v", err)
			case got != format:
				t.Fatalf("Detect = %q, want %q", got, format)
			}

			list, err := Parse(context.Background(), format, data, testProv)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			// A result the tool repeated identically is counted on the
			// finding it repeats (see repeatedResults): every result of
			// the report must be accounted for.
			results := 0
			for i := range list {
				results += occurrences(t, &list[i])
			}
			if results != e.Findings {
				t.Errorf("findings stand for %d results, want %d", results, e.Findings)
			}
			if want := e.Findings - repeatedResults[e.Format+"/"+e.File]; len(list) != want {
				t.Errorf("findings = %d, want %d", len(list), want)
			}
			for i := range list {
				if err := list[i].Validate(); err != nil {
					t.Errorf("finding #%d: %v", i+1, err)
				}
				// Every finding must also go to Security Hub as it is.
				if _, err := findings.ToSDK(list[i]); err != nil {
					t.Errorf("finding #%d does not convert to the Security Hub SDK type: %v", i+1, err)
				}
			}

			// Severity words exactly as the tool wrote them.
			bySeverity := map[string]int{}
			for i := range list {
				bySeverity[originalSeverity(format, &list[i])] += occurrences(t, &list[i])
			}
			want := e.Severity
			if len(want) == 0 && e.Findings > 0 {
				// The format states no severity (gitleaks): none may be invented.
				want = map[string]int{"(none)": e.Findings}
			}
			if !equalCounts(bySeverity, want) {
				t.Errorf("severity counts = %v, want %v", bySeverity, want)
			}

			checkFacts(t, format, e.Extra, list)

			for _, spot := range e.Spot {
				if format == FormatZAP && fmt.Sprint(spot["instances"]) == "0" {
					// An alert that lists no instance gives no finding.
					for i := range list {
						if list[i].ProductFields[findings.FieldRuleID] == fmt.Sprint(spot["pluginid"]) {
							t.Errorf("alert %v lists no instance but gave finding %s", spot["pluginid"], list[i].Id)
						}
					}
					continue
				}
				if !anyMatches(format, list, spot) {
					t.Errorf("no finding carries %v; first finding has %v", spot, spotFields(format, &list[0]))
				}
			}
		})
	}
}

func originalSeverity(format Format, f *findings.Finding) string {
	if format == FormatASFF {
		return f.SeverityLabel()
	}
	if f.Severity == nil || f.Severity.Original == "" {
		return "(none)"
	}
	return f.Severity.Original
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func anyMatches(format Format, list []findings.Finding, spot map[string]any) bool {
	for i := range list {
		have := spotFields(format, &list[i])
		ok := true
		for k, v := range spot {
			want := ""
			if v != nil {
				want = fmt.Sprint(v)
			}
			if have[k] != want {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// spotFields reads back from a finding the values expected.json names,
// using expected.py's field names.
func spotFields(format Format, f *findings.Finding) map[string]string {
	pf := f.ProductFields
	orig := ""
	if f.Severity != nil {
		orig = f.Severity.Original
	}
	vuln, pkg := "", ""
	if len(f.Vulnerabilities) > 0 {
		vuln = f.Vulnerabilities[0].Id
		if len(f.Vulnerabilities[0].VulnerablePackages) > 0 {
			p := f.Vulnerabilities[0].VulnerablePackages[0]
			pkg = p.Name + "@" + p.Version
		}
	}
	switch format {
	case FormatDependencyCheck:
		return map[string]string{"id": pf[findings.FieldRuleID], "dependency": pf["dependency-check/FileName"],
			"package": pf["dependency-check/Package"], "severity": orig, "source": pf["dependency-check/Source"]}
	case FormatZAP:
		first := strings.TrimSpace(pf["zap/Method"] + " " + pf["zap/URI"])
		if pf["zap/Param"] != "" {
			first += " param=" + pf["zap/Param"]
		}
		return map[string]string{"pluginid": pf[findings.FieldRuleID], "alert": pf["zap/Alert"], "risk": orig,
			"instances": pf["zap/AlertInstances"], "first_instance": first}
	case FormatSonarQube:
		return map[string]string{"rule": pf[findings.FieldRuleID], "component": pf["sonarqube/Component"],
			"line": pf[findings.FieldStartLine], "severity": orig, "type": pf["sonarqube/Type"], "status": pf["sonarqube/Status"]}
	case FormatTrivy:
		return map[string]string{"class": pf["trivy/Class"], "id": pf[findings.FieldRuleID], "package": pf["trivy/Package"],
			"status": pf["trivy/Status"], "severity": orig, "target": pf["trivy/Target"], "line": pf[findings.FieldStartLine]}
	case FormatGitleaks:
		commit := pf["gitleaks/Commit"]
		if len(commit) > 12 {
			commit = commit[:12]
		}
		return map[string]string{"rule": pf[findings.FieldRuleID], "file": pf[findings.FieldPath],
			"line": pf[findings.FieldStartLine], "commit": commit}
	case FormatSARIF:
		return map[string]string{"ruleId": pf[findings.FieldRuleID], "uri": pf[findings.FieldPath],
			"line": pf[findings.FieldStartLine], "level": orig}
	case FormatASFF:
		// The Id as the producer wrote it (see producerID).
		m := map[string]string{"Id": producerID(f), "GeneratorId": f.GeneratorId, "Severity": f.SeverityLabel()}
		if len(f.Resources) > 0 {
			m["Resource"] = f.Resources[0].Type + ":" + f.Resources[0].Id
		}
		if vuln != "" {
			m["Vulnerability"] = vuln + " " + pkg
		}
		return m
	case FormatInspector2:
		res := ""
		if len(f.Resources) > 0 {
			res = pf["inspector2/ResourceType"] + ":" + f.Resources[0].Id
		}
		return map[string]string{"vulnerabilityId": vuln, "type": pf["inspector2/Type"], "package": pkg,
			"severity": orig, "resource": res}
	case FormatOSVScanner:
		sev := orig
		if sev == "" {
			sev = "(none)"
		}
		return map[string]string{"id": pf[findings.FieldRuleID], "package": pf["osv-scanner/Package"],
			"severity": sev, "source": pf[findings.FieldPath]}
	case FormatGosec:
		return map[string]string{"rule_id": pf[findings.FieldRuleID], "cwe": pf["gosec/CWE"], "file": pf[findings.FieldPath],
			"line": pf["gosec/Line"], "severity": orig, "confidence": pf["gosec/Confidence"]}
	}
	return nil
}

// TestRealReportsIDs checks that findings of a real report share an Id
// only when they are the same problem reported twice (tools do repeat
// themselves): distinct problems must not collapse into one finding.
func TestRealReportsIDs(t *testing.T) {
	dir, exp := loadExpected(t)
	for _, e := range exp {
		if e.Format == string(FormatASFF) {
			continue // ASFF findings keep the Ids their producer gave them
		}
		t.Run(e.Format+"/"+e.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.Format, e.File))
			if err != nil {
				t.Skip(err)
			}
			list, err := Parse(context.Background(), Format(e.Format), data, testProv)
			if err != nil {
				t.Fatal(err)
			}
			first := map[string]string{}
			for i := range list {
				sig := signature(&list[i])
				if prev, ok := first[list[i].Id]; ok && prev != sig {
					t.Errorf("finding #%d shares Id %s with a different finding:\n%s\n%s", i+1, list[i].Id, prev, sig)
				}
				first[list[i].Id] = sig
			}
		})
	}
}

func signature(f *findings.Finding) string {
	b, _ := json.Marshal(struct {
		T, D string
		P    map[string]string
		S    *findings.Severity
		R    []findings.Resource
		V    []findings.Vulnerability
	}{f.Title, f.Description, f.ProductFields, f.Severity, f.Resources, f.Vulnerabilities})
	return string(b)
}

// checkFacts compares the secondary counts expected.json gives ("other
// facts") with the findings: per class, type, status, confidence, rule,
// source, and the number of distinct alerts and ASFF (ProductArn, Id)s.
func checkFacts(t *testing.T, format Format, extra map[string]any, list []findings.Finding) {
	t.Helper()
	count := func(name string, key func(*findings.Finding) string) {
		want, ok := extra[name].(map[string]any)
		if !ok {
			return
		}
		got := map[string]int{}
		for i := range list {
			got[key(&list[i])]++
		}
		wantInts := map[string]int{}
		for k, v := range want {
			wantInts[k] = int(v.(float64))
		}
		if !equalCounts(got, wantInts) {
			t.Errorf("%s = %v, want %v", name, got, wantInts)
		}
	}
	number := func(name string, got int) {
		if want, ok := extra[name].(float64); ok && int(want) != got {
			t.Errorf("%s = %d, want %d", name, got, int(want))
		}
	}
	pf := func(key string) func(*findings.Finding) string {
		return func(f *findings.Finding) string { return f.ProductFields[key] }
	}
	switch format {
	case FormatDependencyCheck:
		count("by_source", pf("dependency-check/Source"))
	case FormatZAP:
		alerts := map[string]bool{}
		for i := range list {
			alerts[list[i].ProductFields[findings.FieldTarget]+"\x00"+list[i].ProductFields[findings.FieldRuleID]+"\x00"+list[i].ProductFields["zap/Alert"]] = true
		}
		// Alerts that list no instance give no finding, so only an upper bound holds.
		if want, ok := extra["alerts"].(float64); ok && len(alerts) > int(want) {
			t.Errorf("%d distinct alerts, more than the %d in the report", len(alerts), int(want))
		}
	case FormatSonarQube:
		count("by_status", pf("sonarqube/Status"))
		if _, ok := extra["by_type"]; ok && extra["shape"] == "api/issues/search" {
			count("by_type", pf("sonarqube/Type"))
		}
	case FormatTrivy:
		classes := map[string]int{}
		for i := range list {
			classes[list[i].ProductFields["trivy/Class"]]++
		}
		number("vulnerabilities", classes["vuln"])
		number("misconfigurations", classes["misconfig"])
		number("secrets", classes["secret"])
		// Licenses are findings too (no real report here has any).
		number("licenses_not_counted", classes["license"])
	case FormatGitleaks:
		count("by_rule", pf(findings.FieldRuleID))
	case FormatASFF:
		count("by_RecordState", func(f *findings.Finding) string { return f.RecordState })
		// The report's own pairs: a finding that shared its producer's
		// Id with another was given a distinct one and keeps the
		// producer's in FieldProducerID.
		ids := map[string]bool{}
		for i := range list {
			ids[list[i].ProductArn+"\x00"+producerID(&list[i])] = true
		}
		number("distinct_ProductArn_Id", len(ids))
		with := 0
		for i := range list {
			if len(list[i].Vulnerabilities) > 0 {
				with++
			}
		}
		number("with_Vulnerabilities", with)
	case FormatInspector2:
		count("by_type", pf("inspector2/Type"))
		count("by_status", pf("aws/inspector/FindingStatus"))
	case FormatGosec:
		count("by_confidence", pf("gosec/Confidence"))
		count("by_rule", pf(findings.FieldRuleID))
	}
}

// producerID is the Id the producer gave an ASFF finding.
func producerID(f *findings.Finding) string {
	if id := f.ProductFields[FieldProducerID]; id != "" {
		return id
	}
	return f.Id
}
