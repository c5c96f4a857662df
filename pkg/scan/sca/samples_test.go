package sca

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/internal/sharedtest"

	"github.com/secops-dev/secops/pkg/findings"
)

func sharedOSV(t testing.TB) string { return sharedtest.Dir(t, "osv") }

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// sampleKey is the answer key of /work/shared/osv/README.md ("Samples:
// expected findings"), one entry per manifest, package, version and
// advisory, plus the Go standard library at go.mod's go line (with
// --go-version go.mod) as package stdlib.
var sampleKey = map[string][]string{
	"go.mod#golang.org/x/net@0.0.0-20210226172049-e18ecbb05110":    {"GO-2021-0238", "GO-2022-0288", "GO-2022-0969", "GO-2022-1144", "GO-2023-1571", "GO-2023-2102"},
	"go.mod#golang.org/x/text@0.3.5":                               {"GO-2021-0113", "GO-2022-1059"},
	"go.mod#golang.org/x/crypto@0.0.0-20200622213623-75b288015ac9": {"GO-2021-0227", "GO-2021-0356", "GO-2022-0968", "GO-2023-2402"},
	"go.mod#github.com/gin-gonic/gin@1.6.3":                        {"GO-2021-0052", "GO-2023-1737"},
	"go.mod#github.com/dgrijalva/jwt-go@3.2.0+incompatible":        {"GO-2020-0017"},
	"go.mod#stdlib@1.19":                                           {"GO-2022-0969", "GO-2022-1144", "GO-2023-1571", "GO-2023-2102"},

	"package-lock.json#axios@0.21.0":       {"GHSA-4w2v-q235-vp99", "GHSA-cph5-m8f7-6c5x", "GHSA-wf5p-g6vw-rhxx"},
	"package-lock.json#express@4.17.1":     {"GHSA-qw6h-vgh9-j6wx", "GHSA-rv95-896h-c2vc"},
	"package-lock.json#jsonwebtoken@8.5.1": {"GHSA-8cf7-32gw-wr33", "GHSA-hjrf-2m68-5959", "GHSA-qwph-4952-7xr6"},
	"package-lock.json#lodash@4.17.15":     {"GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"},
	"package-lock.json#minimist@1.2.5":     {"GHSA-xvch-5gv4-984h"},
	"package-lock.json#minimist@0.0.8":     {"GHSA-vh95-rmgr-6w4m", "GHSA-xvch-5gv4-984h"},
	"package-lock.json#qs@6.7.0":           {"GHSA-hrpp-h998-j3pp"},

	"pom.xml#org.apache.logging.log4j:log4j-core@2.14.1":        {"GHSA-7rjr-3q55-vv33", "GHSA-jfh8-c2jp-5v3q", "GHSA-p6xc-xr62-6r2g"},
	"pom.xml#org.springframework:spring-webmvc@5.3.17":          {"GHSA-36p3-wjmg-h94x"},
	"pom.xml#org.springframework:spring-beans@5.3.17":           {"GHSA-36p3-wjmg-h94x"},
	"pom.xml#com.fasterxml.jackson.core:jackson-databind@2.9.8": {"GHSA-57j2-w4cx-62h2", "GHSA-jjjh-jjxp-wpff"},
	"pom.xml#org.apache.commons:commons-text@1.9":               {"GHSA-599f-7c49-w659"},

	"requirements.txt#Django@2.2.10":   {"PYSEC-2020-31", "PYSEC-2020-36", "PYSEC-2021-98", "PYSEC-2022-190"},
	"requirements.txt#Flask@0.12.2":    {"PYSEC-2018-66", "PYSEC-2019-179", "PYSEC-2023-62"},
	"requirements.txt#Jinja2@2.10":     {"PYSEC-2019-217", "PYSEC-2021-66"},
	"requirements.txt#PyYAML@5.3":      {"PYSEC-2020-96", "PYSEC-2021-142"},
	"requirements.txt#requests@2.22.0": {"PYSEC-2023-74"},
	"requirements.txt#urllib3@1.24.1":  {"PYSEC-2019-132", "PYSEC-2019-133", "PYSEC-2020-148", "PYSEC-2021-108"},

	"Gemfile.lock#actionpack@6.0.3.4":   {"GHSA-7wjx-3g7j-8584", "GHSA-hjg4-8q5f-x6fm"},
	"Gemfile.lock#activerecord@6.0.3.4": {"GHSA-3hhc-qp5v-9p2j"},
	"Gemfile.lock#nokogiri@1.10.10":     {"GHSA-2rr5-8q37-2w7h", "GHSA-vr8q-g5c7-m54m"},
	"Gemfile.lock#rack@2.2.3":           {"GHSA-hxqx-xwvh-44m2", "GHSA-wq4h-7r42-5hrr"},

	"Cargo.lock#chrono@0.4.19":  {"RUSTSEC-2020-0159"},
	"Cargo.lock#regex@1.5.4":    {"RUSTSEC-2022-0013"},
	"Cargo.lock#smallvec@1.6.0": {"RUSTSEC-2021-0003"},
	"Cargo.lock#time@0.1.43":    {"RUSTSEC-2020-0071"},
}

