package scan_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/report"
	"github.com/secops-dev/secops/pkg/scan"
	"github.com/secops-dev/secops/pkg/scan/sast"
	"github.com/secops-dev/secops/pkg/scan/sca"
	"github.com/secops-dev/secops/pkg/scan/secrets"
)

var demoNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

var demoRoot = filepath.Join("..", "..", "testdata", "demo-app")

// expected reads the answer key's finding tables: rows of
// | scanner | rule | path | line | severity |.
func expected(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(demoRoot, "EXPECTED.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(strings.Trim(sc.Text(), "| "), "|")
		if len(cells) != 5 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch cells[0] {
		case "secrets", "sast", "sca":
			out[cells[0]] = append(out[cells[0]], strings.Join(cells[1:], " "))
		}
	}
	for _, rows := range out {
		sort.Strings(rows)
	}
	return out
}

func row(f *findings.Finding) string {
	path := f.ProductFields[findings.FieldPath]
	for _, v := range f.Vulnerabilities {
		for _, p := range v.VulnerablePackages {
			if path == "" {
				path = p.FilePath
			}
		}
	}
	return strings.Join([]string{f.ProductFields[findings.FieldRuleID], path, f.ProductFields[findings.FieldStartLine], f.SeverityLabel()}, " ")
}

func offlineGo(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
	t.Setenv("GOTOOLCHAIN", "local")
}

// TestDemoAnswerKey runs the real scanners on the demo app and compares
// every finding with testdata/demo-app/EXPECTED.md.
func TestDemoAnswerKey(t *testing.T) {
	offlineGo(t)
	want := expected(t)
	if len(want["secrets"]) != 2 || len(want["sast"]) != 17 || len(want["sca"]) != 16 {
		t.Fatalf("answer key has %d secrets, %d sast and %d sca rows; the table format changed?", len(want["secrets"]), len(want["sast"]), len(want["sca"]))
	}
	db := filepath.Join("..", "..", "testdata", "osv")
	out, err := scan.Run(t.Context(), scan.Options{
		Root: demoRoot,
		Scanners: []scan.Scanner{
			sca.New(sca.Options{DBDir: db, Offline: true}),
			secrets.New(secrets.Options{}),
			sast.New(sast.Options{}),
		},
		Provenance: findings.LocalProvenance(demoNow, "secops"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Err(); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for i := range out.Findings {
		f := &out.Findings[i]
		name := "sast"
		switch f.GeneratorId {
		case secrets.GeneratorID:
			name = "secrets"
		case sca.Generator:
			name = "sca"
		}
		got[name] = append(got[name], row(f))
	}
	for _, name := range []string{"sca", "secrets", "sast"} {
		sort.Strings(got[name])
		if strings.Join(got[name], "\n") != strings.Join(want[name], "\n") {
			t.Errorf("%s findings:\n%s\nanswer key:\n%s", name, strings.Join(got[name], "\n"), strings.Join(want[name], "\n"))
		}
	}
	if out.Scope == nil || strings.Join(out.Scope.GeneratorIds, ",") != "secops/sca,secops/secrets,secops/sast/gosec" {
		t.Errorf("Scope = %+v", out.Scope)
	}
	if !out.FailOn("CRITICAL") {
		t.Error("gate: CRITICAL findings do not fail --fail-on CRITICAL")
	}
	for _, r := range out.Results {
		if !r.Complete() || len(r.Skipped) != 0 || len(r.Warnings) != 0 {
			t.Errorf("%s: complete %v, skipped %v, warnings %v", r.Name, r.Complete(), r.Skipped, r.Warnings)
		}
	}

	// The planted secrets never appear in the outcome, nor in any report
	// format written from it.
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string][]byte{"outcome": data}
	for _, format := range report.Formats() {
		var buf bytes.Buffer
		if err := report.Write(&buf, format, out.Findings, report.Options{Color: true, TTY: true, Width: 200, ToolName: "secops"}); err != nil {
			t.Fatal(err)
		}
		outputs[string(format)] = buf.Bytes()
		for i := range out.Findings {
			buf.Reset()
			if err := report.WriteFinding(&buf, out.Findings[i], report.Options{}); err != nil {
				t.Fatal(err)
			}
			outputs["finding view"] = append(outputs["finding view"], buf.Bytes()...)
		}
	}
	if !bytes.Contains(outputs["json"], []byte("AKIA…REDACTED")) {
		t.Error("json report lacks the redacted evidence")
	}
	for name, data := range outputs {
		for _, secret := range []string{"AKIAQFAKEDEMO7SECOPS", "QFAKEDEMO7SECOPS", "ghp_FakeDemoToken4SecopsScanTests0a1b2c3", "FakeDemoToken4Secops"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s contains the secret %q", name, secret)
			}
		}
	}
}

// BenchmarkDemoScan is a whole `secops scan` of the demo app without the
// store: all three scanners, the ignore file and the gate.
func BenchmarkDemoScan(b *testing.B) {
	b.Setenv("GOPROXY", "off")
	b.Setenv("GOFLAGS", "-mod=readonly")
	scanners := []scan.Scanner{
		sca.New(sca.Options{DBDir: filepath.Join("..", "..", "testdata", "osv"), Offline: true}),
		secrets.New(secrets.Options{}),
		sast.New(sast.Options{}),
	}
	for b.Loop() {
		out, err := scan.Run(b.Context(), scan.Options{Root: demoRoot, Scanners: scanners, Provenance: findings.LocalProvenance(demoNow, "secops")})
		if err != nil || out.Err() != nil || len(out.Findings) != 35 {
			b.Fatalf("scan: %v, %v, %d findings", err, out.Err(), len(out.Findings))
		}
	}
}
