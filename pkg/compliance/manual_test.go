package compliance

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseChecklist(t *testing.T) {
	c, err := ParseChecklist([]byte(`schema_version: 1
controls:
  - id: "1.1.1"
    owner: CISO
    status: Compliant
    evidence: ["minutes 2026-Q3"]
    reviewed: 2026-10-07
  - id: "2.4.3"
    status: n/a
    reason: cloud only
  - id: "2.2.4"
    status: NON_COMPLIANT
  - id: "3.3.4"
`), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range c.Controls {
		got[e.ID] = e.Status
	}
	want := map[string]string{"1.1.1": ManualCompliant, "2.4.3": ManualNotApplicable, "2.2.4": ManualNonCompliant, "3.3.4": ManualPending}
	for id, s := range want {
		if got[id] != s {
			t.Errorf("%s: %q, want %q", id, got[id], s)
		}
	}
	if e, _ := c.entry("1.1.1"); e.Reviewed != "2026-10-07" || e.Owner != "CISO" || len(e.Evidence) != 1 {
		t.Errorf("1.1.1: %+v", e)
	}
}

func TestParseChecklistErrorsNameTheLine(t *testing.T) {
	for _, tt := range []struct {
		doc, want string
	}{
		{"schema_version: 1\ncontrols:\n  - id: \"2.5.9\"\n", `m.yaml:3: control "2.5.9" is not an ISMS-P 2023 control`},
		{"schema_version: 1\ncontrols:\n  - id: \"2.5.4\"\n  - id: \"2.5.4\"\n", "m.yaml:4: control 2.5.4 is listed twice (also on line 3)"},
		{"schema_version: 1\ncontrols:\n  - id: \"2.5.4\"\n    status: done\n", `m.yaml:3: control 2.5.4: status "done": use compliant, partial, non-compliant, not-applicable or pending`},
		{"schema_version: 1\ncontrols:\n  - id: \"2.4.1\"\n    status: not-applicable\n", "m.yaml:3: control 2.4.1 is not-applicable without a reason"},
		{"schema_version: 1\ncontrols:\n  - id: \"2.4.1\"\n    reviewed: last week\n", `m.yaml:3: control 2.4.1: reviewed "last week" is not a date (YYYY-MM-DD)`},
		{"schema_version: 1\ncontrols:\n  - id: \"2.4.1\"\n    evidense: [x]\n", `m.yaml:3: unknown key "evidense"`},
		{"schema_version: 1\ncontrol:\n  - id: \"2.4.1\"\n", "field control not found"},
		{"schema_version: 2\ncontrols: []\n", "schema_version 2 is not supported"},
		{"", "empty manual checklist: write one with 'secops compliance isms-p --manual-template'"},
		{"schema_version: 1\ncontrols:\n  - \"2.4.1\"\n", "m.yaml:3:"},
	} {
		_, err := ParseChecklist([]byte(tt.doc), "m.yaml")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err %v, want %q", tt.doc, err, tt.want)
		}
	}
}

// TestManualTemplateParses checks the template a team starts from is a
// valid checklist of exactly the controls without Config rules.
func TestManualTemplateParses(t *testing.T) {
	for _, korean := range []bool{false, true} {
		var buf bytes.Buffer
		if err := ManualTemplate(&buf, korean); err != nil {
			t.Fatal(err)
		}
		c, err := ParseChecklist(buf.Bytes(), "template")
		if err != nil {
			t.Fatalf("korean=%v: %v\n%s", korean, err, buf.String())
		}
		if len(c.Controls) != 69 || c.Controls[0].ID != "1.1.1" || c.Controls[68].ID != "3.5.3" {
			t.Errorf("korean=%v: %d entries", korean, len(c.Controls))
		}
		for _, e := range c.Controls {
			if e.Status != ManualPending || e.ID == "2.5.4" {
				t.Errorf("entry %+v", e)
			}
		}
		title := "# 2.4.5 Operations in Secure Zones\n"
		if korean {
			title = "# 2.4.5 보호구역 내 작업\n"
		}
		if !strings.Contains(buf.String(), title) {
			t.Errorf("korean=%v: no title comment %q", korean, title)
		}
	}
}

// TestManualVerdictsRollUp checks how the checklist combines with Config
// evidence.
func TestManualVerdictsRollUp(t *testing.T) {
	snap := &Snapshot{Kind: SnapshotKind, SchemaVersion: SnapshotVersion, TakenAt: time.Now(), Rules: []SnapshotRule{
		{Name: "pw", Identifier: "IAM_PASSWORD_POLICY", Status: StatusCompliant},
	}}
	manual, err := ParseChecklist([]byte(`schema_version: 1
controls:
  - {id: "2.5.4", status: non-compliant, owner: IAM team}
  - {id: "2.2.1", status: partial}
  - {id: "2.4.1", status: not-applicable, reason: no office}
  - {id: "1.1.1", owner: CISO}
  - {id: "2.9.6", status: compliant}
`), "m")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := BuildReport(snap, ReportOptions{Manual: manual})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{
		"2.5.4": StatusPartial,       // the rule passes, the manual check does not
		"2.2.1": StatusPartial,       // a manual partial verdict
		"2.4.1": StatusNotApplicable, // out of scope
		"1.1.1": StatusManual,        // an owner, no verdict yet
		"2.9.6": StatusCompliant,     // a manual verdict on a manual control
		"2.5.3": StatusNotDeployed,   // untouched by the checklist
	} {
		c, _ := rep.Control(id)
		if c.Status != want {
			t.Errorf("%s: %s, want %s", id, c.Status, want)
		}
	}
	if rep.Manual == nil || rep.Manual.Entries != 5 {
		t.Errorf("manual source %+v", rep.Manual)
	}
}
