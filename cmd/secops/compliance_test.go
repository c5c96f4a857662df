package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secops-dev/secops/internal/awstest"
	"github.com/secops-dev/secops/pkg/compliance"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
)

// replayConfig serves pkg/compliance's recorded AWS Config responses in
// call order (awsJson1_1), or answers every call with errCode.
func replayConfig(t *testing.T, scenario, errCode string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "pkg", "compliance", "testdata", "config", scenario, "[0-9][0-9]-*.json"))
	sort.Strings(files)
	next := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "StarlingDoveService.")
		if errCode != "" {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]string{"__type": errCode, "message": "denied by test"})
			return
		}
		if next >= len(files) || !strings.HasSuffix(files[next], "-"+op+".json") {
			t.Errorf("unexpected call %s (next recorded %d/%d)", op, next, len(files))
			w.WriteHeader(400)
			return
		}
		b, _ := os.ReadFile(files[next])
		next++
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func runWithConfig(t *testing.T, endpoint string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := newFactory(ios)
	f.AWSConfig = func(ctx context.Context) (aws.Config, error) {
		cfg := awstest.Config("ap-northeast-2")
		cfg.BaseEndpoint = aws.String(endpoint)
		return cfg, nil
	}
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(errOut)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	ctx := context.Background()
	err := root.ExecuteContext(ctx)
	code = exitCode(ctx, ios, err)
	return out.String(), errOut.String(), code
}

