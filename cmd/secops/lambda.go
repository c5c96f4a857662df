package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/lambdahandler"
)

func newLambdaCmd(f *Factory) *cobra.Command { return newCmdLambda(f, nil) }

// lambdaOptions are the inputs of `secops lambda`: everything comes from
// the function's environment.
type lambdaOptions struct {
	IO        *iostreams.IOStreams
	AWSConfig func(context.Context) (aws.Config, error)
	Getenv    func(string) string
	// Start hands the handler to the Lambda runtime.
	Start func(context.Context, *lambdahandler.Handler) error
}

func newCmdLambda(f *Factory, runF func(*lambdaOptions) error) *cobra.Command {
	opts := &lambdaOptions{IO: f.IO, AWSConfig: f.AWSConfig, Getenv: os.Getenv, Start: lambdahandler.Start}
	return &cobra.Command{
		Use:    "lambda",
		Short:  "Run as an AWS Lambda handler that sends findings to Slack",
		Hidden: true,
		Long: `Run the secops binary as an AWS Lambda function (runtime provided.al2023; name
the binary bootstrap) behind EventBridge rules for "Security Hub Findings -
Imported" and "Config Rules Compliance Change" events (what 'secops bootstrap'
deploys as the alerts stack), and a daily schedule for the digest of failed
Security Hub controls. Each problem reaches Slack once: posted Security Hub
findings are set to Workflow NOTIFIED, and every post is remembered in a
DynamoDB table, across cold starts.

Environment:
  SECOPS_WEBHOOK_SECRET_ARN  Secrets Manager secret with the Slack webhook URL
                             (the URL itself, or JSON {"webhook_url": "…"})
  SECOPS_EVENT_PATTERN       EventBridge event pattern events and findings must
                             match (default: Security Hub findings of secops,
                             Inspector and GuardDuty, HIGH/CRITICAL, NEW, ACTIVE;
                             conformance pack rules turning NON_COMPLIANT)
  SECOPS_DEDUP_TABLE         DynamoDB table (key pk, TTL attribute expiresAt)
                             remembering what was posted
  SECOPS_DEDUP_TTL           how long a post is remembered there (24h)
  SECOPS_DEDUP_WINDOW        without a table: how long a warm function
                             suppresses repeats (10m)

The function needs secretsmanager:GetSecretValue on the secret,
securityhub:BatchUpdateFindings and securityhub:GetFindings on the hub,
dynamodb:PutItem and dynamodb:DeleteItem on the table; with
config:DescribeConfigRules, Config messages also name the ISMS-P controls the
rule evidences.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return lambdaRun(cmd.Context(), opts)
		},
	}
}

func lambdaRun(ctx context.Context, opts *lambdaOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return lambdahandler.ErrNotInLambda
	}
	cfg, err := opts.AWSConfig(ctx)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(opts.IO.ErrOut, nil))
	h, err := lambdahandler.FromEnv(opts.Getenv, cfg, log)
	if err != nil {
		return err
	}
	return opts.Start(ctx, h)
}

// lambdaBootstrapArgs runs `secops lambda` when the binary is the custom
// runtime's bootstrap: Lambda starts it by that name with no arguments.
func lambdaBootstrapArgs(argv0 string, args []string, getenv func(string) string) []string {
	if len(args) == 0 && filepath.Base(argv0) == "bootstrap" && getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		return []string{"lambda"}
	}
	return args
}
