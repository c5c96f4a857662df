package compliance

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

func TestSnapshotRoundTrip(t *testing.T) {
	path := filepath.Join(demoDir, "isms-p-snapshot.json")
	s, err := ReadSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "again.json")
	if err := SaveSnapshot(out, s); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Error("a snapshot read and saved again differs from the original")
	}
	// SaveSnapshot leaves no temporary file behind.
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("directory holds %d files", len(entries))
	}
}

func TestReadSnapshotRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	report := filepath.Join("testdata", "golden", "report.json")
	for _, tt := range []struct {
		path, want string
	}{
		{report, `this is a "secops/isms-p-report" document, not an ISMS-P snapshot: write one with 'secops compliance isms-p --save FILE'`},
		{write("asff.json", `{"Findings":[]}`), "not an ISMS-P snapshot"},
		{write("v2.json", `{"kind":"secops/isms-p-snapshot","schemaVersion":2,"takenAt":"2026-01-01T00:00:00Z","region":"x","conformancePacks":[],"rules":[]}`), "schema version 2 is not supported by this secops"},
		{write("notime.json", `{"kind":"secops/isms-p-snapshot","schemaVersion":1,"region":"x","conformancePacks":[],"rules":[]}`), "no takenAt"},
		{write("badstatus.json", `{"kind":"secops/isms-p-snapshot","schemaVersion":1,"takenAt":"2026-01-01T00:00:00Z","region":"x","conformancePacks":[],"rules":[{"name":"r","status":"MAYBE"}]}`), `status "MAYBE"`},
		{write("two.json", `{"kind":"secops/isms-p-snapshot","schemaVersion":1,"takenAt":"2026-01-01T00:00:00Z","region":"x","conformancePacks":[],"rules":[]} {}`), "more than one JSON document"},
		{dir, "it is a directory"},
		{filepath.Join(dir, "missing.json"), "no such file"},
	} {
		_, err := ReadSnapshot(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", filepath.Base(tt.path), err, tt.want)
		}
	}
}

// failingFindings is a store that cannot be read.
type failingFindings struct{}

func (failingFindings) Backend() string { return "securityhub (ap-northeast-2)" }
func (failingFindings) Query(context.Context, findings.Query) ([]findings.Finding, error) {
	return nil, errors.New("Security Hub is not enabled in ap-northeast-2")
}

func TestSnapshotKeepsGoingWithoutFindings(t *testing.T) {
	model := demoModel(t, false)
	snap, err := model.serve(t).Snapshot(context.Background(), SnapshotOptions{Findings: failingFindings{}, Now: func() time.Time { return demoTaken }})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Findings == nil || snap.Findings.Error != "Security Hub is not enabled in ap-northeast-2" || len(snap.Findings.Kinds) != 0 {
		t.Errorf("findings %+v", snap.Findings)
	}
	// Without Resources, only rule states are read: no evaluation times, no resources.
	for _, r := range snap.Rules {
		if !r.LastEvaluated.IsZero() || len(r.NonCompliant) > 0 {
			t.Fatalf("rule %s read in detail: %+v", r.Name, r)
		}
	}
	rep, _ := BuildReport(snap, ReportOptions{})
	var buf bytes.Buffer
	if err := WriteISMSP(&buf, FormatTable, rep, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Findings were not read (Security Hub is not enabled in ap-northeast-2): the report shows AWS Config evidence only.") {
		t.Errorf("table does not say the findings are missing:\n%s", buf.String())
	}
}

// TestSnapshotCapsResources checks a rule with more non-compliant
// resources than a snapshot keeps: the first MaxResourcesPerRule are
// recorded, read in pages of 100, and the rule says there were more.
func TestSnapshotCapsResources(t *testing.T) {
	model := demoModel(t, false)
	for i := range model.rules {
		r := &model.rules[i]
		if r.identifier == "S3_BUCKET_LOGGING_ENABLED" {
			r.resources = nil
			for j := range MaxResourcesPerRule + 150 {
				r.resources = append(r.resources, Resource{Type: "AWS::S3::Bucket", ID: "bucket-" + strings.Repeat("x", j%3) + string(rune('a'+j%26)) + string(rune('0'+j%10)), RecordedAt: demoTaken})
			}
		}
	}
	snap, err := model.serve(t).Snapshot(context.Background(), SnapshotOptions{Resources: true, Now: func() time.Time { return demoTaken }})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range snap.Rules {
		if r.Identifier == "S3_BUCKET_LOGGING_ENABLED" && (len(r.NonCompliant) != MaxResourcesPerRule || !r.MoreNonCompliant) {
			t.Errorf("%s: %d resources, more %v", r.Name, len(r.NonCompliant), r.MoreNonCompliant)
		}
	}
}