func TestComplianceISMSPCommand(t *testing.T) {
	out, errOut, code := runWithConfig(t, replayConfig(t, "ismsp", ""), "compliance", "isms-p", "--domain", "2.5", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `backend: aws-config (ap-northeast-2) · framework: ISMS-P · packs: Operational-Best-Practices-for-KISMS · domain: 2.5
DOMAIN  SCORE  COMPLIANT  PARTIAL  NON_COMPLIANT  NO DATA  NOT DEPLOYED  MANUAL  N/A  TITLE
  2.5   75%    3          0        1              0        2             0       0    Authentication and Access Management

CONTROL  STATUS         RULES C/NC/?/-  TITLE
2.5.1    COMPLIANT      1/0/0/9         User Account Management
2.5.2    NOT_DEPLOYED   0/0/0/1         User Identification
2.5.3    NOT_DEPLOYED   0/0/0/5         User Authentication
2.5.4    NON_COMPLIANT  0/1/0/0         Password Management
2.5.5    COMPLIANT      1/0/0/6         Management of Special Accounts and Privileges
2.5.6    COMPLIANT      1/0/0/7         Review of Access Rights

6 controls: 1 NON_COMPLIANT, 2 NOT_DEPLOYED, 3 COMPLIANT · score 75%
`
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}

	out, _, code = runWithConfig(t, replayConfig(t, "ismsp", ""), "compliance", "isms-p", "-o", "json")
	var rep struct {
		Summary  map[string]int   `json:"summary"`
		Controls []map[string]any `json:"controls"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Controls) != 101 || rep.Summary["manual"] != 69 || rep.Summary["partial"] != 1 {
		t.Errorf("json: exit %d, %d controls, summary %v", code, len(rep.Controls), rep.Summary)
	}
}

func TestComplianceResourcesCommand(t *testing.T) {
	out, errOut, code := runWithConfig(t, replayConfig(t, "resources", ""), "compliance", "resources", "cloud-trail-cloud-watch-logs-enabled-conformance-pack-x7k2q9wmz", "-o", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "rule,resource_type,resource_id,status,annotation,recorded_at\n" +
		"cloud-trail-cloud-watch-logs-enabled-conformance-pack-x7k2q9wmz,AWS::CloudTrail::Trail,arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/management-events,NON_COMPLIANT,The trail does not deliver logs to CloudWatch Logs.,2025-11-26T23:35:00Z\n" +
		"cloud-trail-cloud-watch-logs-enabled-conformance-pack-x7k2q9wmz,AWS::CloudTrail::Trail,arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/org-trail,COMPLIANT,,2025-11-26T23:35:00Z\n" +
		"cloud-trail-cloud-watch-logs-enabled-conformance-pack-x7k2q9wmz,AWS::CloudTrail::Trail,arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/data-events,NON_COMPLIANT,The trail does not deliver logs to CloudWatch Logs.,2025-11-26T23:36:00Z\n"
	if out != want {
		t.Errorf("csv:\n%s\nwant:\n%s", out, want)
	}
}

func TestComplianceErrors(t *testing.T) {
	tests := []struct {
		args    []string
		errCode string
		want    string
	}{
		{[]string{"compliance"}, "AccessDeniedException", "allow the IAM action config:DescribeConformancePacks"},
		{[]string{"compliance", "rules", "--pack", "nope"}, "NoSuchConformancePackException", `conformance pack "nope" does not exist in this Region`},
		{[]string{"compliance", "rules", "--status", "broken"}, "", `status "BROKEN" is not one of`},
		{[]string{"compliance", "resources"}, "", "accepts 1 arg(s)"},
		{[]string{"compliance", "resources", "r", "--status", "insufficient_data"}, "", "cannot filter resources on INSUFFICIENT_DATA"},
		{[]string{"compliance", "isms-p", "-o", "sarif"}, "", `unknown output format "sarif"`},
		{[]string{"compliance", "isms-p", "--lang", "fr"}, "", `--lang "fr": use en or ko`},
		{[]string{"compliance", "isms-p", "--domain", "9.9"}, "x", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			endpoint := "http://127.0.0.1:1"
			if tt.errCode != "" && tt.errCode != "x" {
				endpoint = replayConfig(t, "", tt.errCode)
			}
			if tt.errCode == "x" {
				endpoint = replayConfig(t, "ismsp", "")
				tt.want = `--domain "9.9" matches no ISMS-P control`
			}
			_, errOut, code := runWithConfig(t, endpoint, tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

// TestComplianceFlagsParse parses each command's flags into its options
// without running anything.
func TestComplianceFlagsParse(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := newFactory(ios)
	var rules *complianceRulesOptions
	cmd := newCmdComplianceRules(f, func(o *complianceRulesOptions) error { rules = o; return nil })
	cmd.SetArgs([]string{"--pack", "Operational-Best-Practices-for-KISMS", "--status", "non_compliant"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if rules.Pack != "Operational-Best-Practices-for-KISMS" || rules.Status != "NON_COMPLIANT" || rules.Format != "table" {
		t.Errorf("rules %+v", rules)
	}
	var res *complianceResourcesOptions
	cmd = newCmdComplianceResources(f, func(o *complianceResourcesOptions) error { res = o; return nil })
	cmd.SetArgs([]string{"restricted-ssh-x", "--pack", "p", "--status", "compliant"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if res.Rule != "restricted-ssh-x" || res.Pack != "p" || res.Status != "COMPLIANT" {
		t.Errorf("resources %+v", res)
	}
	var isms *ismspOptions
	cmd = newCmdComplianceISMSP(f, func(o *ismspOptions) error { isms = o; return nil })
	cmd.SetArgs([]string{"--domain", "2.6", "--show-manual", "--evidence", "--lang", "KO", "--manual", "m.yaml", "--diff", "old.json", "--from", "new.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if isms.Domain != "2.6" || !isms.ShowManual || !isms.Evidence || isms.Lang != "ko" || isms.Manual != "m.yaml" || isms.Diff != "old.json" || isms.From != "new.json" {
		t.Errorf("isms-p %+v", isms)
	}
	cmd = newCmdComplianceISMSP(newFactory(ios), func(o *ismspOptions) error { isms = o; return nil })
	cmd.SetArgs([]string{"--save", "s.json", "--report", "XLSX", "--output-file", "audit.xlsx", "--no-findings"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if isms.Save != "s.json" || isms.Report != "xlsx" || isms.OutputFile != "audit.xlsx" || !isms.NoFindings || isms.Lang != "en" {
		t.Errorf("isms-p %+v", isms)
	}
}

// TestISMSPFlagCombinations refuses what cannot mean anything, before
// touching AWS or a file.
func TestISMSPFlagCombinations(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--report", "pdf"}, `--report "pdf": use html, xlsx, json or md`},
		{[]string{"--lang", "jp"}, `--lang "jp": use en or ko`},
		{[]string{"--from", "a.json", "--save", "b.json"}, "--save records AWS Config, --from reads a saved snapshot: use one of them"},
		{[]string{"--report", "html", "--domain", "2.5"}, "--domain filters the terminal view; a report covers all 101 controls"},
		{[]string{"--output-file", "x.html"}, "--output-file is where --report or --manual-template writes"},
		{[]string{"--manual-template", "--from", "a.json"}, "--manual-template writes a checklist and nothing else"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ran := false
			cmd := newCmdComplianceISMSP(newFactory(ios), func(*ismspOptions) error { ran = true; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			var ue *usageError
			if ran || !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ran %v, err %v, want a usage error %q", ran, err, tt.want)
			}
		})
	}
}

// demoSnapshot is the demo snapshot shipped in testdata.
func demoSnapshot(t *testing.T, name string) string {
	return filepath.Join(repoRoot(t), "testdata", "compliance", name)
}

// TestISMSPFromSnapshotWritesEveryFormat renders the demo snapshot, with
// no AWS at all, in each report format.
func TestISMSPFromSnapshotWritesEveryFormat(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		format, lang, check string
	}{
		{"html", "ko", `<html lang="ko">`},
		{"md", "en", "# ISMS-P audit report"},
		{"json", "en", `"kind": "secops/isms-p-report"`},
		{"xlsx", "ko", "PK\x03\x04"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(dir, "report."+tt.format)
			stdout, stderr, code := runWithConfig(t, "http://127.0.0.1:1", "compliance", "isms-p",
				"--from", demoSnapshot(t, "isms-p-snapshot.json"), "--manual", demoSnapshot(t, "isms-p-manual.yaml"),
				"--diff", demoSnapshot(t, "isms-p-snapshot-2026-05.json"), "--report", tt.format, "--lang", tt.lang, "--output-file", out)
			if code != 0 || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, "backend: snapshot "+demoSnapshot(t, "isms-p-snapshot.json")+" (318426790154, ap-northeast-2, taken 2026-11-30T01:12:00Z)") ||
				!strings.Contains(stderr, "Wrote the ISMS-P report to "+out+": 101 controls, score 39% (15 compliant, 18 partial, 5 non-compliant, 59 manual).") {
				t.Errorf("stderr %s", stderr)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.check
			if tt.format == "xlsx" {
				want = "PK\x03\x04"
			}
			if !strings.Contains(string(data), want) {
				t.Errorf("%s does not contain %q", out, want)
			}
		})
	}
	// - is standard output; a binary format is not sent to a terminal.
	stdout, _, code := runWithConfig(t, "http://127.0.0.1:1", "compliance", "isms-p", "--from", demoSnapshot(t, "isms-p-snapshot.json"), "--report", "json", "--output-file", "-")
	var rep struct {
		Controls []any `json:"controls"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || len(rep.Controls) != 101 {
		t.Errorf("--output-file -: exit %d, %d controls", code, len(rep.Controls))
	}
}

func TestISMSPXLSXRefusesATerminal(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	opts := &ismspOptions{IO: ios, Progress: func() *progress.Reporter { return nil }, Now: time.Now,
		Format: "table", Lang: "en", From: demoSnapshot(t, "isms-p-snapshot.json"), Report: "xlsx", OutputFile: "-"}
	err := ismspRun(context.Background(), opts)
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--report xlsx is binary: give --output-file FILE") || out.Len() != 0 {
		t.Errorf("err %v, %d bytes written", err, out.Len())
	}
}

