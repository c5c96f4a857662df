package bootstrap

import (
	"testing"
)

// TestAlertRulesMatchEvents checks the alerts stack's EventBridge patterns,
// as CloudFormation resolves them with the default parameters, with
// secops's own EventBridge matcher against events shaped like the ones
// Security Hub, GuardDuty and AWS Config send.
func TestAlertRulesMatchEvents(t *testing.T) {
	rules, handler := alertRules(t, nil)
	const secops = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"
	hub := func(product, sev, workflow, record string) string {
		return `{"source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[{"ProductArn":"` + product + `","Severity":{"Label":"` + sev + `"},"Workflow":{"Status":"` + workflow + `"},"RecordState":"` + record + `"}]}}`
	}
	gd := func(sev string) string {
		return `{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{"severity":` + sev + `,"type":"Recon:EC2/PortProbeUnprotectedPort"}}`
	}
	cfg := func(rule, arn, c string) string {
		return `{"source":"aws.config","detail-type":"Config Rules Compliance Change","detail":{"messageType":"ComplianceChangeNotification","configRuleName":"` + rule + `","configRuleARN":"` + arn + `","newEvaluationResult":{"complianceType":"` + c + `"}}}`
	}
	const packRule = "arn:aws:config:us-east-1:123456789012:config-rule/aws-service-rule/config-conforms.amazonaws.com/config-rule-2pxv2c"
	const hubRule = "arn:aws:config:us-east-1:123456789012:config-rule/aws-service-rule/securityhub.amazonaws.com/config-rule-9qkx1m"
	tests := []struct {
		name, event string
		rule        string // the rule that must match; "" for none
	}{
		{"secops CRITICAL", hub(secops, "CRITICAL", "NEW", "ACTIVE"), "SecurityHubFindingsRule"},
		{"Inspector HIGH", hub("arn:aws:securityhub:us-east-1::product/aws/inspector", "HIGH", "NEW", "ACTIVE"), "SecurityHubFindingsRule"},
		{"GuardDuty via the hub", hub("arn:aws:securityhub:us-east-1::product/aws/guardduty", "HIGH", "NEW", "ACTIVE"), "SecurityHubFindingsRule"},
		{"MEDIUM", hub(secops, "MEDIUM", "NEW", "ACTIVE"), ""},
		{"already NOTIFIED", hub(secops, "HIGH", "NOTIFIED", "ACTIVE"), ""},
		{"ARCHIVED", hub(secops, "HIGH", "NEW", "ARCHIVED"), ""},
		{"control finding", hub("arn:aws:securityhub:us-east-1::product/aws/securityhub", "CRITICAL", "NEW", "ACTIVE"), ""},
		{"another account's product", hub("arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default", "HIGH", "NEW", "ACTIVE"), ""},
		{"GuardDuty directly", gd("8.5"), ""},
		{"pack rule NON_COMPLIANT", cfg("restricted-ssh-conformance-pack-k7vxs0ncl", packRule, "NON_COMPLIANT"), "ConfigComplianceRule"},
		{"pack rule COMPLIANT", cfg("restricted-ssh-conformance-pack-k7vxs0ncl", packRule, "COMPLIANT"), ""},
		{"securityhub-* rule", cfg("securityhub-restricted-ssh-3f2b5a1c", hubRule, "NON_COMPLIANT"), ""},
	}
	for _, tt := range tests {
		for name, p := range rules {
			got, err := p.Match([]byte(tt.event))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got != (name == tt.rule) {
				t.Errorf("%s: %s matched = %v", tt.name, name, got)
			}
		}
		if got, _ := handler.Match([]byte(tt.event)); got != (tt.rule != "") {
			t.Errorf("%s: the notifier's pattern matched = %v", tt.name, got)
		}
	}
}
