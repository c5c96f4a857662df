package bootstrap

import (
	"encoding/json"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/secops-dev/secops/pkg/eventpattern"
)

// TestAlertRulesMatchEvents checks the alerts stack's EventBridge patterns
// with secops's own EventBridge matcher against events shaped like the ones
// Security Hub, GuardDuty and AWS Config send.
func TestAlertRulesMatchEvents(t *testing.T) {
	tmpls, err := renderNames(StackAlerts)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Properties struct {
				EventPattern map[string]any `yaml:"EventPattern"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(tmpls[0].Body, &doc); err != nil {
		t.Fatal(err)
	}
	pattern := func(rule string) *eventpattern.Pattern {
		raw, err := json.Marshal(doc.Resources[rule].Properties.EventPattern)
		if err != nil {
			t.Fatal(err)
		}
		p, err := eventpattern.Compile(raw)
		if err != nil {
			t.Fatalf("%s: %v", rule, err)
		}
		return p
	}
	hub := func(sev, workflow, record string) string {
		return `{"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"Severity":{"Label":"` + sev + `"},"Workflow":{"Status":"` + workflow + `"},"RecordState":"` + record + `"}]}}`
	}
	gd := func(sev string) string {
		return `{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{"severity":` + sev + `,"type":"Recon:EC2/PortProbeUnprotectedPort"}}`
	}
	cfg := func(c string) string {
		return `{"source":"aws.config","detail-type":"Config Rules Compliance Change","detail":{"messageType":"ComplianceChangeNotification","configRuleName":"restricted-ssh-conformance-pack-abc","newEvaluationResult":{"complianceType":"` + c + `"}}}`
	}
	tests := []struct {
		rule, event string
		want        bool
	}{
		{"SecurityHubFindingsRule", hub("CRITICAL", "NEW", "ACTIVE"), true},
		{"SecurityHubFindingsRule", hub("HIGH", "NEW", "ACTIVE"), true},
		{"SecurityHubFindingsRule", hub("MEDIUM", "NEW", "ACTIVE"), false},
		{"SecurityHubFindingsRule", hub("HIGH", "NOTIFIED", "ACTIVE"), false},
		{"SecurityHubFindingsRule", hub("HIGH", "NEW", "ARCHIVED"), false},
		{"SecurityHubFindingsRule", gd("8"), false},
		{"GuardDutyFindingsRule", gd("8.5"), true},
		{"GuardDutyFindingsRule", gd("7"), true},
		{"GuardDutyFindingsRule", gd("5.2"), false},
		{"ConfigComplianceRule", cfg("NON_COMPLIANT"), true},
		{"ConfigComplianceRule", cfg("COMPLIANT"), false},
	}
	for _, tt := range tests {
		got, err := pattern(tt.rule).Match([]byte(tt.event))
		if err != nil {
			t.Fatalf("%s: %v", tt.rule, err)
		}
		if got != tt.want {
			t.Errorf("%s on %s = %v, want %v", tt.rule, tt.event, got, tt.want)
		}
	}
}
