package localstore

import (
	"context"
	stdjson "encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func openTemp(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data", "findings.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

const testProduct = "arn:aws:securityhub:us-east-1:000000000000:product/000000000000/default"

// vuln builds a realistic SCA finding (about 1.5 KB of JSON) for package
// number i, stamped with the local provenance at now.
func vuln(i int, label, target string, now time.Time) findings.Finding {
	pkg := fmt.Sprintf("pkg-%05d", i)
	cve := fmt.Sprintf("CVE-2025-%05d", i)
	resource := fmt.Sprintf("%s/go.mod:%s@v1.%d.0", target, pkg, i%7)
	score := 7.5
	f := findings.Finding{
		Id:          findings.NewID("secops/sca", resource, "", cve),
		GeneratorId: "secops/sca",
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CVE"},
		Title:       fmt.Sprintf("%s in %s", cve, pkg),
		Description: strings.Repeat(fmt.Sprintf("A flaw in %s lets a remote attacker cause a denial of service. ", pkg), 5),
		Severity:    findings.NewSeverity(label, label),
		Remediation: &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: fmt.Sprintf("Upgrade %s to v1.%d.1 or later.", pkg, i%7),
			Url:  "https://osv.dev/vulnerability/" + cve,
		}},
		SourceUrl: "https://osv.dev/vulnerability/" + cve,
		ProductFields: map[string]string{
			findings.FieldTarget:  target,
			findings.FieldScanner: "osv",
			findings.FieldRuleID:  cve,
			findings.FieldPath:    "go.mod",
		},
		Resources: []findings.Resource{{Type: "Other", Id: resource}},
		Vulnerabilities: []findings.Vulnerability{{
			Id: cve,
			VulnerablePackages: []findings.SoftwarePackage{{
				Name: pkg, Version: fmt.Sprintf("v1.%d.0", i%7), PackageManager: "Go", FilePath: "go.mod",
				FixedInVersion: fmt.Sprintf("v1.%d.1", i%7),
			}},
			Cvss:          []findings.Cvss{{Version: "3.1", BaseScore: &score, BaseVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}},
			Vendor:        &findings.VulnerabilityVendor{Name: "OSV", Url: "https://osv.dev/vulnerability/" + cve},
			ReferenceUrls: []string{"https://nvd.nist.gov/vuln/detail/" + cve, "https://github.com/advisories/" + cve},
			FixAvailable:  "YES",
		}},
	}
	findings.LocalProvenance(now, "secops").Stamp(&f)
	return f
}

func ids(list []findings.Finding) []string {
	out := make([]string, len(list))
	for i, f := range list {
		out[i] = f.Id
	}
	return out
}

func mustImport(t testing.TB, s *Store, list []findings.Finding, opts findings.ImportOptions) findings.ImportResult {
	t.Helper()
	res, err := s.Import(context.Background(), list, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustQuery(t testing.TB, s *Store, q findings.Query) []findings.Finding {
	t.Helper()
	list, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// normalize encodes f so two findings compare by their JSON documents.
func normalize(t testing.TB, f findings.Finding) string {
	t.Helper()
	b, err := stdjson.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func normalizeAll(t testing.TB, list []findings.Finding) []string {
	out := make([]string, len(list))
	for i, f := range list {
		out[i] = normalize(t, f)
	}
	return out
}
