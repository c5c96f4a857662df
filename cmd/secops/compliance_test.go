package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secops-dev/secops/internal/awstest"
	"github.com/secops-dev/secops/pkg/iostreams"
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
DOMAIN  SCORE  COMPLIANT  NON_COMPLIANT  NO DATA  NOT DEPLOYED  MANUAL  TITLE
2.5     75%    3          1              0        2             0       Authentication and Access Management

CONTROL  STATUS         RULES C/NC/?/-  TITLE
2.5.1    COMPLIANT      1/0/0/9         User Account Management
2.5.2    NOT_DEPLOYED   0/0/0/1         User Identification
2.5.3    NOT_DEPLOYED   0/0/0/5         User Authentication
2.5.4    NON_COMPLIANT  0/1/0/0         Password Management
2.5.5    COMPLIANT      1/0/0/6         Management of Special Accounts and Privileges
2.5.6    COMPLIANT      1/0/0/7         Review of Access Rights

6 controls with automated evidence: 1 NON_COMPLIANT, 2 NOT_DEPLOYED, 3 COMPLIANT
`
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}

	out, _, code = runWithConfig(t, replayConfig(t, "ismsp", ""), "compliance", "isms-p", "-o", "json")
	var rep struct {
		Summary  map[string]int   `json:"summary"`
		Controls []map[string]any `json:"controls"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Controls) != 32 || rep.Summary["manual"] != 33 {
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

func TestComplianceFlagsParse(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *ComplianceOptions
	cmd := newComplianceCmd(newFactory(ios), func(o *ComplianceOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"rules", "--pack", "Operational-Best-Practices-for-KISMS", "--status", "non_compliant"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.View != "rules" || got.Pack != "Operational-Best-Practices-for-KISMS" || got.Status != "NON_COMPLIANT" {
		t.Errorf("%+v", got)
	}
	cmd.SetArgs([]string{"isms-p", "--domain", "2.6", "--show-manual", "--evidence", "--lang", "ko"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.View != "isms-p" || got.Domain != "2.6" || !got.ShowManual || !got.Evidence || got.Lang != "ko" {
		t.Errorf("%+v", got)
	}
}
