package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer/sonarqube"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/scan"
)

// refusingStore takes nothing: every finding comes back in Failed, as
// Security Hub answers a finding it will not take.
type refusingStore struct{ imported int }

func (r *refusingStore) Backend() string { return "refusing" }
func (r *refusingStore) Import(_ context.Context, list []findings.Finding, _ findings.ImportOptions) (findings.ImportResult, error) {
	var res findings.ImportResult
	for _, f := range list {
		r.imported++
		res.Failed = append(res.Failed, findings.FailedFinding{Id: f.Id, ErrorCode: "InvalidInput", ErrorMessage: "refused for the test"})
	}
	return res, nil
}
func (r *refusingStore) Get(context.Context, string) (findings.Finding, error) {
	return findings.Finding{}, findings.ErrNotFound
}
func (r *refusingStore) Close() error { return nil }

// TestScanCommandsAgreeOnRefusedFindings: every scan command treats
// findings the store refused the same way: the report still shows them,
// each refused one is named on stderr, and the command exits 2 after the
// report, whatever --fail-on says.
func TestScanCommandsAgreeOnRefusedFindings(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Server", "Apache/2.4.1")
		w.Write([]byte("<html><body>hello</body></html>"))
	}))
	defer page.Close()
	image := imageTarball(t)
	db := filepath.Join(repoRoot(t), "pkg", "scan", "image", "testdata", "db")

	commands := map[string]func(c scanCommon) error{
		"scan": func(c scanCommon) error {
			o := &ScanOptions{scanCommon: c, Path: t.TempDir(), Scanners: func(*ScanOptions) []scan.Scanner {
				return []scan.Scanner{&cannedScanner{name: "sast", list: []findings.Finding{canned("sast", "G101", "HIGH")}}}
			}}
			return scanRun(context.Background(), o)
		},
		"scan image": func(c scanCommon) error {
			o := &scanImageOptions{scanCommon: c, Ref: image}
			o.DBDir, o.Offline = db, true
			return scanImageRun(context.Background(), o)
		},
		"scan dast": func(c scanCommon) error {
			o := &scanDastOptions{scanCommon: c, URL: page.URL + "/", Rate: -1, MaxDepth: 1, Concurrency: 1, Timeout: 5 * time.Second, MaxDuration: time.Minute, PassiveOnly: true}
			return scanDastRun(context.Background(), o)
		},
		"scan sonarqube": func(c scanCommon) error {
			o := &scanSonarqubeOptions{scanCommon: c, Getenv: func(string) string { return "" },
				Pull: func(context.Context, sonarqube.Options) ([]findings.Finding, error) {
					return []findings.Finding{sonarFinding(t, "HIGH", "NEW")}, nil
				},
				URL: "https://sonar.example.com", Project: "shop", Hotspots: true, HotspotStatus: "TO_REVIEW", TokenEnv: "SONAR_TOKEN"}
			return scanSonarqubeRun(context.Background(), o)
		},
	}
	for name, run := range commands {
		t.Run(name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			st := &refusingStore{}
			c := scanCommon{
				scanDeps: scanDeps{
					IO: ios, Now: time.Now, Output: "json",
					Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, false, false) },
					Store:    func(context.Context) (scanStore, error) { return st, nil },
				},
				scanFlags: scanFlags{FailOn: findings.SeverityLow},
			}
			err := run(c)
			if code := exitCode(context.Background(), ios, err); code != exitFailure {
				t.Fatalf("exit %d (%v), want 2", code, err)
			}
			var printed []json.RawMessage
			if err := json.Unmarshal(out.Bytes(), &printed); err != nil || len(printed) == 0 || len(printed) != st.imported {
				t.Fatalf("stdout is not the %d findings: %v\n%.300s", st.imported, err, out.String())
			}
			if got := strings.Count(errOut.String(), "not stored: "); got != st.imported {
				t.Errorf("%d 'not stored' lines for %d refused findings:\n%s", got, st.imported, errOut.String())
			}
			for _, want := range []string{"backend: refusing", "Stored: 0 new, 0 updated, 0 archived.", "the findings store refused"} {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
				}
			}
		})
	}
}

// TestScanDastAppliesIgnoreFile: an accepted DAST finding (a header the
// team decided not to set) is ignored by --ignore-file and by
// .secopsignore in the working directory, as for every scan.
func TestScanDastAppliesIgnoreFile(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>hello</body></html>"))
	}))
	defer page.Close()
	run := func(ignoreFile string) (*scanDastOptions, string) {
		ios, _, out, _ := iostreams.Test()
		o := &scanDastOptions{scanCommon: scanCommon{scanDeps: scanDeps{
			IO: ios, Now: time.Now, Output: "json",
			Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, false, false) },
		}, scanFlags: scanFlags{NoStore: true, IgnoreFile: ignoreFile}},
			URL: page.URL + "/", Rate: -1, MaxDepth: 1, Concurrency: 1, Timeout: 5 * time.Second, MaxDuration: time.Minute, PassiveOnly: true}
		if err := scanDastRun(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		return o, out.String()
	}
	_, first := run("")
	list, err := findings.DecodeBytes([]byte(first))
	if err != nil || len(list) == 0 {
		t.Fatalf("no findings to ignore: %v\n%s", err, first)
	}
	rule := list[0].ProductFields[findings.FieldRuleID]
	if rule == "" {
		t.Fatalf("finding without a rule id: %+v", list[0])
	}
	ignore := filepath.Join(t.TempDir(), "accepted.yaml")
	writeFile(t, ignore, "- rule: "+rule+"\n  reason: set by the load balancer, not the app\n")
	_, second := run(ignore)
	if strings.Contains(second, `"`+rule+`"`) {
		t.Errorf("--ignore-file did not apply to %s:\n%s", rule, second)
	}

	// The default: .secopsignore in the working directory.
	t.Chdir(filepath.Dir(ignore))
	writeFile(t, ".secopsignore", "- rule: "+rule+"\n  reason: set by the load balancer, not the app\n")
	_, third := run("")
	if strings.Contains(third, `"`+rule+`"`) {
		t.Errorf(".secopsignore in the working directory did not apply to %s:\n%s", rule, third)
	}
}

func writeFile(t *testing.T, name, body string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}
