package compliance

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/tableprinter"
)

func TestRenderISMSP(t *testing.T) {
	c := newRecordedConfig(t, "ismsp")
	rep, err := c.ISMSP(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o := RenderOptions{Header: "backend: aws-config (ap-northeast-2) · framework: ISMS-P"}
	for _, tt := range []struct {
		golden string
		format string
		rep    *Report
		o      RenderOptions
	}{
		{"isms-p.txt", FormatTable, rep, o},
		{"isms-p-2.1-manual.txt", FormatTable, rep.Filter("2.1"), RenderOptions{ShowManual: true}},
		{"isms-p.csv", FormatCSV, rep, o},
		{"isms-p-2.5.4.txt", FormatTable, rep.Filter("2.5.4"), RenderOptions{}},
		{"isms-p-2.8-ko.txt", FormatTable, rep.Filter("2.8"), RenderOptions{Korean: true, Evidence: true, ShowManual: true}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteISMSP(&buf, tt.format, tt.rep, tt.o); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", tt.golden), buf.Bytes())
		})
	}
	var buf bytes.Buffer
	if err := WriteISMSP(&buf, FormatJSON, rep, o); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Controls) != 101 || back.Summary != rep.Summary || back.Kind != ReportKind || back.Summary.Manual != 69 {
		t.Errorf("JSON round trip: %d controls, %+v", len(back.Controls), back.Summary)
	}
	// Colour only when asked.
	buf.Reset()
	WriteISMSP(&buf, FormatTable, rep, RenderOptions{Color: true})
	if !strings.Contains(buf.String(), "\x1b[31mNON_COMPLIANT") {
		t.Error("no colour with Color set")
	}
}

func TestRenderPacksRulesResources(t *testing.T) {
	packs := []Pack{{Name: "Operational-Best-Practices-for-KISMS", Status: StatusNonCompliant}, {Name: "ct\x1b[2Jpack", Status: StatusCompliant, CreatedBy: "controltower.amazonaws.com"}}
	var buf bytes.Buffer
	if err := WritePacks(&buf, FormatTable, packs, RenderOptions{Header: "backend: aws-config (us-east-1)"}); err != nil {
		t.Fatal(err)
	}
	want := "backend: aws-config (us-east-1)\n" +
		"PACK                                  STATUS         CREATED BY\n" +
		"Operational-Best-Practices-for-KISMS  NON_COMPLIANT  -\n" +
		"ct[2Jpack                             COMPLIANT      controltower.amazonaws.com\n" +
		"\n2 conformance packs: 1 NON_COMPLIANT, 1 COMPLIANT\n"
	if buf.String() != want {
		t.Errorf("packs table:\n%q\nwant\n%q", buf.String(), want)
	}
	buf.Reset()
	WriteRules(&buf, FormatCSV, []RuleStatus{{Name: "=cmd()", Identifier: "X", Pack: "p", Status: StatusCompliant}}, RenderOptions{})
	if buf.String() != "rule,identifier,pack,status,isms_p_controls\n'=cmd(),X,p,COMPLIANT,\n" {
		t.Errorf("rules csv %q", buf.String())
	}
	buf.Reset()
	WriteResources(&buf, FormatTable, nil, RenderOptions{})
	if buf.String() != "No evaluation results for this rule (yet).\n" {
		t.Errorf("empty resources %q", buf.String())
	}
}

func TestRulesShowISMSPControls(t *testing.T) {
	m, _ := LoadISMSP()
	rules := []RuleStatus{
		{Name: "iam-password-policy-conformance-pack-x7k2q9wmz", Identifier: "IAM_PASSWORD_POLICY", Pack: "KISMS", Status: StatusNonCompliant},
		{Name: "tagging-policy-check", Identifier: "arn:aws:lambda:ap-northeast-2:123456789012:function:tagging", Status: StatusCompliant},
	}
	m.AnnotateControls(rules)
	var buf bytes.Buffer
	if err := WriteRules(&buf, FormatTable, rules, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "RULE                                            STATUS         CHECKS                                                       PACK   ISMS-P\n" +
		"iam-password-policy-conformance-pack-x7k2q9wmz  NON_COMPLIANT  IAM_PASSWORD_POLICY                                          KISMS  2.5.4,2.10.2\n" +
		"tagging-policy-check                            COMPLIANT      arn:aws:lambda:ap-northeast-2:123456789012:function:tagging  -      -\n" +
		"\n2 rules: 1 NON_COMPLIANT, 1 COMPLIANT\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestRenderISMSPNothingDeployed(t *testing.T) {
	rep, err := BuildReport(&Snapshot{Kind: SnapshotKind, SchemaVersion: SnapshotVersion, Region: "eu-west-1"}, ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteISMSP(&buf, FormatTable, rep.Filter("2.6.7"), RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "None of the mapped Config rules is deployed here") ||
		!strings.HasSuffix(buf.String(), "\n1 control: 1 NOT_DEPLOYED\n") {
		t.Errorf("got:\n%s", buf.String())
	}
}

// TestTablesFitTheTerminal checks the compliance tables shrink their
// flexible columns on a narrow terminal and print values whole on a pipe.
func TestTablesFitTheTerminal(t *testing.T) {
	rules := []RuleStatus{{Name: "cloud-trail-cloud-watch-logs-enabled-conformance-pack-x7k2q9wmz", Identifier: "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED",
		Pack: "Operational-Best-Practices-for-KISMS", Status: StatusNonCompliant, Controls: []string{"2.3.3", "2.9.4"}}}
	var tty, pipe bytes.Buffer
	if err := WriteRules(&tty, FormatTable, rules, RenderOptions{TTY: true, Width: 80}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(tty.String()), "\n") {
		if tableprinter.DisplayWidth(line) > 80 {
			t.Errorf("line wider than the terminal: %q", line)
		}
	}
	if !strings.Contains(tty.String(), "…") {
		t.Errorf("nothing was shortened:\n%s", tty.String())
	}
	WriteRules(&pipe, FormatTable, rules, RenderOptions{})
	if !strings.Contains(pipe.String(), "cloud-trail-cloud-watch-logs-enabled-conformance-pack-x7k2q9wmz  NON_COMPLIANT  CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED  Operational-Best-Practices-for-KISMS  2.3.3,2.9.4") {
		t.Errorf("pipe output cut:\n%s", pipe.String())
	}
}
