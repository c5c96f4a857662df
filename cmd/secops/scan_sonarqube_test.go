package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer/sonarqube"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/localstore"
	"github.com/secops-dev/secops/pkg/progress"
)

func TestScanSonarqubeFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		wantErr string
		check   func(t *testing.T, o *scanSonarqubeOptions)
	}{
		{name: "defaults", args: "--url https://sonar.example.com --project shop", check: func(t *testing.T, o *scanSonarqubeOptions) {
			if o.URL != "https://sonar.example.com" || o.Project != "shop" || o.TokenEnv != "SONAR_TOKEN" || !o.Hotspots ||
				strings.Join(o.Types, ",") != "VULNERABILITY,BUG,CODE_SMELL" || strings.Join(o.Statuses, ",") != "OPEN,CONFIRMED,REOPENED" ||
				o.PageSize != 500 || o.HotspotStatus != "TO_REVIEW" {
				t.Errorf("options = %+v", o)
			}
		}},
		{name: "narrowed", args: "--url u --project p --types vulnerability --statuses OPEN --no-hotspots --token-env MY_TOKEN --fail-on high --page-size 100",
			check: func(t *testing.T, o *scanSonarqubeOptions) {
				if strings.Join(o.Types, ",") != "vulnerability" || o.Hotspots || o.TokenEnv != "MY_TOKEN" || o.FailOn != "HIGH" || o.PageSize != 100 {
					t.Errorf("options = %+v", o)
				}
			}},
		{name: "missing project", args: "--url u", wantErr: `required flag(s) "project" not set`},
		{name: "bad type", args: "--url u --project p --types ISSUE", wantErr: "unknown issue type"},
		{name: "bad status", args: "--url u --project p --statuses DONE", wantErr: "unknown status"},
		{name: "bad page size", args: "--url u --project p --page-size 900", wantErr: "--page-size 900"},
		{name: "bad fail-on", args: "--url u --project p --fail-on urgent", wantErr: "unknown severity"},
		{name: "branch", args: "--url u --project p --branch release/2.0 --organization acme", check: func(t *testing.T, o *scanSonarqubeOptions) {
			if o.Branch != "release/2.0" || o.Organization != "acme" {
				t.Errorf("options = %+v", o)
			}
		}},
		{name: "branch and pull request", args: "--url u --project p --branch b --pull-request 12", wantErr: "give one"},
		{name: "token in URL", args: "--url https://squ_x@sonar.example.com --project p", wantErr: "not in the URL"},
		{name: "bad hotspot status", args: "--url u --project p --hotspot-status NEW", wantErr: "--hotspot-status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &Factory{IO: ios, Globals: &globalOptions{}, Now: time.Now}
			var got *scanSonarqubeOptions
			cmd := newCmdScanSonarqube(f, func(o *scanSonarqubeOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.ErrOut)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

// sonarRecorder is a findings.Store that keeps what it is given.
type sonarRecorder struct {
	imported []findings.Finding
	opts     findings.ImportOptions
	closed   bool
}

func (s *sonarRecorder) Backend() string { return "memory" }
func (s *sonarRecorder) Import(_ context.Context, list []findings.Finding, o findings.ImportOptions) (findings.ImportResult, error) {
	s.imported, s.opts = append(s.imported, list...), o
	return findings.ImportResult{New: len(list)}, nil
}
func (s *sonarRecorder) Query(_ context.Context, q findings.Query) ([]findings.Finding, error) {
	var out []findings.Finding
	for i := range s.imported {
		if q.Matches(&s.imported[i]) {
			out = append(out, s.imported[i])
		}
	}
	return out, nil
}
func (s *sonarRecorder) Get(context.Context, string) (findings.Finding, error) {
	return findings.Finding{}, findings.ErrNotFound
}
func (s *sonarRecorder) Update(context.Context, findings.Update) (findings.UpdateResult, error) {
	return findings.UpdateResult{}, nil
}
func (s *sonarRecorder) Close() error { s.closed = true; return nil }

func sonarFinding(t *testing.T, label, status string) findings.Finding {
	t.Helper()
	f := findings.Finding{Id: "secops/import/sonarqube/" + label, GeneratorId: "secops/import/sonarqube", ProductName: "SonarQube",
		Types: []string{"Software and Configuration Checks/Vulnerabilities"}, Severity: findings.NewSeverity(label, "X"),
		Title: "t " + label, Description: "d", Resources: []findings.Resource{{Type: "Other", Id: "shop:app.py"}},
		Workflow: &findings.Workflow{Status: status}}
	findings.LocalProvenance(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "SonarQube").Stamp(&f)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestScanSonarqubeRun(t *testing.T) {
	tests := []struct {
		name       string
		opts       func(o *scanSonarqubeOptions)
		pulled     []findings.Finding
		warn       string
		pullErr    error
		wantErr    string
		wantScope  bool
		wantTarget string
		wantOut    []string
		wantErrOut []string
	}{
		{name: "empty complete pull is scoped", pulled: []findings.Finding{}, wantScope: true, wantOut: []string{"backend: memory", "Stored: 0 new"}},
		{name: "stores and lists", wantScope: true, wantOut: []string{"t HIGH", "backend: memory", "Stored: 2 new, 0 updated, 0 archived."}},
		{name: "narrowed pull is not scoped", opts: func(o *scanSonarqubeOptions) { o.Types = []string{"VULNERABILITY"} }, wantScope: false},
		{name: "capped pull is not scoped", warn: "SonarQube returns at most 10000 issues", wantScope: false, wantErrOut: []string{"sonarqube: warning: SonarQube returns at most 10000 issues"}},
		{name: "fail-on reached", opts: func(o *scanSonarqubeOptions) { o.FailOn = "HIGH" }, wantErr: "1 findings at or above HIGH", wantScope: true},
		{name: "fail-on ignores suppressed", opts: func(o *scanSonarqubeOptions) { o.FailOn = "CRITICAL" }, wantScope: true},
		{name: "pull error", pullErr: errors.New("sonarqube: the server refused the token (401)"), wantErr: "refused the token"},
		{name: "pull request scope", opts: func(o *scanSonarqubeOptions) { o.PullRequest = "42" }, wantScope: true, wantTarget: "shop#42"},
		{name: "json output", opts: func(o *scanSonarqubeOptions) { o.Output = "json" }, wantScope: true, wantOut: []string{`"ProductName": "SonarQube"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			store := &sonarRecorder{}
			pulled := tt.pulled
			if pulled == nil {
				pulled = []findings.Finding{sonarFinding(t, "HIGH", "NEW"), sonarFinding(t, "CRITICAL", "SUPPRESSED")}
			}
			var gotPull sonarqube.Options
			o := &scanSonarqubeOptions{
				scanCommon: scanCommon{scanDeps: scanDeps{
					IO: ios, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
					Progress: func() *progress.Reporter { return progress.New(errOut, false, true) },
					Store:    func(context.Context) (scanStore, error) { return store, nil },
				}},
				Getenv: func(k string) string { return map[string]string{"SONAR_TOKEN": "squ_secret"}[k] },
				Pull: func(_ context.Context, po sonarqube.Options) ([]findings.Finding, error) {
					gotPull = po
					if tt.warn != "" {
						po.Warn(tt.warn)
					}
					return pulled, tt.pullErr
				},
				URL: "https://sonar.example.com", Project: "shop", TokenEnv: "SONAR_TOKEN", Hotspots: true, HotspotStatus: "TO_REVIEW",
				Types: sonarqube.DefaultTypes, Statuses: sonarqube.DefaultStatuses, PageSize: 500,
			}
			if tt.opts != nil {
				tt.opts(o)
			}
			err := scanSonarqubeRun(context.Background(), o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if gotPull.Token != "squ_secret" || gotPull.ProjectKey != "shop" || !gotPull.Hotspots || gotPull.PullRequest != o.PullRequest {
				t.Errorf("pull options = %+v", gotPull)
			}
			if tt.pullErr == nil {
				if (store.opts.Scope != nil) != tt.wantScope {
					t.Errorf("scope = %+v, want scoped=%v", store.opts.Scope, tt.wantScope)
				}
				wantTarget := tt.wantTarget
				if wantTarget == "" {
					wantTarget = "shop"
				}
				if store.opts.Scope != nil && (store.opts.Scope.Target != wantTarget || store.opts.Scope.GeneratorIds[0] != "secops/import/sonarqube") {
					t.Errorf("scope = %+v", store.opts.Scope)
				}
				if !store.closed {
					t.Error("store not closed")
				}
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErrOut {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(out.String()+errOut.String(), "squ_secret") {
				t.Error("the token was printed")
			}
		})
	}
}

// TestScanSonarqubeAgainstServer runs the command's behaviour with the real
// client against a server answering like SonarQube.
func TestScanSonarqubeAgainstServer(t *testing.T) {
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		auth = append(auth, user)
		switch r.URL.Path {
		case "/api/issues/search":
			fmt.Fprint(w, `{"total":1,"p":1,"ps":500,"paging":{"pageIndex":1,"pageSize":500,"total":1},"issues":[
				{"key":"AZ1","rule":"python:S5332","severity":"CRITICAL","component":"shop:app/client.py","project":"shop","line":7,
				 "status":"OPEN","message":"Using http protocol is insecure. Use https instead.","type":"VULNERABILITY"}],"components":[]}`)
		case "/api/hotspots/search":
			fmt.Fprint(w, `{"paging":{"pageIndex":1,"pageSize":500,"total":0},"hotspots":[],"components":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ios, _, out, errOut := iostreams.Test()
	store := &sonarRecorder{}
	o := &scanSonarqubeOptions{
		scanCommon: scanCommon{scanDeps: scanDeps{IO: ios, Now: time.Now,
			Progress: func() *progress.Reporter { return progress.New(errOut, false, true) },
			Store:    func(context.Context) (scanStore, error) { return store, nil },
			Output:   "json",
		}, scanFlags: scanFlags{FailOn: "HIGH"}},
		Getenv: func(k string) string { return map[string]string{"CI_SONAR": "squ_ci"}[k] },
		Pull:   sonarqube.Pull,
		URL:    srv.URL, Project: "shop", TokenEnv: "CI_SONAR", Hotspots: true, HotspotStatus: "TO_REVIEW",
		Types: sonarqube.DefaultTypes, Statuses: sonarqube.DefaultStatuses, PageSize: 500}
	err := scanSonarqubeRun(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "1 findings at or above HIGH") {
		t.Fatalf("err = %v, want the --fail-on gate", err)
	}
	if len(auth) != 2 || auth[0] != "squ_ci" {
		t.Errorf("basic users = %v, want the token from $CI_SONAR on both requests", auth)
	}
	if len(store.imported) != 1 || store.imported[0].Severity.Label != "HIGH" || store.imported[0].Severity.Original != "CRITICAL" {
		t.Fatalf("stored %+v", store.imported)
	}
	if !strings.Contains(out.String(), `"Title": "Using http protocol is insecure. Use https instead."`) {
		t.Errorf("stdout:\n%s", out)
	}
}

// TestScanSonarqubeFailOnKeepsTriage runs two pulls into the real local
// store: a finding the user suppressed between them no longer fails the
// gate, and a complete pull archives what SonarQube no longer reports.
func TestScanSonarqubeFailOnKeepsTriage(t *testing.T) {
	ctx := context.Background()
	st, err := localstore.Open(ctx, filepath.Join(t.TempDir(), "findings.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	high, critical := sonarFinding(t, "HIGH", "NEW"), sonarFinding(t, "CRITICAL", "NEW")
	for _, f := range []*findings.Finding{&high, &critical} {
		f.ProductFields = map[string]string{findings.FieldTarget: "shop"}
	}
	pulled := []findings.Finding{high, critical}
	run := func() (error, string) {
		ios, _, _, errOut := iostreams.Test()
		o := &scanSonarqubeOptions{
			scanCommon: scanCommon{scanDeps: scanDeps{IO: ios, Now: time.Now,
				Progress: func() *progress.Reporter { return progress.New(errOut, false, false) },
				Store:    func(context.Context) (scanStore, error) { return nopClose{st}, nil },
				Output:   "json",
			}, scanFlags: scanFlags{FailOn: "HIGH"}},
			Getenv: func(string) string { return "" },
			Pull:   func(context.Context, sonarqube.Options) ([]findings.Finding, error) { return pulled, nil },
			URL:    "https://sonar.example.com", Project: "shop", TokenEnv: "SONAR_TOKEN", Hotspots: true, HotspotStatus: "TO_REVIEW",
			Types: sonarqube.DefaultTypes, Statuses: sonarqube.DefaultStatuses, PageSize: 500}
		return scanSonarqubeRun(ctx, o), errOut.String()
	}
	if err, _ := run(); err == nil || !strings.Contains(err.Error(), "2 findings at or above HIGH") {
		t.Fatalf("first pull: err = %v", err)
	}
	if _, err := st.Update(ctx, findings.Update{Ids: []string{high.Id, critical.Id}, Status: findings.WorkflowSuppressed}); err != nil {
		t.Fatal(err)
	}
	if err, _ := run(); err != nil {
		t.Fatalf("after suppressing both: err = %v, want the gate to pass", err)
	}
	pulled = []findings.Finding{high}
	err, errOut := run()
	if err != nil || !strings.Contains(errOut, "0 new, 1 updated, 1 archived") {
		t.Fatalf("third pull: err = %v, stderr %q; want the missing finding archived", err, errOut)
	}
}

// nopClose keeps the test's store open across runs.
type nopClose struct{ findings.Store }

func (nopClose) Close() error { return nil }
