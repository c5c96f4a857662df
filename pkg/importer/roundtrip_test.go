package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/report"
)

// TestSecopsSARIFKeepsItsFindings exports findings as SARIF the way
// `secops findings export -o sarif` and `secops scan -o sarif` write it,
// and imports the log again: secops's own findings are recognised and come
// back as they were, Ids and ProductArns included, so a store updates them
// instead of holding a second copy of each.
func TestSecopsSARIFKeepsItsFindings(t *testing.T) {
	var list []findings.Finding
	for _, fixture := range []struct {
		file   string
		format Format
	}{{"trivy-image.json", FormatTrivy}, {"gitleaks-v8.json", FormatGitleaks}, {"zap-report.json", FormatZAP}, {"asff.json", FormatASFF}} {
		data, err := os.ReadFile(filepath.Join("testdata", "reports", fixture.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(context.Background(), fixture.format, data, testProv)
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, got...)
	}
	// A user's triage stays in the store; the export does not carry it.
	list[0].Workflow = &findings.Workflow{Status: findings.WorkflowSuppressed}
	list[0].Note = &findings.Note{Text: "accepted until Q3", UpdatedBy: "alice", UpdatedAt: "2026-11-28T12:00:00Z"}

	var sarif bytes.Buffer
	if err := report.Write(&sarif, report.SARIF, list, report.Options{ToolName: "secops", ToolVersion: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	if f, err := Detect(sarif.Bytes()); err != nil || f != FormatSARIF {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	rep, err := ParseReport(context.Background(), FormatSARIF, sarif.Bytes(), findings.LocalProvenance(testProv.Now.Add(48*3600e9), "secops"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != len(list) {
		t.Fatalf("%d findings back, want %d", len(rep.Findings), len(list))
	}
	byKey := map[string]findings.Finding{}
	for _, f := range rep.Findings {
		byKey[f.ProductArn+"\x00"+f.Id] = f
	}
	for _, want := range list {
		got, ok := byKey[want.ProductArn+"\x00"+want.Id]
		if !ok {
			t.Errorf("finding %s (%s) came back under another Id or ProductArn", want.Id, want.Title)
			continue
		}
		want.Workflow, want.Note = nil, nil
		a, _ := json.MarshalIndent(want, "", "  ")
		b, _ := json.MarshalIndent(got, "", "  ")
		if !bytes.Equal(a, b) {
			t.Errorf("finding %s differs after the round trip:\nexported %s\nimported %s", want.Id, a, b)
		}
	}
}

// TestSecopsSARIFWithoutFindings imports a log secops wrote before its
// results carried their findings: the Id each result names is kept.
func TestSecopsSARIFWithoutFindings(t *testing.T) {
	doc := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"secops","informationUri":"https://github.com/secops-dev/secops","rules":[{"id":"G404","shortDescription":{"text":"weak random"}}]}},` +
		`"results":[{"ruleId":"G404","ruleIndex":0,"level":"error","message":{"text":"Use of weak random number generator"},` +
		`"locations":[{"physicalLocation":{"artifactLocation":{"uri":"main.go","uriBaseId":"%SRCROOT%"},"region":{"startLine":12}}}],` +
		`"partialFingerprints":{"secopsFindingId/v1":"secops/sast/gosec/4f1c2d3e4b5a69788796a5b4c3d2e1f0"},"properties":{"secops-severity":"CRITICAL"}}]}]}`
	list, err := Parse(context.Background(), FormatSARIF, []byte(doc), testProv)
	if err != nil || len(list) != 1 {
		t.Fatalf("Parse = %d findings, %v", len(list), err)
	}
	f := list[0]
	if f.Id != "secops/sast/gosec/4f1c2d3e4b5a69788796a5b4c3d2e1f0" || f.GeneratorId != "secops/sast/gosec" || f.SeverityLabel() != findings.SeverityCritical {
		t.Errorf("Id %q generator %q severity %s; want the exported Id, its generator and CRITICAL", f.Id, f.GeneratorId, f.SeverityLabel())
	}
	if f.ProductFields[findings.FieldPath] != "main.go" || f.ProductFields[findings.FieldStartLine] != "12" {
		t.Errorf("location %v", f.ProductFields)
	}
}