// TestScanSamples scans the shared samples with the shared database as an
// offline database and expects exactly the answer key: no miss, no extra.
func TestScanSamples(t *testing.T) {
	osvDir := sharedOSV(t)
	samples := filepath.Join(osvDir, "samples")
	// The samples' go.mod has no toolchain directive; the key checks the
	// standard library at its go line, which --go-version go.mod asks for.
	s := New(Options{DBDir: osvDir, Offline: true, Now: func() time.Time { return testNow }, GoVersion: GoVersionFromGoLine})
	prov := findings.LocalProvenance(testNow, "secops")
	res, err := s.Scan(context.Background(), samples, prov)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 0 {
		t.Errorf("skipped: %+v", res.Skipped)
	}
	if res.Incomplete {
		t.Error("result marked incomplete")
	}
	var want []string
	uniq := map[string]bool{}
	for res, ids := range sampleKey {
		for _, id := range ids {
			want = append(want, res+" "+id)
			uniq[id] = true
		}
	}
	if len(uniq) != 63 {
		t.Fatalf("answer key table has %d unique ids, README says 63", len(uniq))
	}
	var got []string
	absSamples, _ := filepath.Abs(samples)
	for _, f := range res.Findings {
		if err := f.Validate(); err != nil {
			t.Errorf("invalid finding: %v", err)
		}
		got = append(got, f.Resources[0].Id+" "+f.ProductFields[findings.FieldRuleID])
		if f.ProductFields[findings.FieldTarget] != absSamples {
			t.Errorf("%s: Target %q, want %q", f.Id, f.ProductFields[findings.FieldTarget], absSamples)
		}
		if f.ProductFields[findings.FieldScanner] != "sca" || f.GeneratorId != "secops/sca" {
			t.Errorf("%s: scanner %q generator %q", f.Id, f.ProductFields[findings.FieldScanner], f.GeneratorId)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing finding: %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("unexpected finding: %s", g)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d findings, want %d", len(got), len(want))
	}
}

// TestSampleFindingShape pins one finding completely: log4j-core's
// Log4Shell advisory.
func TestSampleFindingShape(t *testing.T) {
	osvDir := sharedOSV(t)
	s := New(Options{DBDir: osvDir, Offline: true, Now: func() time.Time { return testNow }})
	res, err := s.Scan(context.Background(), filepath.Join(osvDir, "samples"), findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	var f *findings.Finding
	for i := range res.Findings {
		if res.Findings[i].ProductFields[findings.FieldRuleID] == "GHSA-jfh8-c2jp-5v3q" {
			f = &res.Findings[i]
		}
	}
	if f == nil {
		t.Fatal("no Log4Shell finding")
	}
	wantID := findings.NewID("secops/sca", "pom.xml#org.apache.logging.log4j:log4j-core", "2.14.1", "GHSA-jfh8-c2jp-5v3q")
	if f.Id != wantID {
		t.Errorf("Id = %s, want %s", f.Id, wantID)
	}
	if f.Title != "CVE-2021-44228: log4j-core 2.14.1 (fixed in 2.15.0)" {
		t.Errorf("Title = %q", f.Title)
	}
	if f.Severity.Label != "CRITICAL" || f.Severity.Original != "10.0" {
		t.Errorf("Severity = %+v", f.Severity)
	}
	v := f.Vulnerabilities[0]
	if v.Id != "GHSA-jfh8-c2jp-5v3q" || !slices.Contains(v.RelatedVulnerabilities, "CVE-2021-44228") || v.FixAvailable != "YES" {
		t.Errorf("Vulnerability = %+v", v)
	}
	if len(v.Cvss) == 0 || v.Cvss[0].Version != "3.1" || *v.Cvss[0].BaseScore != 10.0 {
		t.Errorf("Cvss = %+v", v.Cvss)
	}
	p := v.VulnerablePackages[0]
	if p.Name != "org.apache.logging.log4j:log4j-core" || p.Version != "2.14.1" || p.PackageManager != "Maven" || p.FilePath != "pom.xml" || p.FixedInVersion != "2.15.0" {
		t.Errorf("package = %+v", p)
	}
	if v.Vendor.Name != "OSV" || v.Vendor.Url != "https://osv.dev/vulnerability/GHSA-jfh8-c2jp-5v3q" {
		t.Errorf("vendor = %+v", v.Vendor)
	}
	if f.Remediation.Recommendation.Text != "Upgrade org.apache.logging.log4j:log4j-core to 2.15.0 or later." {
		t.Errorf("remediation = %q", f.Remediation.Recommendation.Text)
	}
	if f.Resources[0].Type != "Other" || f.Resources[0].Id != "pom.xml#org.apache.logging.log4j:log4j-core@2.14.1" {
		t.Errorf("resource = %+v", f.Resources[0])
	}
	if f.ProductFields[findings.FieldPath] != "pom.xml" || f.ProductFields[findings.FieldStartLine] == "" {
		t.Errorf("product fields = %v", f.ProductFields)
	}
	if !strings.Contains(strings.Join(f.Types, ","), "Vulnerabilities/CVE") {
		t.Errorf("types = %v", f.Types)
	}
}
