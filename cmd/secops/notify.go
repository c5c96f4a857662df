package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/notify"
)

func newNotifyCmd(f *Factory, runF func(*notifyTestOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Slack notifications",
		Long: `secops sends Security Hub findings, AWS Config compliance changes and GuardDuty
findings to a Slack incoming webhook (from 'secops lambda' behind an EventBridge
rule, or from 'secops findings --notify'). The webhook URL is a secret: secops
never prints or logs it.`,
	}
	cmd.AddCommand(newCmdNotifyTest(f, runF))
	return cmd
}

// notifyTestOptions are the inputs of `secops notify test`.
type notifyTestOptions struct {
	IO  *iostreams.IOStreams
	Now func() time.Time

	WebhookURL string
}

func newCmdNotifyTest(f *Factory, runF func(*notifyTestOptions) error) *cobra.Command {
	opts := &notifyTestOptions{IO: f.IO, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Send a sample message to a Slack incoming webhook",
		Long: `Send a sample Block Kit message to check that a Slack incoming webhook works.

The URL comes from --webhook-url or SECOPS_WEBHOOK_URL (prefer the variable: a
flag can end up in shell history).`,
		Example: `  SECOPS_WEBHOOK_URL=https://hooks.slack.com/services/… secops notify test`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := notify.ValidateWebhook(opts.WebhookURL); err != nil {
				return &usageError{err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return notifyTestRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.WebhookURL, "webhook-url", "", "Slack incoming webhook URL (also SECOPS_WEBHOOK_URL)")
	return cmd
}

func notifyTestRun(ctx context.Context, opts *notifyTestOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := notify.NewSender(opts.WebhookURL)
	if err != nil {
		return err
	}
	if err := s.Send(ctx, notify.SampleMessage(opts.Now())); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Sent a test message to %s.\n", notify.Redact(opts.WebhookURL))
	return nil
}
