package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/bootstrap"
	"github.com/secops-dev/secops/pkg/iostreams"
)

// runBootstrapCmd parses args through a root with the real settings
// handling (flag > env > file) and returns the options the command got.
func runBootstrapCmd(t *testing.T, newCmd func(*Factory, func(*bootstrapOptions) error) *cobra.Command, args ...string) (*bootstrapOptions, error) {
	t.Helper()
	t.Setenv("SECOPS_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	io, _, _, _ := iostreams.Test()
	f := newFactory(io)
	var got *bootstrapOptions
	root := &cobra.Command{Use: "secops", PersistentPreRunE: func(c *cobra.Command, _ []string) error { return applySettings(c, f) }}
	root.AddCommand(newCmd(f, func(o *bootstrapOptions) error { got = o; return nil }))
	root.SetArgs(args)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.Execute()
	return got, err
}

func TestBootstrapFlags(t *testing.T) {
	o, err := runBootstrapCmd(t, newBootstrapPlanCmd, "plan", "--dry-run", "--stacks", "alerts,scanner")
	if err != nil || !o.DryRun || strings.Join(o.Stacks, ",") != "alerts,scanner" {
		t.Errorf("plan: %+v, %v", o, err)
	}

	t.Setenv("SECOPS_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T/B/FROMENV")
	o, err = runBootstrapCmd(t, newBootstrapApplyCmd, "apply", "--connection-arn", "arn:aws:codeconnections:eu-west-1:1:connection/x", "--repository", "acme/shop", "--lambda-zip", "pkg.zip")
	if err != nil || o.SlackWebhookURL != "https://hooks.slack.com/services/T/B/FROMENV" || o.Repository != "acme/shop" || o.LambdaZip != "pkg.zip" {
		t.Errorf("apply: %+v, %v", o, err)
	}
	o, _ = runBootstrapCmd(t, newBootstrapApplyCmd, "apply", "--slack-webhook-url", "https://hooks.slack.com/services/T/B/FLAG")
	if o.SlackWebhookURL != "https://hooks.slack.com/services/T/B/FLAG" {
		t.Errorf("flag must beat env: %q", o.SlackWebhookURL)
	}

	o, err = runBootstrapCmd(t, newBootstrapDestroyCmd, "destroy", "-y", "--delete-data")
	if err != nil || !o.Yes || !o.DeleteData {
		t.Errorf("destroy: %+v, %v", o, err)
	}
	o, err = runBootstrapCmd(t, newBootstrapStatusCmd, "status", "--drift=false")
	if err != nil || o.Drift {
		t.Errorf("status: %+v, %v", o, err)
	}
}

// noAWS is a Factory whose AWS configuration fails the test if used.
func noAWS(t *testing.T) *Factory {
	io, _, _, _ := iostreams.Test()
	f := newFactory(io)
	f.AWSConfig = func(context.Context) (aws.Config, error) {
		t.Error("AWS configuration loaded")
		return aws.Config{}, errors.New("no AWS in this test")
	}
	return f
}

func TestDestroyWithoutYesOnPipeRefuses(t *testing.T) {
	f := noAWS(t)
	err := bootstrapDestroyRun(context.Background(), f, &bootstrapOptions{})
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "pass --yes") {
		t.Errorf("err = %v, want a usage error asking for --yes", err)
	}
}

func TestApplyRejectsBadInputsBeforeAWS(t *testing.T) {
	f := noAWS(t)
	f.AWSConfig = func(context.Context) (aws.Config, error) {
		return aws.Config{Region: "us-east-1"}, nil
	}
	tests := []struct {
		o    bootstrapOptions
		want string
	}{
		{bootstrapOptions{Stacks: []string{"nope"}}, `unknown stack "nope"`},
		{bootstrapOptions{SlackWebhookURL: "http://insecure"}, "must be an https:// URL"},
		{bootstrapOptions{LambdaZip: "a.zip", BuildLambda: true}, "exclude each other"},
		{bootstrapOptions{LambdaZip: "/does/not/exist.zip"}, "read --lambda-zip"},
		{bootstrapOptions{Output: "sarif"}, "not supported here"},
	}
	for _, tt := range tests {
		err := bootstrapApplyRun(context.Background(), f, &tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.o, err, tt.want)
		}
	}
}

func TestStackFailureExitsTwoWithEvents(t *testing.T) {
	io, _, _, errOut := iostreams.Test()
	err := &bootstrap.StackError{Stack: "secops-security", Status: "ROLLBACK_COMPLETE", Failures: []bootstrap.Event{
		{LogicalID: "ConfigRole", Type: "AWS::IAM::Role", Status: "CREATE_FAILED", Reason: "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole"},
	}}
	if code := exitCode(context.Background(), io, err); code != exitFailure {
		t.Errorf("exit code %d, want %d", code, exitFailure)
	}
	want := "Error: stack secops-security ended in ROLLBACK_COMPLETE\n  CREATE_FAILED ConfigRole (AWS::IAM::Role): User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole\n"
	if errOut.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut.String(), want)
	}
}
