package sast

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
	"github.com/secops-dev/secops/pkg/scan"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// offlineGo keeps the go command from reaching the network when loading packages.
func offlineGo(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
	t.Setenv("GOTOOLCHAIN", "local")
}

func runScan(t *testing.T, s *Scanner, root string) scan.Result {
	t.Helper()
	res, err := s.Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatalf("Scan() error = %v", err)
	}
	return res
}

func summary(list []findings.Finding) string {
	var out []string
	for _, f := range list {
		out = append(out, strings.Join([]string{
			f.ProductFields[findings.FieldPath], f.ProductFields[findings.FieldStartLine],
			f.ProductFields[findings.FieldRuleID], f.Severity.Label, f.ProductFields["secops/CWE"],
		}, " "))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func TestScanDemoApp(t *testing.T) {
	offlineGo(t)
	root, _ := filepath.Abs(filepath.Join("..", "..", "..", "testdata", "demo-app"))
	res := runScan(t, New(Options{LookPath: noSemgrep}), root)
	// The answer key in testdata/demo-app/EXPECTED.md lists the same findings.
	want := strings.Join([]string{
		"internal/store/report.go 8 G201 MEDIUM CWE-89",
		"internal/store/store.go 14 G202 MEDIUM CWE-89",
		"main.go 21 G101 HIGH CWE-798",
		"main.go 35 G705 MEDIUM CWE-79",
		"main.go 40 G114 MEDIUM CWE-676",
		"main.go 46 G304 MEDIUM CWE-22",
		"main.go 46 G703 HIGH CWE-22",
		"main.go 51 G104 LOW CWE-703",
		"main.go 51 G705 MEDIUM CWE-79",
		"main.go 57 G204 MEDIUM CWE-78",
		"main.go 57 G702 HIGH CWE-78",
		"main.go 6 G501 MEDIUM CWE-327",
		"main.go 62 G104 LOW CWE-703",
		"main.go 62 G705 MEDIUM CWE-79",
		"main.go 67 G401 MEDIUM CWE-328",
		"main.go 68 G401 MEDIUM CWE-328",
		"main.go 79 G402 HIGH CWE-295",
	}, "\n")
	if got := summary(res.Findings); got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	if len(res.Skipped) != 0 || res.Incomplete || len(res.Warnings) != 0 {
		t.Errorf("skipped %v, incomplete %v, warnings %v", res.Skipped, res.Incomplete, res.Warnings)
	}
	prov := findings.LocalProvenance(testNow, "secops")
	ids := map[string]bool{}
	for _, f := range res.Findings {
		prov.Stamp(&f)
		if err := f.Validate(); err != nil {
			t.Error(err)
		}
		if ids[f.Id] {
			t.Errorf("duplicate Id %s", f.Id)
		}
		ids[f.Id] = true
		if f.GeneratorId != GeneratorGosec || f.Confidence == nil || f.Remediation == nil {
			t.Errorf("finding %s: generator %q confidence %v", f.Id, f.GeneratorId, f.Confidence)
		}
	}
}

func noSemgrep(name string) (string, error) {
	if name == "semgrep" {
		return "", os.ErrNotExist
	}
	return "/usr/bin/" + name, nil
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestScanModules(t *testing.T) {
	offlineGo(t)
	tests := []struct {
		name           string
		files          map[string]string
		scanDir        string // sub-directory scanned, "" for the root
		wantFindings   string
		wantSkipped    string
		wantIncomplete bool
	}{
		{
			name:  "no Go code",
			files: map[string]string{"package.json": "{}", "services/api/go.mod": "module x\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.5\n"},
		},
		{
			name: "nested modules and vendor",
			files: map[string]string{
				"go.mod":                 "module example.com/a\n\ngo 1.22\n",
				"a.go":                   "package a\n\nimport \"crypto/sha1\"\n\nvar _ = sha1.New\n",
				"tools/go.mod":           "module example.com/tools\n\ngo 1.22\n",
				"tools/t.go":             "package tools\n\nimport \"crypto/md5\"\n\nvar _ = md5.New\n",
				"vendor/x/x.go":          "package x\n\nimport \"crypto/md5\"\n\nvar _ = md5.New\n",
				"testdata/bad/go.mod":    "module bad\n",
				"testdata/bad/bad.go":    "package bad\n\nimport \"crypto/md5\"\n\nvar _ = md5.New\n",
				".hidden/go.mod":         "module hidden\n",
				".hidden/h.go":           "package hidden\n\nimport \"crypto/md5\"\n\nvar _ = md5.New\n",
				"tools/internal/tool.go": "package internal\n\nimport \"crypto/des\"\n\nvar _ = des.NewCipher\n",
			},
			wantFindings: "a.go 3 G505 MEDIUM CWE-327\ntools/internal/tool.go 3 G502 MEDIUM CWE-327\ntools/t.go 3 G501 MEDIUM CWE-327",
		},
		{
			name: "missing dependency",
			files: map[string]string{
				"go.mod": "module example.com/b\n\ngo 1.22\n",
				"b.go":   "package b\n\nimport \"example.com/not/there\"\n\nvar _ = there.X\n",
			},
			wantSkipped:    "b.go",
			wantIncomplete: true,
		},
		{
			name: "syntax error",
			files: map[string]string{
				"go.mod": "module example.com/c\n\ngo 1.22\n",
				"c.go":   "package c\n\nfunc {\n",
			},
			wantSkipped:    "c.go",
			wantIncomplete: true,
		},
		{
			// secops scan ./internal in a repository whose go.mod is at
			// the top: the packages belong to the enclosing module.
			name: "sub-directory of a module",
			files: map[string]string{
				"go.mod":              "module example.com/d\n\ngo 1.22\n",
				"main.go":             "package main\n\nimport \"crypto/sha1\"\n\nvar _ = sha1.New\n\nfunc main() {}\n",
				"internal/store/s.go": "package store\n\nimport \"crypto/md5\"\n\nvar _ = md5.New\n",
			},
			scanDir:      "internal",
			wantFindings: "store/s.go 3 G501 MEDIUM CWE-327",
		},
		{
			name: "Go files outside any module",
			files: map[string]string{
				"tool/main.go": "package main\n\nimport \"crypto/md5\"\n\nvar _ = md5.New\n\nfunc main() {}\n",
			},
			wantFindings: "tool/main.go 3 G501 MEDIUM CWE-327",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range tt.files {
				write(t, filepath.Join(root, name), content)
			}
			res := runScan(t, New(Options{LookPath: noSemgrep}), filepath.Join(root, tt.scanDir))
			if got := summary(res.Findings); got != tt.wantFindings {
				t.Errorf("findings:\n%s\nwant:\n%s", got, tt.wantFindings)
			}
			var skipped []string
			for _, s := range res.Skipped {
				skipped = append(skipped, s.Path)
			}
			if got := strings.Join(skipped, ","); got != tt.wantSkipped {
				t.Errorf("skipped = %v, want %q", res.Skipped, tt.wantSkipped)
			}
			if res.Incomplete != tt.wantIncomplete {
				t.Errorf("incomplete = %v, want %v", res.Incomplete, tt.wantIncomplete)
			}
		})
	}
}

func TestScanWithoutGo(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module m\n\ngo 1.22\n")
	write(t, filepath.Join(root, "m.go"), "package m\n")
	noGo := func(string) (string, error) { return "", os.ErrNotExist }
	res := runScan(t, New(Options{LookPath: noGo}), root)
	if !res.Incomplete || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "go command") {
		t.Errorf("incomplete %v warnings %v", res.Incomplete, res.Warnings)
	}
}

func TestParseSARIF(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "semgrep.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := parseSARIF(context.Background(), data, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ path, line, end, rule, sev, original, cwe, title string }
	var got []row
	for _, f := range list {
		got = append(got, row{f.ProductFields[findings.FieldPath], f.ProductFields[findings.FieldStartLine], f.ProductFields[findings.FieldEndLine],
			f.ProductFields[findings.FieldRuleID], f.Severity.Label, f.Severity.Original, f.ProductFields["secops/CWE"], f.Title})
		prov := findings.LocalProvenance(testNow, "secops")
		prov.Stamp(&f)
		if err := f.Validate(); err != nil {
			t.Error(err)
		}
		if f.GeneratorId != GeneratorSemgrep || f.ProductFields[findings.FieldScanner] != "semgrep" {
			t.Errorf("generator %q scanner %q", f.GeneratorId, f.ProductFields[findings.FieldScanner])
		}
	}
	want := []row{
		{"worker/tasks.py", "17", "18", "python.lang.security.audit.subprocess-shell-true.subprocess-shell-true", "HIGH", "error", "CWE-78",
			"Detected subprocess function 'run' with user controlled data. A malicious actor could leverage this to perform command injection."},
		{"web/app.js", "9", "9", "javascript.browser.security.eval-detected.eval-detected", "CRITICAL", "warning", "CWE-95",
			"Found 'eval' with a non-literal argument."},
		{"billing/src/main/resources/application.properties", "3", "3", "local.debug-logging", "LOW", "note", "",
			"Debug logging enabled"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}

	for _, bad := range []string{`{`, `{"version":"2.0.0","runs":[]}`, `[]`} {
		if _, err := parseSARIF(context.Background(), []byte(bad), findings.LocalProvenance(testNow, "secops")); err == nil {
			t.Errorf("parseSARIF(%s): no error", bad)
		}
	}
}

// TestSemgrepAndImportGiveTheSameFindings converts Semgrep's SARIF as the
// scanner does and as findings import does: the Ids, generator, titles,
// severities and rules are the same (the scan then makes every Id unique
// to its target, as it does for all its scanners).
func TestSemgrepAndImportGiveTheSameFindings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "semgrep.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	prov := findings.LocalProvenance(testNow, "secops")
	scanned, err := parseSARIF(context.Background(), data, prov)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := importer.Detect(data); err != nil || f != importer.FormatSARIF {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	imported, err := importer.Parse(context.Background(), importer.FormatSARIF, data, prov)
	if err != nil {
		t.Fatal(err)
	}
	if len(scanned) != 3 || len(imported) != len(scanned) {
		t.Fatalf("%d findings scanned, %d imported; want 3 each", len(scanned), len(imported))
	}
	key := func(f findings.Finding) string {
		return strings.Join([]string{f.Id, f.GeneratorId, f.ProductName, f.Title, f.Description, f.SeverityLabel(), f.Severity.Original,
			f.ProductFields[findings.FieldRuleID], f.ProductFields[findings.FieldStartLine], f.ProductFields[findings.FieldEndLine],
			f.ProductFields["secops/CWE"]}, "|")
	}
	for i := range scanned {
		if a, b := key(scanned[i]), key(imported[i]); a != b {
			t.Errorf("finding %d:\nscanned  %s\nimported %s", i, a, b)
		}
		if scanned[i].GeneratorId != GeneratorSemgrep {
			t.Errorf("finding %d: generator %s", i, scanned[i].GeneratorId)
		}
	}
}

// fakeSemgrep puts a semgrep script on PATH that records its arguments and
// prints the SARIF fixture, or fails when fail is set.
func fakeSemgrep(t *testing.T, fail bool) (argsFile string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake semgrep is a shell script")
	}
	dir := t.TempDir()
	fixture, _ := filepath.Abs(filepath.Join("testdata", "semgrep.sarif"))
	argsFile = filepath.Join(dir, "args")
	script := "#!/bin/sh\necho \"$@\" > " + argsFile + "\npwd >> " + argsFile + "\n"
	if fail {
		script += "echo 'semgrep error: invalid configuration file' >&2\nexit 7\n"
	} else {
		script += "cat " + fixture + "\n"
	}
	write(t, filepath.Join(dir, "semgrep"), script)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return argsFile
}

func TestSemgrep(t *testing.T) {
	root := t.TempDir() // no Go code: only Semgrep runs
	rulesFile := filepath.Join(root, "rules.yml")

	t.Run("configured", func(t *testing.T) {
		argsFile := fakeSemgrep(t, false)
		s := New(Options{SemgrepConfig: rulesFile})
		if got := strings.Join(s.GeneratorIds(), ","); got != GeneratorGosec+","+GeneratorSemgrep {
			t.Errorf("GeneratorIds = %s", got)
		}
		res := runScan(t, s, root)
		if len(res.Findings) != 3 || res.Incomplete || len(res.Warnings) != 0 {
			t.Errorf("findings %d incomplete %v warnings %v", len(res.Findings), res.Incomplete, res.Warnings)
		}
		args, _ := os.ReadFile(argsFile)
		wantArgs := "scan --sarif --config " + rulesFile + " --metrics off --disable-version-check --quiet .\n" + root + "\n"
		if string(args) != wantArgs {
			t.Errorf("semgrep ran with\n%s\nwant\n%s", args, wantArgs)
		}
	})
	t.Run("fails", func(t *testing.T) {
		fakeSemgrep(t, true)
		res := runScan(t, New(Options{SemgrepConfig: rulesFile}), root)
		if !res.Incomplete || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "invalid configuration file") {
			t.Errorf("incomplete %v warnings %v", res.Incomplete, res.Warnings)
		}
	})
	t.Run("installed, not configured", func(t *testing.T) {
		fakeSemgrep(t, false)
		s := New(Options{})
		if got := strings.Join(s.GeneratorIds(), ","); got != GeneratorGosec {
			t.Errorf("GeneratorIds = %s", got)
		}
		res := runScan(t, s, root)
		if len(res.Findings) != 0 || res.Incomplete || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "--semgrep-config") {
			t.Errorf("findings %d incomplete %v warnings %v", len(res.Findings), res.Incomplete, res.Warnings)
		}
	})
	t.Run("relative config", func(t *testing.T) {
		argsFile := fakeSemgrep(t, false)
		runScan(t, New(Options{SemgrepConfig: "rules.yml"}), root)
		args, _ := os.ReadFile(argsFile)
		cwd, _ := os.Getwd()
		if !strings.Contains(string(args), "--config "+filepath.Join(cwd, "rules.yml")+" ") {
			t.Errorf("semgrep ran with %s, want the config relative to the working directory", args)
		}
	})
	t.Run("configured, not installed", func(t *testing.T) {
		res := runScan(t, New(Options{SemgrepConfig: rulesFile, LookPath: noSemgrep}), root)
		if !res.Incomplete || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "not on PATH") {
			t.Errorf("incomplete %v warnings %v", res.Incomplete, res.Warnings)
		}
	})
}

func FuzzParseSARIF(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "semgrep.sarif")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"version":"2.1.0","runs":[{"results":[{"ruleId":"r","locations":[{"physicalLocation":{"artifactLocation":{"uri":"../../etc/passwd"},"region":{"startLine":-4}}}]}]}]}`))
	f.Add([]byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"rules":[{"id":"r","properties":{"security-severity":"nan"}}]}},"results":[{"ruleId":"r"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := parseSARIF(context.Background(), data, findings.LocalProvenance(testNow, "secops"))
		if err != nil {
			return
		}
		prov := findings.LocalProvenance(testNow, "secops")
		for _, fd := range list {
			prov.Stamp(&fd)
			if err := fd.Validate(); err != nil {
				t.Fatalf("invalid finding from %q: %v", data, err)
			}
			if p := fd.ProductFields[findings.FieldPath]; strings.HasPrefix(p, "..") || strings.HasPrefix(p, "/") {
				t.Fatalf("path %q escapes the root", p)
			}
		}
	})
}
