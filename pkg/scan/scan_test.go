package scan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// fakeScanner returns canned results, standing in for real scanners.
type fakeScanner struct {
	name   string
	gens   []string
	result Result
	err    error
	panics bool
}

func (f *fakeScanner) Name() string           { return f.name }
func (f *fakeScanner) GeneratorIds() []string { return f.gens }
func (f *fakeScanner) Scan(ctx context.Context, root string, prov findings.Provenance) (Result, error) {
	if f.panics {
		panic("boom")
	}
	return f.result, f.err
}

func fakeFinding(gen, rule, path, severity string) findings.Finding {
	return findings.Finding{
		Id:            findings.NewID(gen, path, "1", rule),
		GeneratorId:   gen,
		Title:         rule + " in " + path,
		Description:   "test finding",
		Types:         []string{"Software and Configuration Checks/Vulnerabilities"},
		Severity:      findings.NewSeverity(severity, severity),
		Resources:     []findings.Resource{{Type: "Other", Id: path}},
		ProductFields: map[string]string{findings.FieldRuleID: rule, findings.FieldPath: path, findings.FieldTarget: "relative/elsewhere"},
	}
}

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func run(t *testing.T, root string, only []string, scanners ...Scanner) *Outcome {
	t.Helper()
	out, err := Run(context.Background(), Options{
		Root:       root,
		Scanners:   scanners,
		Only:       only,
		Provenance: findings.LocalProvenance(testNow, "secops"),
	})
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	return out
}

func TestRunCollectsAndScopes(t *testing.T) {
	root := t.TempDir()
	sca := &fakeScanner{name: "sca", gens: []string{"secops/sca"}, result: Result{
		Findings: []findings.Finding{fakeFinding("secops/sca", "GHSA-1", "go.mod", "HIGH"), fakeFinding("secops/sca", "GHSA-2", "go.mod", "CRITICAL")},
		Warnings: []string{"database is 9 days old"},
	}}
	secrets := &fakeScanner{name: "secrets", gens: []string{"secops/secrets"}, err: errors.New("disk on fire")}
	sast := &fakeScanner{name: "sast", gens: []string{"secops/sast/gosec", "secops/sast/semgrep"}, result: Result{
		Findings:   []findings.Finding{fakeFinding("secops/sast/gosec", "G101", "main.go", "MEDIUM")},
		Incomplete: true,
		Skipped:    []Skipped{{Path: "broken/x.go", Reason: "does not parse"}},
	}}
	out := run(t, root, nil, sca, secrets, sast)

	abs, _ := filepath.Abs(root)
	if out.Target != abs {
		t.Errorf("Target = %q, want %q", out.Target, abs)
	}
	var rules []string
	for _, f := range out.Findings {
		rules = append(rules, f.ProductFields[findings.FieldRuleID])
		if f.ProductFields[findings.FieldTarget] != abs {
			t.Errorf("finding %s target = %q", f.Id, f.ProductFields[findings.FieldTarget])
		}
		if err := f.Validate(); err != nil {
			t.Error(err)
		}
	}
	if want := []string{"GHSA-2", "GHSA-1", "G101"}; !reflect.DeepEqual(rules, want) {
		t.Errorf("findings = %v, want %v (most severe first)", rules, want)
	}
	if out.Scope == nil || !reflect.DeepEqual(out.Scope.GeneratorIds, []string{"secops/sca"}) {
		t.Fatalf("Scope = %+v, want only secops/sca (secrets failed, sast incomplete)", out.Scope)
	}
	if out.Scope.Target != abs || out.Scope.ProductArn != "arn:aws:securityhub:us-east-1:000000000000:product/000000000000/default" {
		t.Errorf("Scope = %+v", out.Scope)
	}
	err := out.Err()
	if err == nil || !strings.Contains(err.Error(), "secrets scanner: disk on fire") {
		t.Errorf("Err() = %v", err)
	}
	got := map[string]ScannerResult{}
	for _, r := range out.Results {
		got[r.Name] = r
	}
	if got["sca"].Found != 2 || len(got["sca"].Warnings) != 1 || !got["sca"].Complete() {
		t.Errorf("sca result = %+v", got["sca"])
	}
	if got["sast"].Found != 1 || len(got["sast"].Skipped) != 1 || got["sast"].Complete() {
		t.Errorf("sast result = %+v", got["sast"])
	}
	if got["secrets"].Complete() {
		t.Error("failed secrets scanner counted as complete")
	}
}

