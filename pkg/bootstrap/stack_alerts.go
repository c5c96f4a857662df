package bootstrap

import (
	"errors"
	"strings"
)

// StackAlerts routes findings and compliance changes to Slack.
const StackAlerts = "alerts"

var _ = Register(Stack{
	Name:    StackAlerts,
	Summary: "EventBridge rules and the notifier Lambda posting to Slack",
	Order:   20,
	Package: true,
	Params: []Param{
		artifactsBucket,
		{
			Key: "SlackWebhookUrl", Flag: "slack-webhook-url", Secret: true, Required: true,
			Usage:    "Slack incoming webhook for alerts (stored in Secrets Manager; never printed)",
			Validate: validateWebhook,
		},
	},
})

func validateWebhook(v string) error {
	if !strings.HasPrefix(v, "https://") {
		return errors.New("--slack-webhook-url must be an https:// URL")
	}
	return nil
}