// fakeFindings is a findings store of a few open findings.
type fakeFindings struct {
	list   []findings.Finding
	closed bool
}

func (s *fakeFindings) Backend() string { return "local (test)" }
func (s *fakeFindings) Query(_ context.Context, q findings.Query) ([]findings.Finding, error) {
	var out []findings.Finding
	for i := range s.list {
		if q.Matches(&s.list[i]) {
			out = append(out, s.list[i])
		}
	}
	return out, nil
}
func (s *fakeFindings) Import(context.Context, []findings.Finding, findings.ImportOptions) (findings.ImportResult, error) {
	return findings.ImportResult{}, errors.New("read only")
}
func (s *fakeFindings) Get(context.Context, string) (findings.Finding, error) {
	return findings.Finding{}, findings.ErrNotFound
}
func (s *fakeFindings) Update(context.Context, findings.Update) (findings.UpdateResult, error) {
	return findings.UpdateResult{}, errors.New("read only")
}
func (s *fakeFindings) Close() error { s.closed = true; return nil }

// TestISMSPSave records a snapshot from the recorded AWS Config responses
// and the findings store, then renders it with --from: the same report.
func TestISMSPSave(t *testing.T) {
	dir := t.TempDir()
	snapPath := filepath.Join(dir, "isms-p-2025-11-27.json")
	ios, _, out, errOut := iostreams.Test()
	cfg := awstest.Config("ap-northeast-2")
	cfg.BaseEndpoint = aws.String(replayConfig(t, "ismsp-save", ""))
	store := &fakeFindings{list: []findings.Finding{{
		Id: "secops/sca/1", Title: "CVE-2021-44228: log4j-core 2.14.1 (fixed in 2.15.0)", ProductName: "secops",
		Types: []string{"Software and Configuration Checks/Vulnerabilities/CVE"}, Severity: &findings.Severity{Label: "CRITICAL"},
		Resources: []findings.Resource{{Id: "billing/pom.xml"}},
	}}}
	now := time.Date(2025, 11, 27, 0, 0, 0, 0, time.UTC)
	opts := &ismspOptions{
		IO:       ios,
		Config:   func(context.Context) (complianceReader, error) { return compliance.NewFromConfig(cfg), nil },
		Findings: func(context.Context) (findings.Store, error) { return store, nil },
		Progress: func() *progress.Reporter { return nil },
		Now:      func() time.Time { return now },
		Format:   "table", Lang: "en", Save: snapPath, Domain: "2.11",
	}
	if err := ismspRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !store.closed {
		t.Error("findings store left open")
	}
	if !strings.Contains(errOut.String(), "Saved the ISMS-P snapshot of 123456789012, ap-northeast-2 to "+snapPath+": 12 rules, 3 non-compliant resources, 1 open findings from local (test).") {
		t.Errorf("stderr %s", errOut.String())
	}
	// The table shows the findings: 2.11.2 fails on the open CRITICAL.
	if !strings.Contains(out.String(), "2.11.2   NON_COMPLIANT  0/0/0/4         1 HIGH+ / 1") {
		t.Errorf("table:\n%s", out.String())
	}
	saved, err := compliance.ReadSnapshot(snapPath)
	if err != nil {
		t.Fatal(err)
	}
	if !saved.TakenAt.Equal(now) || saved.Account != "123456789012" || saved.Findings == nil || saved.Findings.Kinds[0].Open != 1 {
		t.Errorf("saved %+v", saved)
	}
	// --from renders the same view without AWS.
	ios2, _, out2, _ := iostreams.Test()
	opts2 := &ismspOptions{IO: ios2, Progress: func() *progress.Reporter { return nil }, Now: opts.Now,
		Format: "table", Lang: "en", From: snapPath, Domain: "2.11"}
	if err := ismspRun(context.Background(), opts2); err != nil {
		t.Fatal(err)
	}
	body := func(s string) string { return s[strings.Index(s, "\n"):] } // past the header, which names the backend
	if body(out2.String()) != body(out.String()) {
		t.Errorf("--from shows\n%s\nthe live run showed\n%s", out2.String(), out.String())
	}
}

func TestISMSPManualTemplate(t *testing.T) {
	stdout, _, code := runWithConfig(t, "http://127.0.0.1:1", "compliance", "isms-p", "--manual-template", "--lang", "ko")
	if code != 0 || !strings.HasPrefix(stdout, "# ISMS-P 수동 증적 체크리스트") || strings.Count(stdout, "  - id: ") != 69 || !strings.Contains(stdout, "  # 3.5.3 정보주체에 대한 통지\n  - id: \"3.5.3\"\n") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	// A broken checklist names the file and line.
	bad := filepath.Join(t.TempDir(), "m.yaml")
	os.WriteFile(bad, []byte("schema_version: 1\ncontrols:\n  - id: \"9.9.9\"\n"), 0o644)
	_, stderr, code := runWithConfig(t, "http://127.0.0.1:1", "compliance", "isms-p", "--from", demoSnapshot(t, "isms-p-snapshot.json"), "--manual", bad)
	if code != 2 || !strings.Contains(stderr, bad+`:3: control "9.9.9" is not an ISMS-P 2023 control`) || !strings.Contains(stderr, "--manual-template") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}
