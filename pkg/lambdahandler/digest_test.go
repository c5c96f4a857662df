package lambdahandler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// scheduledEvent is what EventBridge sends a target of a schedule rule
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
const scheduledEvent = `{"version":"0","id":"89d1a02d-5ec7-412e-82f5-13505f849b41","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-29T00:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/secops-control-digest"],"detail":{}}`

// controlFinding is a failed control check as GetFindings returns it.
func controlFinding(control, title, label, resource, firstSeen string) map[string]any {
	id := fmt.Sprintf("arn:aws:securityhub:us-east-1:123456789012:security-control/%s/finding/%s", control, resource)
	return map[string]any{
		"SchemaVersion": "2018-10-08", "Id": id, "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
		"ProductName": "Security Hub", "GeneratorId": "security-control/" + control, "AwsAccountId": "123456789012",
		"Types":     []string{"Software and Configuration Checks/Industry and Regulatory Standards"},
		"CreatedAt": firstSeen, "UpdatedAt": "2026-11-28T23:00:00Z", "FirstObservedAt": firstSeen,
		"Severity": map[string]any{"Label": label}, "Title": title, "Description": title,
		"Resources":  []any{map[string]any{"Type": "AwsEc2SecurityGroup", "Id": resource}},
		"Compliance": map[string]any{"Status": "FAILED", "SecurityControlId": control},
		"Workflow":   map[string]any{"Status": "NEW"}, "RecordState": "ACTIVE",
	}
}

func TestDailyDigestOfFailedControls(t *testing.T) {
	e := setup(t, "", false)
	e.aws.controlPages = [][]map[string]any{
		{
			controlFinding("EC2.13", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22", "HIGH", "sg-1", "2026-11-28T09:00:00Z"),
			controlFinding("S3.9", "S3 general purpose bucket server access logging should be enabled", "MEDIUM", "bucket-a", "2026-10-01T00:00:00Z"),
		},
		{
			controlFinding("EC2.13", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22", "HIGH", "sg-2", "2026-10-02T00:00:00Z"),
			controlFinding("IAM.6", "Hardware MFA should be enabled for the root user", "CRITICAL", "AWS::::Account:123456789012", "2026-09-01T00:00:00Z"),
		},
	}
	out, err := e.h.Handle(context.Background(), json.RawMessage(scheduledEvent))
	if err != nil || out.Sent != 1 {
		t.Fatalf("digest: %+v %v", out, err)
	}
	if len(e.aws.getFindings) != 2 {
		t.Fatalf("%d GetFindings calls, want 2 (two pages)", len(e.aws.getFindings))
	}
	filters, _ := json.Marshal(e.aws.getFindings[0]["Filters"])
	want := `{"ComplianceStatus":[{"Comparison":"EQUALS","Value":"FAILED"}],"ProductName":[{"Comparison":"EQUALS","Value":"Security Hub"}],"RecordState":[{"Comparison":"EQUALS","Value":"ACTIVE"}],"WorkflowStatus":[{"Comparison":"EQUALS","Value":"NEW"},{"Comparison":"EQUALS","Value":"NOTIFIED"}]}`
	if string(filters) != want {
		t.Errorf("filters\n got %s\nwant %s", filters, want)
	}
	if e.aws.getFindings[1]["NextToken"] != "page-1" {
		t.Errorf("second page request %v", e.aws.getFindings[1])
	}
	msg := e.slack.payloads[0]
	if msg.Blocks[0].Text.Text != "Security Hub controls: 4 checks failed in 3 controls" {
		t.Errorf("header %q", msg.Blocks[0].Text.Text)
	}
	if got := msg.Blocks[1].Elements[0].Text; got != "1 new since 2026-11-28 00:00 UTC · account 123456789012 / us-east-1" {
		t.Errorf("summary %q", got)
	}
	lines := strings.Split(msg.Blocks[2].Text.Text, "\n")
	wantLines := []string{
		":red_circle: *CRITICAL* <https://console.aws.amazon.com/securityhub/home?region=us-east-1#/controls/IAM.6|IAM.6 Hardware MFA should be enabled for the root user> — 1 resource",
		":large_orange_circle: *HIGH* <https://console.aws.amazon.com/securityhub/home?region=us-east-1#/controls/EC2.13|EC2.13 Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22> — 2 resources (1 new)",
		":large_yellow_circle: *MEDIUM* <https://console.aws.amazon.com/securityhub/home?region=us-east-1#/controls/S3.9|S3.9 S3 general purpose bucket server access logging should be enabled> — 1 resource",
	}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("digest lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}
	// EventBridge may deliver the schedule's event twice: one digest.
	out, err = e.h.Handle(context.Background(), json.RawMessage(scheduledEvent))
	if err != nil || out.Sent != 0 || out.Duplicates != 1 || len(e.slack.payloads) != 1 {
		t.Errorf("second delivery: %+v %v, %d posts", out, err, len(e.slack.payloads))
	}
	// Nothing failed: nothing posted.
	e2 := setup(t, "", false)
	if out, err := e2.h.Handle(context.Background(), json.RawMessage(scheduledEvent)); err != nil || out.Sent != 0 || len(e2.slack.payloads) != 0 {
		t.Errorf("empty digest: %+v %v", out, err)
	}
}