func TestDiffBetweenDemoSnapshots(t *testing.T) {
	rep := demoReport(t)
	d := rep.Changes
	if d == nil {
		t.Fatal("no changes")
	}
	ids := func(list []ControlChange) string {
		var out []string
		for _, c := range list {
			out = append(out, c.ID+":"+c.From+">"+c.To)
		}
		return strings.Join(out, " ")
	}
	// Worked out from the two demo accounts: the export bucket lost TLS-only
	// access (2.10.5); MFA for IAM users and the root account were fixed
	// (2.5.3, 2.5.5); 2.11.2 had only failing findings and now also passing
	// Inspector and ECR scanning rules, which secops's pack added along
	// with the rules that gave 2.5.2, 2.10.9 and 2.11.1 a first state.
	if got := ids(d.Regressed); got != "2.10.5:COMPLIANT>PARTIAL" {
		t.Errorf("regressed %s", got)
	}
	if got := ids(d.Improved); got != "2.5.3:NON_COMPLIANT>PARTIAL 2.5.5:PARTIAL>COMPLIANT 2.11.2:NON_COMPLIANT>PARTIAL" {
		t.Errorf("improved %s", got)
	}
	if got := ids(d.Changed); got != "2.5.2:NOT_DEPLOYED>INSUFFICIENT_DATA 2.10.9:NOT_DEPLOYED>COMPLIANT 2.11.1:NOT_DEPLOYED>COMPLIANT" {
		t.Errorf("changed %s", got)
	}
	if len(d.New) != 8 || len(d.Resolved) != 5 || d.Unchanged != 94 || len(d.Warnings) != 0 {
		t.Errorf("%d new, %d resolved, %d unchanged, warnings %v", len(d.New), len(d.Resolved), d.Unchanged, d.Warnings)
	}
	// Resources are matched by what the rule checks: the packs' rule names differ.
	for _, r := range d.New {
		if r.Identifier == "ALB_WAF_ENABLED" && (r.Rule != "alb-waf-enabled-conformance-pack-k3v8q2xno" || strings.Join(r.Controls, ",") != "2.6.1,2.6.2,2.10.1,2.10.2") {
			t.Errorf("new %+v", r)
		}
	}
	// Comparing a snapshot with itself, or with another account, says so.
	cur, _ := ReadSnapshot(filepath.Join(demoDir, "isms-p-snapshot.json"))
	other := *cur
	other.Account, other.Region = "111122223333", "us-east-1"
	same, _ := BuildReport(cur, ReportOptions{Previous: &other})
	if w := strings.Join(same.Changes.Warnings, "; "); !strings.Contains(w, "account 111122223333, this one of 318426790154") ||
		!strings.Contains(w, "Region us-east-1") || !strings.Contains(w, "is not older than this one") {
		t.Errorf("warnings %q", w)
	}
	if same.Changes.Unchanged != 101 || len(same.Changes.New)+len(same.Changes.Resolved) != 0 {
		t.Errorf("self diff %+v", same.Changes)
	}
}

// TestSnapshotFromRecordedConfig is --save against recorded AWS Config
// responses: the rule states, then one DescribeConfigRuleEvaluationStatus
// call for the 11 mapped rules, then the non-compliant resources of the two
// failing mapped rules through their conformance pack (requests.golden
// holds every request).
func TestSnapshotFromRecordedConfig(t *testing.T) {
	c := newRecordedConfig(t, "ismsp-save")
	now := time.Date(2025, 11, 27, 0, 0, 0, 0, time.UTC)
	s, err := c.Snapshot(context.Background(), SnapshotOptions{Resources: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Account != "123456789012" || s.Region != "ap-northeast-2" || !s.TakenAt.Equal(now) || len(s.Packs) != 6 || len(s.Rules) != 12 || s.Findings != nil {
		t.Fatalf("snapshot %s %s %s, %d packs, %d rules", s.Account, s.Region, s.TakenAt, len(s.Packs), len(s.Rules))
	}
	got := map[string]string{}
	for _, r := range s.Rules {
		var res []string
		for _, x := range r.NonCompliant {
			res = append(res, x.ID+"@"+x.RecordedAt.Format(time.RFC3339))
		}
		got[r.Name] = r.LastEvaluated.Format(time.RFC3339) + " " + strings.Join(res, ",")
	}
	for name, want := range map[string]string{
		"cloud-trail-cloud-watch-logs-enabled-conformance-pack-x7k2q9wmz": "2025-11-26T23:17:21Z arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/management-events@2025-11-26T23:35:00Z,arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/data-events@2025-11-26T23:36:00Z",
		"iam-password-policy-conformance-pack-x7k2q9wmz":                  "2025-11-26T23:28:40Z 123456789012@2025-11-26T23:36:40Z",
		"guardduty-malware-protection-enabled":                            "0001-01-01T00:00:00Z ",
		"tagging-policy-check":                                            "0001-01-01T00:00:00Z ", // not mapped: status only
	} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
	rep, err := BuildReport(s, ReportOptions{GeneratedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	c233, _ := rep.Control("2.3.3")
	if c233.Status != StatusNonCompliant || !c233.EvaluatedAt.Equal(time.Date(2025, 11, 26, 23, 17, 21, 0, time.UTC)) || len(c233.Evidence[0].NonCompliant) != 2 {
		t.Errorf("2.3.3: %s at %s, %+v", c233.Status, c233.EvaluatedAt, c233.Evidence)
	}
}
