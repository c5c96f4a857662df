package bootstrap

import (
	"errors"
	"fmt"
	"strings"
)

// StackAlerts routes findings and compliance changes to Slack.
const StackAlerts = "alerts"

var _ = Register(Stack{
	Name:    StackAlerts,
	Summary: "EventBridge rules and the notifier Lambda posting each new finding and compliance change to Slack once, a daily digest of failed Security Hub controls, an alarm when notifications fail",
	Order:   20,
	Package: true,
	Params: []Param{
		artifactsBucket,
		logsKey,
		{
			Key: "SlackWebhookUrl", Flag: "slack-webhook-url", Secret: true, Required: true,
			Usage:    "Slack incoming webhook for alerts (stored in Secrets Manager; never printed)",
			Validate: validateWebhook,
		},
		{
			Key: "AlertSeverity", Flag: "alert-severity", Default: "HIGH",
			Usage:    "lowest severity of a Security Hub finding posted at once: CRITICAL, HIGH, MEDIUM or LOW",
			Validate: oneOf("--alert-severity", "CRITICAL", "HIGH", "MEDIUM", "LOW"),
		},
		{
			Key: "AlertProducts", Flag: "alert-products",
			Usage:    "Security Hub product ARNs posted besides secops, Inspector and GuardDuty, comma-separated",
			Validate: validateProductArns,
		},
		{
			Key: "ControlDigest", Flag: "control-digest", Default: "daily",
			Usage:    "daily Slack digest of failed Security Hub controls: daily or off",
			Validate: oneOf("--control-digest", "daily", "off"),
		},
		{Key: "AlarmEmail", Flag: "alarm-email", Usage: "email address told when notifications fail (default: none; subscribe to the AlarmTopicArn output)"},
	},
	Variants: []map[string]string{
		{"AlertSeverity": "CRITICAL", "AlertProducts": "arn:aws:securityhub:us-east-1::product/aws/macie", "ControlDigest": "off", "AlarmEmail": "secops@example.com"},
		{"AlertSeverity": "MEDIUM"},
		{"AlertSeverity": "LOW", "NotifierConcurrency": "0"},
	},
})

// logsKey is the security stack's KMS key for log groups, secrets and
// topics.
var logsKey = Param{
	Key:  "LogsKeyArn",
	From: &Output{Stack: StackSecurity, Key: "LogsKeyArn", Resource: "LogsKey"},
}

func validateWebhook(v string) error {
	if !strings.HasPrefix(v, "https://") {
		return errors.New("--slack-webhook-url must be an https:// URL")
	}
	return nil
}

func validateProductArns(v string) error {
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); !strings.HasPrefix(a, "arn:") || !strings.Contains(a, ":securityhub:") || !strings.Contains(a, ":product/") {
			return fmt.Errorf("--alert-products: %q is not a Security Hub product ARN (arn:aws:securityhub:REGION::product/COMPANY/PRODUCT)", a)
		}
	}
	return nil
}

// oneOf accepts the listed values only.
func oneOf(flag string, allowed ...string) func(string) error {
	return func(v string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fmt.Errorf("%s %q: use %s", flag, v, joinOr(allowed))
	}
}

// joinOr joins words as "a, b or c".
func joinOr(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
