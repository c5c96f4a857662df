package main

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/report"
	"github.com/secops-dev/secops/pkg/scan"
)

func TestScanFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(t *testing.T, o *ScanOptions)
		wantErr string
	}{
		{name: "defaults", args: nil, check: func(t *testing.T, o *ScanOptions) {
			if o.Path != "." || o.FailOn != "" || len(o.Only) != 0 || o.OutputFile != "" {
				t.Errorf("options = %+v", o)
			}
		}},
		{name: "everything", args: []string{"app", "--scanners", "sast,secrets", "--fail-on", "high", "--ignore-file", "x.yaml",
			"--output-file", "out/report.asff.json", "--db", "osv", "--offline", "--secrets-history", "--semgrep-config", "rules.yml"},
			check: func(t *testing.T, o *ScanOptions) {
				if o.Path != "app" || strings.Join(o.Only, ",") != "sast,secrets" || o.FailOn != "HIGH" || o.IgnoreFile != "x.yaml" ||
					o.OutputFileFormat != "asff" || o.DBDir != "osv" || !o.Offline || !o.SecretsHistory || o.SemgrepConfig != "rules.yml" {
					t.Errorf("options = %+v", o)
				}
			}},
		{name: "sarif by extension", args: []string{"--output-file", "r.sarif"}, check: func(t *testing.T, o *ScanOptions) {
			if o.OutputFileFormat != "sarif" {
				t.Errorf("format = %q", o.OutputFileFormat)
			}
		}},
		{name: "explicit file format", args: []string{"--output-file", "r.out", "--output-file-format", "CSV"}, check: func(t *testing.T, o *ScanOptions) {
			if o.OutputFileFormat != "csv" {
				t.Errorf("format = %q", o.OutputFileFormat)
			}
		}},
		{name: "unknown extension", args: []string{"--output-file", "r.out"}, wantErr: "--output-file-format"},
		{name: "format without file", args: []string{"--output-file-format", "json"}, wantErr: "needs --output-file"},
		{name: "bad severity", args: []string{"--fail-on", "urgent"}, wantErr: `unknown severity "urgent"`},
		{name: "unknown scanner", args: []string{"--scanners", "dast"}, wantErr: `unknown scanner "dast"`},
		{name: "two paths", args: []string{"a", "b"}, wantErr: "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			f := newFactory(io)
			var got *ScanOptions
			cmd := newCmdScanWith(f, func(o *ScanOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.ErrOut)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
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

// memStore is a findings store in memory with the archive semantics of
// the real ones, enough to check what scan imports.
type memStore struct {
	byID    map[string]findings.Finding
	imports []findings.ImportOptions
}

func newMemStore() *memStore { return &memStore{byID: map[string]findings.Finding{}} }

func (m *memStore) Backend() string { return "memory" }
func (m *memStore) Import(ctx context.Context, list []findings.Finding, opts findings.ImportOptions) (findings.ImportResult, error) {
	var res findings.ImportResult
	m.imports = append(m.imports, opts)
	seen := map[string]bool{}
	for _, f := range list {
		seen[f.Id] = true
		if old, ok := m.byID[f.Id]; ok {
			m.byID[f.Id] = findings.Merge(old, f)
			res.Updated++
		} else {
			m.byID[f.Id] = findings.Prepare(f)
			res.New++
		}
	}
	if opts.Scope != nil {
		for id, f := range m.byID {
			if !seen[id] && f.RecordStateOrDefault() == findings.RecordActive && opts.Scope.InScope(&f) {
				m.byID[id] = findings.Archive(f, time.Now())
				res.Archived++
			}
		}
	}
	return res, nil
}
func (m *memStore) Query(ctx context.Context, q findings.Query) ([]findings.Finding, error) {
	return nil, errors.New("not used")
}
func (m *memStore) Get(ctx context.Context, id string) (findings.Finding, error) {
	f, ok := m.byID[id]
	if !ok {
		return findings.Finding{}, findings.ErrNotFound
	}
	return f, nil
}
func (m *memStore) Update(ctx context.Context, u findings.Update) (findings.UpdateResult, error) {
	var res findings.UpdateResult
	for _, id := range u.Ids {
		m.byID[id] = findings.ApplyUpdate(m.byID[id], u, time.Now())
		res.Processed = append(res.Processed, id)
	}
	return res, nil
}
func (m *memStore) Close() error { return nil }

type cannedScanner struct {
	name string
	list []findings.Finding
	err  error
}

func (c *cannedScanner) Name() string           { return c.name }
func (c *cannedScanner) GeneratorIds() []string { return []string{"secops/" + c.name} }
func (c *cannedScanner) Scan(ctx context.Context, root string, prov findings.Provenance) (scan.Result, error) {
	// A new list each scan, as real scanners build one: the pipeline
	// completes the findings in place.
	list := make([]findings.Finding, len(c.list))
	for i, f := range c.list {
		f.ProductFields = maps.Clone(f.ProductFields)
		list[i] = f
	}
	return scan.Result{Findings: list, Skipped: []scan.Skipped{{Path: "blob.bin", Reason: "binary file"}}}, c.err
}

func canned(gen, rule, sev string) findings.Finding {
	return findings.Finding{
		Id: findings.NewID("secops/"+gen, "a.go", "1", rule), GeneratorId: "secops/" + gen,
		Title: rule + " in a.go", Description: "d", Types: []string{"Software and Configuration Checks/Vulnerabilities"},
		Severity: findings.NewSeverity(sev, sev), Resources: []findings.Resource{{Type: "Other", Id: "a.go"}},
		ProductFields: map[string]string{findings.FieldRuleID: rule, findings.FieldPath: "a.go", "secops/Evidence": "AKIA…REDACTED"},
	}
}

func scanOpts(t *testing.T, store *memStore, scanners ...scan.Scanner) (*ScanOptions, *iostreams.IOStreams) {
	io, _, _, _ := iostreams.Test()
	return &ScanOptions{
		scanCommon: scanCommon{scanDeps: scanDeps{
			IO:       io,
			Now:      func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
			Progress: func() *progress.Reporter { return progress.New(io.ErrOut, false, false) },
			Store:    func(context.Context) (scanStore, error) { return store, nil },
		}},
		Scanners: func(*ScanOptions) []scan.Scanner { return scanners },
		Path:     t.TempDir(),
	}, io
}

func TestScanRun(t *testing.T) {
	store := newMemStore()
	sast := &cannedScanner{name: "sast", list: []findings.Finding{canned("sast", "G101", "HIGH"), canned("sast", "G104", "LOW")}}
	opts, io := scanOpts(t, store, sast)
	opts.FailOn = "HIGH"
	opts.OutputFile = filepath.Join(t.TempDir(), "out", "r.json")
	opts.OutputFileFormat = "json"
	err := scanRun(context.Background(), opts)
	if code := exitCode(context.Background(), io, err); code != exitFindings {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	out := io.Out.(interface{ String() string }).String()
	errOut := io.ErrOut.(interface{ String() string }).String()
	for _, want := range []string{"SCANNER  FOUND  IGNORED  SKIPPED  DURATION  STATUS", "sast     2      0        1", "Stored: 2 new, 0 updated, 0 archived.", "backend: memory", "G101 in a.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"sast: skipped blob.bin: binary file", "1 findings at or above HIGH"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	data, err := os.ReadFile(opts.OutputFile)
	if err != nil || !strings.Contains(string(data), `"G101"`) {
		t.Errorf("output file: %v\n%s", err, data)
	}
	if len(store.imports) != 1 || store.imports[0].Scope == nil {
		t.Errorf("imports = %+v, want one with a scope", store.imports)
	}

	// The fix lands: the same scan without G101 archives it, and passes the gate.
	sast.list = sast.list[1:]
	opts2, io2 := scanOpts(t, store, sast)
	opts2.Path, opts2.FailOn = opts.Path, "HIGH"
	if err := scanRun(context.Background(), opts2); err != nil {
		t.Fatalf("second scan: %v", err)
	}
	if out := io2.Out.(interface{ String() string }).String(); !strings.Contains(out, "Stored: 0 new, 1 updated, 1 archived.") {
		t.Errorf("second scan:\n%s", out)
	}
}

// TestScanRunStoredTriage: the second scan prints, writes and gates on the
// findings as the store keeps them: the first scan's CreatedAt and the
// workflow a user set.
func TestScanRunStoredTriage(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	sast := &cannedScanner{name: "sast", list: []findings.Finding{canned("sast", "G101", "HIGH"), canned("sast", "G102", "HIGH")}}
	opts, _ := scanOpts(t, store, sast)
	first := opts.Now().UTC()
	if err := scanRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	var suppressed string
	for id, f := range store.byID {
		if f.ProductFields[findings.FieldRuleID] == "G101" {
			suppressed = id
		}
	}
	if _, err := store.Update(ctx, findings.Update{Ids: []string{suppressed}, Status: findings.WorkflowSuppressed}); err != nil {
		t.Fatal(err)
	}

	opts2, io2 := scanOpts(t, store, sast)
	later := first.Add(72 * time.Hour)
	opts2.Path, opts2.FailOn, opts2.Output = opts.Path, "HIGH", "json"
	opts2.Now = func() time.Time { return later }
	opts2.OutputFile = filepath.Join(t.TempDir(), "r.json")
	opts2.OutputFileFormat = "json"
	err := scanRun(ctx, opts2)
	if code := exitCode(ctx, io2, err); code != exitFindings {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	errOut := io2.ErrOut.(interface{ String() string }).String()
	for _, want := range []string{"1 findings at or above HIGH (--fail-on HIGH)", "Gate: 1 finding at or above HIGH not counted: SUPPRESSED or RESOLVED in the findings store."} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	data, err := os.ReadFile(opts2.OutputFile)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{"stdout": io2.Out.(interface{ String() string }).String(), "output file": string(data)} {
		list, err := findings.DecodeBytes([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, doc)
		}
		got := map[string]string{}
		for _, f := range list {
			got[f.ProductFields[findings.FieldRuleID]] = f.WorkflowStatus()
			if f.CreatedAt != findings.FormatTime(first) || f.FirstObservedAt != findings.FormatTime(first) {
				t.Errorf("%s: %s CreatedAt %s FirstObservedAt %s, want the first scan's %s", name, f.Id, f.CreatedAt, f.FirstObservedAt, findings.FormatTime(first))
			}
		}
		if got["G101"] != findings.WorkflowSuppressed || got["G102"] != findings.WorkflowNew {
			t.Errorf("%s: workflow = %v, want G101 SUPPRESSED, G102 NEW", name, got)
		}
	}
}

func TestScanRunScannerError(t *testing.T) {
	store := newMemStore()
	good := &cannedScanner{name: "sast", list: []findings.Finding{canned("sast", "G101", "HIGH")}}
	bad := &cannedScanner{name: "secrets", err: errors.New("permission denied")}
	opts, io := scanOpts(t, store, good, bad)
	opts.Output = "json"
	err := scanRun(context.Background(), opts)
	if code := exitCode(context.Background(), io, err); code != exitFailure {
		t.Fatalf("exit %d (%v), want 2", code, err)
	}
	if !strings.Contains(err.Error(), "secrets scanner: permission denied") {
		t.Errorf("error = %v", err)
	}
	// The good scanner's findings are stored and printed, scoped to it alone.
	if len(store.byID) != 1 || len(store.imports[0].Scope.GeneratorIds) != 1 || store.imports[0].Scope.GeneratorIds[0] != "secops/sast" {
		t.Errorf("store = %d findings, scope %+v", len(store.byID), store.imports[0].Scope)
	}
	out := io.Out.(interface{ String() string }).String()
	if !strings.HasPrefix(strings.TrimSpace(out), "[") || !strings.Contains(out, "G101") {
		t.Errorf("-o json stdout is not the findings:\n%s", out)
	}
}

func TestRemoteScanArgs(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--remote", "/srv/app"}, "scan /srv/app"},
		{[]string{"scan", "--remote", "--fail-on", "HIGH", "--scanners", "sca,secrets", "--upload", "/srv/app"},
			"scan --fail-on=HIGH --scanners=sca,secrets --upload=true /srv/app"},
		// Local files and credentials stay here.
		{[]string{"scan", "--remote", "--store", "/tmp/x.db", "--output-file", "r.sarif", "--profile", "dev", "--region", "eu-west-1", "."},
			"scan --region=eu-west-1 ."},
	}
	for _, tt := range tests {
		io, _, _, _ := iostreams.Test()
		f := newFactory(io)
		root := newRootCmd(f)
		var got []string
		for _, c := range root.Commands() {
			if c.Name() == "scan" {
				c.RunE = func(cmd *cobra.Command, args []string) error {
					got = remoteScanArgs(cmd, args)
					return nil
				}
			}
		}
		root.SetArgs(tt.args)
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%v: remote args %q, want %q", tt.args, strings.Join(got, " "), tt.want)
		}
	}
}

func TestOutputFileFormat(t *testing.T) {
	tests := []struct {
		name, explicit string
		want           report.Format
		wantErr        string
	}{
		{"r.json", "", report.JSON, ""},
		{"r.asff.json", "", report.ASFF, ""},
		{"r.asff", "", report.ASFF, ""},
		{"OUT.ASFF", "", report.ASFF, ""},
		{"r.sarif", "", report.SARIF, ""},
		{"r.sarif.json", "", report.SARIF, ""},
		{"r.csv", "", report.CSV, ""},
		{"r.txt", "", report.Table, ""},
		{"r.xml", "", "", "(.json, .sarif, .csv, .asff, .txt): add --output-file-format"},
		{"r.xml", "asff", report.ASFF, ""},
	}
	for _, tt := range tests {
		got, err := outputFileFormat(tt.name, tt.explicit)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("outputFileFormat(%q, %q) error = %v, want %q", tt.name, tt.explicit, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("outputFileFormat(%q, %q) = %q, %v, want %q", tt.name, tt.explicit, got, err, tt.want)
		}
	}
}
