package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// ComplianceChange is an AWS Config "Config Rules Compliance Change" event.
type ComplianceChange struct {
	Account      string
	Region       string
	Partition    string
	RuleName     string
	ResourceType string
	ResourceID   string
	NewStatus    string // COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA
	OldStatus    string // empty for a first evaluation
	Annotation   string
	Time         time.Time
	// Controls are framework controls the rule evidences (e.g. ISMS-P
	// "2.5.4"), when the caller knows them.
	Controls []string
}

// Key identifies the change for de-duplication.
func (c ComplianceChange) Key() string {
	return "config|" + c.RuleName + "|" + c.ResourceType + "|" + c.ResourceID + "|" + c.NewStatus
}

// ComplianceMessage renders a compliance change.
func ComplianceMessage(c ComplianceChange) Message {
	emoji := ":white_check_mark:"
	switch c.NewStatus {
	case "NON_COMPLIANT":
		emoji = ":x:"
	case "INSUFFICIENT_DATA", "NOT_APPLICABLE":
		emoji = ":grey_question:"
	}
	title := fmt.Sprintf("AWS Config: %s is now %s", c.RuleName, c.NewStatus)
	change := "*" + escape(orDash(c.NewStatus)) + "*"
	if c.OldStatus != "" {
		change = escape(c.OldStatus) + " → " + change
	}
	text := fmt.Sprintf("%s %s  %s", emoji, change, link(ConfigRuleURL(c.Partition, c.Region, c.RuleName), c.RuleName))
	if a := strings.TrimSpace(c.Annotation); a != "" {
		text += "\n" + escape(findings.Truncate(a, 500))
	}
	fields := []string{
		"*Resource*\n" + escape(orDash(c.ResourceType)) + " `" + escape(findings.Truncate(orDash(c.ResourceID), 200)) + "`",
		"*Account / Region*\n" + escape(orDash(c.Account)) + " / " + escape(orDash(c.Region)),
	}
	if len(c.Controls) > 0 {
		fields = append(fields, "*Controls*\n"+escape(strings.Join(c.Controls, ", ")))
	}
	blocks := []Block{header(title), section(text, fields...)}
	if !c.Time.IsZero() {
		blocks = append(blocks, contextBlock("Evaluated "+c.Time.UTC().Format(time.RFC3339)))
	}
	return Message{Text: emoji + " " + title, Blocks: blocks}
}

// GuardDutyFinding is the detail of a "GuardDuty Finding" event.
type GuardDutyFinding struct {
	ID           string
	Type         string
	Title        string
	Description  string
	Account      string
	Region       string
	Partition    string
	Severity     float64
	ResourceType string
	ResourceID   string
	UpdatedAt    string
	Count        int
}

// Key identifies the finding for de-duplication.
func (g GuardDutyFinding) Key() string { return "guardduty|" + g.ID }

// GuardDutySeverityLabel maps GuardDuty's numeric severity to a label:
// 9.0–10.0 CRITICAL, 7.0–8.9 HIGH, 4.0–6.9 MEDIUM, 1.0–3.9 LOW.
func GuardDutySeverityLabel(sev float64) string {
	switch {
	case sev >= 9:
		return "CRITICAL"
	case sev >= 7:
		return "HIGH"
	case sev >= 4:
		return "MEDIUM"
	case sev >= 1:
		return "LOW"
	}
	return "INFORMATIONAL"
}

// GuardDutyMessage renders a GuardDuty finding.
func GuardDutyMessage(g GuardDutyFinding) Message {
	label := GuardDutySeverityLabel(g.Severity)
	title := "GuardDuty: " + g.Type
	text := fmt.Sprintf("%s *%s* (%.1f)  %s", severityEmoji(label), label, g.Severity, link(GuardDutyFindingURL(g.Partition, g.Region, g.ID), orDash(g.Title)))
	if d := strings.TrimSpace(g.Description); d != "" && d != g.Title {
		text += "\n" + escape(findings.Truncate(d, 500))
	}
	fields := []string{
		"*Resource*\n" + escape(orDash(g.ResourceType)) + " `" + escape(findings.Truncate(orDash(g.ResourceID), 200)) + "`",
		"*Account / Region*\n" + escape(orDash(g.Account)) + " / " + escape(orDash(g.Region)),
		"*Finding type*\n" + escape(orDash(g.Type)),
	}
	if g.Count > 1 {
		fields = append(fields, fmt.Sprintf("*Seen*\n%d times", g.Count))
	}
	blocks := []Block{header(title), section(text, fields...)}
	if g.UpdatedAt != "" {
		blocks = append(blocks, contextBlock("Updated "+escape(g.UpdatedAt)))
	}
	return Message{Text: severityEmoji(label) + " " + title, Blocks: blocks}
}

// SampleMessage is what `secops notify test` sends.
func SampleMessage(now time.Time) Message {
	return Message{
		Text: ":white_check_mark: secops: Slack notifications work",
		Blocks: []Block{
			header("secops: Slack notifications work"),
			section(":white_check_mark: This is a test message from `secops notify test`. Security Hub findings, AWS Config compliance changes and GuardDuty findings will arrive in this channel."),
			contextBlock("Sent " + now.UTC().Format(time.RFC3339)),
		},
	}
}
