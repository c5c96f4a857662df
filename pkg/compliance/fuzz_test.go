package compliance

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseMapping(f *testing.F) {
	f.Add([]byte(validMapping))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data)
		if err != nil {
			return
		}
		// A mapping that validates must evaluate and render a template.
		cat, err := LoadCatalogue()
		if err != nil {
			t.Fatal(err)
		}
		snap := &Snapshot{Rules: []SnapshotRule{{Name: "r", Identifier: "IAM_PASSWORD_POLICY", Status: StatusNonCompliant}}}
		m.Evaluate(cat, snap, ReportOptions{Previous: snap})
		m.ConformancePackTemplate()
	})
}

// FuzzParseSnapshot feeds --from files: whatever parses must evaluate and
// render in every format.
func FuzzParseSnapshot(f *testing.F) {
	// The demo snapshot cut to a few rules: whole snapshots are too big for
	// the mutator to do much with.
	demo, err := ReadSnapshot(filepath.Join(demoDir, "isms-p-snapshot.json"))
	if err != nil {
		f.Fatal(err)
	}
	demo.Rules = demo.Rules[:6]
	var seed bytes.Buffer
	if err := WriteSnapshot(&seed, demo); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(`{"kind":"secops/isms-p-snapshot","schemaVersion":1,"takenAt":"2026-01-01T00:00:00Z","region":"x","conformancePacks":null,"rules":[{"name":"r","identifier":"IAM_PASSWORD_POLICY","status":"NON_COMPLIANT","nonCompliantResources":[{"type":"t","id":"<i>"}]}],"findings":{"kinds":[{"kind":"secrets","bySeverity":{"HIGH":1}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSnapshot(data)
		if err != nil {
			return
		}
		rep, err := BuildReport(s, ReportOptions{Previous: s})
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{LangEnglish, LangKorean} {
			if err := WriteReportHTML(io.Discard, rep, lang); err != nil {
				t.Fatal(err)
			}
			if err := WriteReportMarkdown(io.Discard, rep, lang); err != nil {
				t.Fatal(err)
			}
		}
		if err := WriteISMSP(io.Discard, FormatTable, rep, RenderOptions{Evidence: true, ShowManual: true}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseChecklist feeds --manual files.
func FuzzParseChecklist(f *testing.F) {
	data, err := os.ReadFile(filepath.Join(demoDir, "isms-p-manual.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("schema_version: 1\ncontrols:\n  - {id: \"2.4.1\", status: n/a, reason: x, reviewed: 2026-01-02}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseChecklist(data, "fuzz.yaml")
		if err != nil {
			return
		}
		for _, e := range c.Controls {
			if _, ok := normaliseManualStatus(e.Status); !ok || e.Status != strings.ToLower(e.Status) {
				t.Fatalf("accepted status %q", e.Status)
			}
		}
	})
}
