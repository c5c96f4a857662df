package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/notify"
)

// NotifyTestOptions are the flags of `secops notify test`.
type NotifyTestOptions struct {
	f          *Factory
	ctx        context.Context
	WebhookURL string
}

func newNotifyCmd(f *Factory, runF func(*NotifyTestOptions) error) *cobra.Command {
	if runF == nil {
		runF = notifyTestRun
	}
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Slack notifications",
		Long: `secops sends Security Hub findings, AWS Config compliance changes and GuardDuty
findings to a Slack incoming webhook (from 'secops lambda' behind an EventBridge
rule, or from 'secops findings --notify'). The webhook URL is a secret: secops
never prints or logs it.`,
	}
	o := &NotifyTestOptions{f: f}
	test := &cobra.Command{
		Use:   "test",
		Short: "Send a sample message to a Slack incoming webhook",
		Long: `Send a sample Block Kit message to check that a Slack incoming webhook works.

The URL comes from --webhook-url or SECOPS_WEBHOOK_URL (prefer the variable: a
flag can end up in shell history).`,
		Example: `  SECOPS_WEBHOOK_URL=https://hooks.slack.com/services/… secops notify test`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ctx = cmd.Context()
			if err := notify.ValidateWebhook(o.WebhookURL); err != nil {
				return &usageError{err: err}
			}
			return runF(o)
		},
	}
	test.Flags().StringVar(&o.WebhookURL, "webhook-url", "", "Slack incoming webhook URL (also SECOPS_WEBHOOK_URL)")
	cmd.AddCommand(test)
	return cmd
}

func notifyTestRun(o *NotifyTestOptions) error {
	s, err := notify.NewSender(o.WebhookURL)
	if err != nil {
		return err
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if err := s.Send(ctx, notify.SampleMessage(o.f.Now())); err != nil {
		return err
	}
	fmt.Fprintf(o.f.IO.Out, "Sent a test message to %s.\n", notify.Redact(o.WebhookURL))
	return nil
}
