package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/bootstrap"
	"github.com/secops-dev/secops/pkg/iostreams"
)

// parseCmd parses args through a root with the real settings handling
// (flag > env > file) and returns the options the command got.
func parseCmd[O any](t *testing.T, newCmd func(*Factory, func(*O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	t.Setenv("SECOPS_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	io, _, _, _ := iostreams.Test()
	f := newFactory(io)
	var got *O
	root := &cobra.Command{Use: "secops", PersistentPreRunE: func(c *cobra.Command, _ []string) error { return applySettings(c, f) }}
	root.AddCommand(newCmd(f, func(o *O) error { got = o; return nil }))
	root.SetArgs(args)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.Execute()
	return got, err
}

func TestBootstrapFlags(t *testing.T) {
	p, err := parseCmd(t, newCmdBootstrapPlan, "plan", "--dry-run", "--stacks", "alerts,scanner")
	if err != nil || !p.DryRun || strings.Join(p.Stacks, ",") != "alerts,scanner" {
		t.Errorf("plan: %+v, %v", p, err)
	}

	t.Setenv("SECOPS_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T/B/FROMENV")
	a, err := parseCmd(t, newCmdBootstrapApply, "apply", "--connection-arn", "arn:aws:codeconnections:eu-west-1:1:connection/x", "--repository", "acme/shop", "--lambda-zip", "pkg.zip")
	if err != nil || a.Values["SlackWebhookUrl"] != "https://hooks.slack.com/services/T/B/FROMENV" || a.Values["RepositoryId"] != "acme/shop" || a.Package.LambdaZip != "pkg.zip" {
		t.Errorf("apply: %+v, %v", a, err)
	}
	a, _ = parseCmd(t, newCmdBootstrapApply, "apply", "--slack-webhook-url", "https://hooks.slack.com/services/T/B/FLAG")
	if a.Values["SlackWebhookUrl"] != "https://hooks.slack.com/services/T/B/FLAG" {
		t.Errorf("flag must beat env: %q", a.Values["SlackWebhookUrl"])
	}

	d, err := parseCmd(t, newCmdBootstrapDestroy, "destroy", "-y", "--delete-data")
	if err != nil || !d.Yes || !d.DeleteData {
		t.Errorf("destroy: %+v, %v", d, err)
	}
	s, err := parseCmd(t, newCmdBootstrapStatus, "status", "--drift=false")
	if err != nil || s.Drift {
		t.Errorf("status: %+v, %v", s, err)
	}
}

// TestParameterFlagsComeFromTheRegistry checks that every stack parameter
// with a flag is a flag of plan and apply, and nothing else is.
func TestParameterFlagsComeFromTheRegistry(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := newFactory(io)
	for _, cmd := range []*cobra.Command{newCmdBootstrapPlan(f, nil), newCmdBootstrapApply(f, nil)} {
		for _, p := range bootstrap.FlagParams(bootstrap.Stacks().Owned("")) {
			fl := cmd.Flags().Lookup(p.Flag)
			if fl == nil || fl.Usage != p.Usage {
				t.Errorf("%s: flag --%s (%s) = %+v", cmd.Name(), p.Flag, p.Key, fl)
			}
		}
	}
}

// noDeployer fails the test if the command reaches AWS.
func noDeployer(t *testing.T) func(context.Context) (*bootstrap.Deployer, error) {
	return func(context.Context) (*bootstrap.Deployer, error) {
		t.Error("AWS deployer built")
		return nil, errors.New("no AWS in this test")
	}
}

func TestDestroyWithoutYesOnPipeRefuses(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	f := newFactory(io)
	err := bootstrapDestroyRun(context.Background(), &bootstrapDestroyOptions{IO: io, Deployer: noDeployer(t), Confirm: f.Confirm})
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "pass --yes") {
		t.Errorf("err = %v, want a usage error asking for --yes", err)
	}
}

func TestApplyRejectsBadInputsBeforeAWS(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	tests := []struct {
		o    bootstrapApplyOptions
		want string
	}{
		{bootstrapApplyOptions{Stacks: []string{"nope"}}, `unknown stack "nope"`},
		{bootstrapApplyOptions{Values: bootstrap.Values{"SlackWebhookUrl": "http://insecure"}}, "must be an https:// URL"},
		{bootstrapApplyOptions{Package: packageFlags{LambdaZip: "a.zip", BuildLambda: true}}, "exclude each other"},
		{bootstrapApplyOptions{Package: packageFlags{LambdaZip: "/does/not/exist.zip"}}, "read --lambda-zip"},
		{bootstrapApplyOptions{Output: "sarif"}, "not supported here"},
	}
	for _, tt := range tests {
		tt.o.IO, tt.o.Deployer = io, noDeployer(t)
		err := bootstrapApplyRun(context.Background(), &tt.o)
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