func TestRunGate(t *testing.T) {
	root := t.TempDir()
	s := &fakeScanner{name: "sast", gens: []string{"g"}, result: Result{Findings: []findings.Finding{
		fakeFinding("g", "G101", "a.go", "HIGH"),
		fakeFinding("g", "G204", "a.go", "MEDIUM"),
	}}}
	out := run(t, root, nil, s)
	tests := []struct {
		threshold string
		want      bool
	}{
		{"LOW", true}, {"MEDIUM", true}, {"HIGH", true}, {"CRITICAL", false}, {"", false}, {"bogus", false},
	}
	for _, tt := range tests {
		if got := out.FailOn(tt.threshold); got != tt.want {
			t.Errorf("FailOn(%q) = %v, want %v", tt.threshold, got, tt.want)
		}
	}
}

// TestUseStoredGate: the outcome shows what the store kept of each
// finding after the import (a user's workflow and note, the first
// sighting), and the gate counts only NEW and NOTIFIED findings.
func TestUseStoredGate(t *testing.T) {
	root := t.TempDir()
	s := &fakeScanner{name: "sast", gens: []string{"g"}, result: Result{Findings: []findings.Finding{
		fakeFinding("g", "G101", "a.go", "CRITICAL"),
		fakeFinding("g", "G102", "b.go", "HIGH"),
		fakeFinding("g", "G103", "c.go", "HIGH"),
		fakeFinding("g", "G104", "d.go", "MEDIUM"),
		fakeFinding("g", "G105", "e.go", "HIGH"),
	}}}
	out := run(t, root, nil, s)
	firstSeen := findings.FormatTime(testNow.AddDate(0, -1, 0))
	stored := func(i int, status string) findings.Finding {
		f := out.Findings[i]
		f.CreatedAt, f.FirstObservedAt = firstSeen, firstSeen
		f.Workflow = &findings.Workflow{Status: status}
		f.Note = &findings.Note{Text: "triaged " + status, UpdatedBy: "me", UpdatedAt: firstSeen}
		f.ProductFields = map[string]string{findings.FieldPending: "x"}
		return f
	}
	// out.Findings is sorted: G101 CRITICAL, G102, G103, G105 HIGH, G104 MEDIUM.
	// The store holds G105 under another product only: it is not the same finding.
	other := stored(3, findings.WorkflowSuppressed)
	other.ProductArn += "-other"
	out.UseStored([]findings.Finding{
		stored(0, findings.WorkflowNotified),
		stored(1, findings.WorkflowSuppressed),
		stored(2, findings.WorkflowResolved),
		stored(4, findings.WorkflowSuppressed),
		other,
	})
	wantStatus := []string{findings.WorkflowNotified, findings.WorkflowSuppressed, findings.WorkflowResolved, findings.WorkflowNew, findings.WorkflowSuppressed}
	for i := range out.Findings {
		f := &out.Findings[i]
		if got := f.WorkflowStatus(); got != wantStatus[i] {
			t.Errorf("finding %d (%s): workflow %s, want %s", i, f.Title, got, wantStatus[i])
		}
		if i == 3 {
			if f.CreatedAt == firstSeen || f.Note != nil {
				t.Errorf("finding the store does not hold took another's state: %+v", f)
			}
			continue
		}
		if f.CreatedAt != firstSeen || f.FirstObservedAt != firstSeen {
			t.Errorf("finding %d: CreatedAt %s FirstObservedAt %s, want the first sighting %s", i, f.CreatedAt, f.FirstObservedAt, firstSeen)
		}
		if f.Note == nil || f.Note.Text != "triaged "+wantStatus[i] {
			t.Errorf("finding %d: note %+v", i, f.Note)
		}
		if f.ProductFields[findings.FieldRuleID] == "" || f.ProductFields[findings.FieldPending] != "" {
			t.Errorf("finding %d: ProductFields %v, want the scan's own", i, f.ProductFields)
		}
	}

	tests := []struct {
		threshold       string
		counted, exempt int
	}{
		{"CRITICAL", 1, 0},
		{"HIGH", 2, 2},
		{"MEDIUM", 2, 3},
		{"LOW", 2, 3},
		{"", 0, 0},
	}
	for _, tt := range tests {
		g := out.Gate(tt.threshold)
		if g.Counted != tt.counted || g.Exempt != tt.exempt {
			t.Errorf("Gate(%q) = %+v, want %d counted, %d exempt", tt.threshold, g, tt.counted, tt.exempt)
		}
		if out.FailOn(tt.threshold) != (tt.counted > 0) {
			t.Errorf("FailOn(%q) = %v with %d counted", tt.threshold, !(tt.counted > 0), tt.counted)
		}
	}
}

func TestRunIgnoreFile(t *testing.T) {
	root := t.TempDir()
	ign := `- rule: G101
  reason: names of settings, not passwords
  expires: 2026-12-31
- rule: G204
  reason: was accepted until the refactor
  expires: 2026-01-31
`
	if err := os.WriteFile(filepath.Join(root, ".secopsignore"), []byte(ign), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &fakeScanner{name: "sast", gens: []string{"g"}, result: Result{Findings: []findings.Finding{
		fakeFinding("g", "G101", "a.go", "HIGH"),
		fakeFinding("g", "G204", "a.go", "MEDIUM"),
	}}}
	out := run(t, root, nil, s)
	if len(out.Findings) != 1 || out.Findings[0].ProductFields[findings.FieldRuleID] != "G204" {
		t.Errorf("active = %v, want only G204 (its entry expired)", out.Findings)
	}
	if len(out.Ignored) != 1 || out.Ignored[0].ProductFields[findings.FieldRuleID] != "G101" {
		t.Errorf("ignored = %v, want G101", out.Ignored)
	}
	if e := out.IgnoredBy[out.Ignored[0].Id]; e.Rule != "G101" || e.Reason != "names of settings, not passwords" {
		t.Errorf("IgnoredBy = %+v", out.IgnoredBy)
	}
	if len(out.ExpiredIgnores) != 1 || out.ExpiredIgnores[0].Rule != "G204" {
		t.Errorf("expired = %v", out.ExpiredIgnores)
	}
	if out.FailOn("HIGH") {
		t.Error("ignored HIGH finding still fails the gate")
	}
	if !out.FailOn("MEDIUM") {
		t.Error("MEDIUM finding whose ignore entry expired does not fail the gate")
	}
	if r := out.Results[0]; r.Found != 1 || r.Ignored != 1 {
		t.Errorf("result counts = %+v", r)
	}

	// A named ignore file that does not exist, or one that is malformed, stops the scan.
	_, err := Run(context.Background(), Options{Root: root, Scanners: []Scanner{s}, IgnoreFile: filepath.Join(root, "nope.yaml"), Provenance: findings.LocalProvenance(testNow, "secops")})
	if err == nil {
		t.Error("missing named ignore file: no error")
	}
	bad := filepath.Join(root, "bad.yaml")
	os.WriteFile(bad, []byte("- rule: G101\n"), 0o600)
	_, err = Run(context.Background(), Options{Root: root, Scanners: []Scanner{s}, IgnoreFile: bad, Provenance: findings.LocalProvenance(testNow, "secops")})
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:1:") {
		t.Errorf("malformed ignore file: error = %v, want one naming line 1", err)
	}
}

func TestRunSurvivesPanicsAndInvalidFindings(t *testing.T) {
	root := t.TempDir()
	broken := fakeFinding("g", "X", "a.go", "HIGH")
	broken.Title = ""
	good := fakeFinding("g", "Y", "a.go", "LOW")
	s1 := &fakeScanner{name: "sast", gens: []string{"g"}, result: Result{Findings: []findings.Finding{broken, good, good}}}
	s2 := &fakeScanner{name: "secrets", gens: []string{"s"}, panics: true}
	out := run(t, root, nil, s1, s2)
	if len(out.Findings) != 1 || out.Findings[0].ProductFields[findings.FieldRuleID] != "Y" {
		t.Errorf("findings = %v, want the valid one once", out.Findings)
	}
	if out.Results[0].Err == nil || !strings.Contains(out.Results[0].Err.Error(), "Title: required") {
		t.Errorf("invalid finding not reported: %v", out.Results[0].Err)
	}
	if out.Results[1].Err == nil || !strings.Contains(out.Results[1].Err.Error(), "boom") {
		t.Errorf("panic not reported: %v", out.Results[1].Err)
	}
	if out.Scope != nil {
		t.Errorf("Scope = %+v, want nil when no scanner completed", out.Scope)
	}
}

func TestSelect(t *testing.T) {
	all := []Scanner{&fakeScanner{name: "sca"}, &fakeScanner{name: "secrets"}, &fakeScanner{name: "sast"}}
	tests := []struct {
		only    []string
		want    []string
		wantErr string
	}{
		{nil, []string{"sca", "secrets", "sast"}, ""},
		{[]string{"sast", "SCA"}, []string{"sca", "sast"}, ""},
		{[]string{"secrets", ""}, []string{"secrets"}, ""},
		{[]string{"dast"}, nil, `unknown scanner "dast": use sca, secrets, sast`},
		{[]string{""}, nil, "no scanner selected"},
	}
	for _, tt := range tests {
		got, err := Select(all, tt.only)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Select(%v) error = %v, want %q", tt.only, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(Names(got), tt.want) {
			t.Errorf("Select(%v) = %v, %v; want %v", tt.only, Names(got), err, tt.want)
		}
	}
}

func TestRunRootErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, root := range []string{filepath.Join(t.TempDir(), "missing"), file} {
		_, err := Run(context.Background(), Options{Root: root, Provenance: findings.LocalProvenance(testNow, "secops")})
		if err == nil {
			t.Errorf("Run(%s): no error", root)
		}
	}
}
