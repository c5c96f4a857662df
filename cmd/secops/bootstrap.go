package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/secops-dev/secops/pkg/bootstrap"
)

const bootstrapLong = `Provision the secops reference architecture as CloudFormation stacks:

  security  Security Hub (AWS Foundational Security Best Practices, CIS), GuardDuty,
            AWS Config with the ISMS-P conformance pack, the data buckets;
            Inspector scanning of ECR and EC2 is turned on after apply
  alerts    EventBridge rules and the notifier Lambda posting to Slack
  pipeline  ECR and a CodePipeline: build, scan gate, deploy to EKS, DAST
  scanner   (optional) an SSM-managed EC2 host for secops scan --remote

Stacks are named secops-<stack>. Every change goes through a CloudFormation
change set; a run that changes nothing says so and succeeds.`

// bootstrapOptions hold the flags of the bootstrap subcommands.
type bootstrapOptions struct {
	Stacks []string
	Output string

	// plan
	DryRun bool

	// apply
	SlackWebhookURL string
	LambdaZip       string
	BuildLambda     bool
	ConnectionArn   string
	Repository      string
	Branch          string
	ClusterName     string
	AppURL          string
	SubnetID        string
	VpcID           string
	Timeout         time.Duration

	// status
	Drift bool

	// destroy
	Yes        bool
	DeleteData bool
}

func newBootstrapCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Provision the secops stacks on an AWS account (plan, apply, status, destroy)",
		Long:  bootstrapLong,
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(
		newBootstrapPlanCmd(f, nil),
		newBootstrapApplyCmd(f, nil),
		newBootstrapStatusCmd(f, nil),
		newBootstrapDestroyCmd(f, nil),
	)
	return cmd
}

func addStacksFlag(cmd *cobra.Command, o *bootstrapOptions, def string) {
	cmd.Flags().StringSliceVar(&o.Stacks, "stacks", nil,
		fmt.Sprintf("stacks to act on: %s, or all (default %s)", strings.Join(bootstrap.AllStacks, ", "), def))
}

func addInputFlags(cmd *cobra.Command, o *bootstrapOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.ConnectionArn, "connection-arn", "", "CodeConnections ARN for a GitHub/GitLab/Bitbucket source (default: a CodeCommit repository)")
	fl.StringVar(&o.Repository, "repository", "", "source repository: owner/name with --connection-arn, else the CodeCommit name (default secops-app)")
	fl.StringVar(&o.Branch, "branch", "", "branch the pipeline builds (default main)")
	fl.StringVar(&o.ClusterName, "cluster-name", "", "EKS cluster the Deploy stage deploys to (default secops)")
	fl.StringVar(&o.AppURL, "app-url", "", "URL the DAST stage scans (default: skip DAST)")
	fl.StringVar(&o.SubnetID, "subnet-id", "", "subnet for the scanner host, with --vpc-id (default: the default VPC)")
	fl.StringVar(&o.VpcID, "vpc-id", "", "VPC of --subnet-id, for the scanner's security group")
	fl.StringVar(&o.LambdaZip, "lambda-zip", "", "secops package for Lambda and CodeBuild: a zip holding a linux/amd64 secops named bootstrap")
	fl.BoolVar(&o.BuildLambda, "build-lambda", false, "build the package with 'go build' from the secops source in the current directory")
}

func newBootstrapPlanCmd(f *Factory, runF func(*bootstrapOptions) error) *cobra.Command {
	o := &bootstrapOptions{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would create or change, per stack",
		Long: `Show what apply would create or change. Each stack gets a CloudFormation
change set that is read and deleted again; nothing is deployed.

With --dry-run no AWS call is made and no credentials are needed: the
rendered templates are listed, or printed in full with -o yaml.`,
		Example: `  secops bootstrap plan
  secops bootstrap plan --dry-run -o yaml > secops-stacks.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Output = f.Globals.Output
			if runF != nil {
				return runF(o)
			}
			return bootstrapPlanRun(cmd.Context(), f, o)
		},
	}
	addStacksFlag(cmd, o, "all with --dry-run, else "+strings.Join(bootstrap.DefaultStacks, ","))
	addInputFlags(cmd, o)
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "render the templates without calling AWS")
	return cmd
}

func bootstrapPlanRun(ctx context.Context, f *Factory, o *bootstrapOptions) error {
	if o.DryRun {
		if err := checkOutput(o.Output, "table", "yaml", "json"); err != nil {
			return err
		}
		stacks := bootstrap.AllStacks
		if len(o.Stacks) > 0 {
			var err error
			if stacks, err = bootstrap.SelectStacks(o.Stacks); err != nil {
				return &usageError{err: err}
			}
		}
		tmpls, err := bootstrap.Render(stacks)
		if err != nil {
			return err
		}
		return writeDryRun(f.IO.Out, tmpls, o.Output)
	}
	if err := checkOutput(o.Output, "table", "json"); err != nil {
		return err
	}
	stacks, err := bootstrap.SelectStacks(o.Stacks)
	if err != nil {
		return &usageError{err: err}
	}
	in, err := bootstrapInputs(ctx, f, o, false)
	if err != nil {
		return err
	}
	d, err := newDeployer(ctx, f)
	if err != nil {
		return err
	}
	rows, err := d.Plan(ctx, stacks, in)
	if err != nil {
		return err
	}
	if o.Output == "json" {
		return writeJSON(f.IO.Out, rows)
	}
	return bootstrap.WritePlan(f.IO.Out, rows)
}

// writeDryRun prints the rendered templates: in full as a YAML stream with
// -o yaml, else as the list of resources each stack would hold.
func writeDryRun(w io.Writer, tmpls []bootstrap.Template, output string) error {
	switch output {
	case "yaml":
		for i, t := range tmpls {
			if i > 0 {
				fmt.Fprintln(w, "---")
			}
			fmt.Fprintf(w, "# Stack: %s\n", t.Name)
			if _, err := w.Write(t.Body); err != nil {
				return err
			}
		}
		return nil
	case "json":
		type stack struct {
			Stack    string `json:"stack"`
			Name     string `json:"name"`
			Template string `json:"template"`
		}
		var out []stack
		for _, t := range tmpls {
			out = append(out, stack{t.Stack, t.Name, string(t.Body)})
		}
		return writeJSON(w, out)
	}
	var rows []bootstrap.Change
	for _, t := range tmpls {
		res, err := bootstrap.Resources(t.Body)
		if err != nil {
			return err
		}
		for _, r := range res {
			rows = append(rows, bootstrap.Change{Stack: t.Stack, Action: "Add", LogicalID: r[0], Type: r[1]})
		}
	}
	if err := bootstrap.WritePlan(w, rows); err != nil {
		return err
	}
	fmt.Fprintln(w, "(dry run: resources of the rendered templates; the account's current state was not read)")
	return nil
}

func newBootstrapApplyCmd(f *Factory, runF func(*bootstrapOptions) error) *cobra.Command {
	o := &bootstrapOptions{}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Create or update the stacks through change sets, then enable Inspector",
		Long: `Create or update the stacks through CloudFormation change sets, in order
(security, alerts, pipeline, scanner), showing stack events as they come.
A stack with nothing to change is left alone. On failure the failed events
and their reasons are printed and the exit code is 2.

The alerts stack needs the Slack webhook URL once: --slack-webhook-url,
SECOPS_SLACK_WEBHOOK_URL, or a hidden prompt on a terminal. It is stored in
Secrets Manager, passed as a NoEcho parameter and never printed.

The notifier Lambda and the build jobs run the secops binary itself: on
linux/amd64 the running binary is packaged, otherwise pass --lambda-zip or
--build-lambda.`,
		Example: `  secops bootstrap apply --slack-webhook-url "$WEBHOOK"
  secops bootstrap apply --stacks pipeline --connection-arn arn:aws:codeconnections:… --repository acme/shop
  secops bootstrap apply --stacks scanner`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Output = f.Globals.Output
			if runF != nil {
				return runF(o)
			}
			return bootstrapApplyRun(cmd.Context(), f, o)
		},
	}
	addStacksFlag(cmd, o, strings.Join(bootstrap.DefaultStacks, ","))
	addInputFlags(cmd, o)
	cmd.Flags().StringVar(&o.SlackWebhookURL, "slack-webhook-url", "", "Slack incoming webhook for alerts (stored in Secrets Manager; never printed)")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 60*time.Minute, "give up waiting for a stack after this long")
	return cmd
}

func bootstrapApplyRun(ctx context.Context, f *Factory, o *bootstrapOptions) error {
	if err := checkOutput(o.Output, "table", "json"); err != nil {
		return err
	}
	stacks, err := bootstrap.SelectStacks(o.Stacks)
	if err != nil {
		return &usageError{err: err}
	}
	in, err := bootstrapInputs(ctx, f, o, true)
	if err != nil {
		return err
	}
	d, err := newDeployer(ctx, f)
	if err != nil {
		return err
	}
	d.Timeout = o.Timeout
	if in.SlackWebhookURL == "" {
		need, err := d.NeedsWebhook(ctx, stacks)
		if err != nil {
			return err
		}
		if need {
			if in.SlackWebhookURL, err = promptSecret(f, "Slack webhook URL (input hidden): "); err != nil {
				return err
			}
		}
	}
	res, err := d.Apply(ctx, stacks, in)
	if err != nil {
		return err
	}
	if o.Output == "json" {
		return writeJSON(f.IO.Out, res)
	}
	return bootstrap.WriteApply(f.IO.Out, res)
}

// bootstrapInputs turns flags into stack inputs. The package is needed by
// apply only when a stack that installs secops is new or the user asked for
// it; plan never builds.
func bootstrapInputs(ctx context.Context, f *Factory, o *bootstrapOptions, apply bool) (bootstrap.Inputs, error) {
	in := bootstrap.Inputs{
		SlackWebhookURL: strings.TrimSpace(o.SlackWebhookURL),
		ConnectionArn:   o.ConnectionArn,
		RepositoryID:    o.Repository,
		Branch:          o.Branch,
		ClusterName:     o.ClusterName,
		AppURL:          o.AppURL,
		SubnetID:        o.SubnetID,
		VpcID:           o.VpcID,
	}
	if in.SlackWebhookURL != "" && !strings.HasPrefix(in.SlackWebhookURL, "https://") {
		return in, &usageError{err: errors.New("--slack-webhook-url must be an https:// URL")}
	}
	var err error
	switch {
	case o.LambdaZip != "" && o.BuildLambda:
		return in, &usageError{err: errors.New("--lambda-zip and --build-lambda exclude each other")}
	case o.LambdaZip != "":
		in.Package, err = bootstrap.ReadPackage(o.LambdaZip)
	case o.BuildLambda && apply:
		p := f.Progress()
		p.Step("building secops for linux/amd64")
		in.Package, err = bootstrap.BuildPackage(ctx, ".", f.IO.ErrOut)
		p.Done("")
	case apply && needsPackage(o.Stacks):
		// Package the running binary when it can run on Lambda; otherwise
		// leave it empty, which keeps the deployed package on update and
		// asks for --lambda-zip when a stack needs one.
		if pkg, perr := bootstrap.SelfPackage(); perr == nil {
			in.Package = pkg
		}
	}
	return in, err
}

// needsPackage reports whether a stack that runs secops (alerts,
// pipeline, scanner) is selected.
func needsPackage(flagStacks []string) bool {
	stacks, err := bootstrap.SelectStacks(flagStacks)
	if err != nil {
		return false
	}
	for _, s := range stacks {
		if s != bootstrap.StackSecurity {
			return true
		}
	}
	return false
}

func newBootstrapStatusCmd(f *Factory, runF func(*bootstrapOptions) error) *cobra.Command {
	o := &bootstrapOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each stack's state, last update and drift",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Output = f.Globals.Output
			if runF != nil {
				return runF(o)
			}
			return bootstrapStatusRun(cmd.Context(), f, o)
		},
	}
	addStacksFlag(cmd, o, "all")
	cmd.Flags().BoolVar(&o.Drift, "drift", true, "run drift detection on each deployed stack (--drift=false to skip)")
	return cmd
}

func bootstrapStatusRun(ctx context.Context, f *Factory, o *bootstrapOptions) error {
	if err := checkOutput(o.Output, "table", "json"); err != nil {
		return err
	}
	stacks := bootstrap.AllStacks
	if len(o.Stacks) > 0 {
		var err error
		if stacks, err = bootstrap.SelectStacks(o.Stacks); err != nil {
			return &usageError{err: err}
		}
	}
	d, err := newDeployer(ctx, f)
	if err != nil {
		return err
	}
	rows, err := d.Status(ctx, stacks, o.Drift)
	if err != nil {
		return err
	}
	if o.Output == "json" {
		return writeJSON(f.IO.Out, rows)
	}
	return bootstrap.WriteStatus(f.IO.Out, rows)
}

func newBootstrapDestroyCmd(f *Factory, runF func(*bootstrapOptions) error) *cobra.Command {
	o := &bootstrapOptions{}
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Delete the stacks (data buckets are kept unless --delete-data)",
		Long: `Delete the stacks in reverse order and wait for each. The Config and
artifacts buckets, the ECR repository and the CodeCommit repository are kept
(DeletionPolicy Retain); --delete-data empties and deletes the buckets too.
Asks for confirmation; --yes skips the question (CI).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Output = f.Globals.Output
			if runF != nil {
				return runF(o)
			}
			return bootstrapDestroyRun(cmd.Context(), f, o)
		},
	}
	addStacksFlag(cmd, o, "all")
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&o.DeleteData, "delete-data", false, "also empty and delete the data buckets")
	return cmd
}

func bootstrapDestroyRun(ctx context.Context, f *Factory, o *bootstrapOptions) error {
	if err := checkOutput(o.Output, "table", "json"); err != nil {
		return err
	}
	stacks := bootstrap.AllStacks
	if len(o.Stacks) > 0 {
		var err error
		if stacks, err = bootstrap.SelectStacks(o.Stacks); err != nil {
			return &usageError{err: err}
		}
	}
	if !o.Yes {
		what := "delete the stacks " + strings.Join(stacks, ", ")
		if o.DeleteData {
			what += " AND empty and delete their data buckets"
		}
		ok, err := confirm(f, fmt.Sprintf("This will %s. Continue? [y/N] ", what))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("destroy cancelled; nothing was deleted")
		}
	}
	d, err := newDeployer(ctx, f)
	if err != nil {
		return err
	}
	res, err := d.Destroy(ctx, stacks, o.DeleteData)
	if err != nil {
		return err
	}
	if o.Output == "json" {
		return writeJSON(f.IO.Out, res)
	}
	return bootstrap.WriteDestroy(f.IO.Out, res)
}

// newDeployer builds the deployer with SDK clients from the global flags.
func newDeployer(ctx context.Context, f *Factory) (*bootstrap.Deployer, error) {
	cfg, err := f.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, &usageError{err: errors.New("no AWS Region: pass --region or set AWS_REGION")}
	}
	v, _, _ := buildVersion()
	return &bootstrap.Deployer{
		CFN:       cloudformation.NewFromConfig(cfg),
		S3:        s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = f.Globals.EndpointURL != "" }),
		Inspector: inspector2.NewFromConfig(cfg),
		STS:       sts.NewFromConfig(cfg),
		Progress:  f.Progress(),
		Version:   v,
		Now:       f.Now,
	}, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// stdinTerminal returns stdin's descriptor when it is a terminal.
func stdinTerminal(f *Factory) (int, bool) {
	file, ok := f.IO.In.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return 0, false
	}
	return int(file.Fd()), true
}

// promptSecret reads a value without echo; it never prints the value.
func promptSecret(f *Factory, prompt string) (string, error) {
	fd, ok := stdinTerminal(f)
	if !ok {
		return "", errors.New("the alerts stack needs the Slack webhook URL: pass --slack-webhook-url or set SECOPS_SLACK_WEBHOOK_URL")
	}
	fmt.Fprint(f.IO.ErrOut, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(f.IO.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read Slack webhook URL: %w", err)
	}
	v := strings.TrimSpace(string(b))
	if !strings.HasPrefix(v, "https://") {
		return "", errors.New("the Slack webhook URL must start with https://")
	}
	return v, nil
}

// confirm asks a yes/no question on a terminal; without one it refuses,
// so CI must say --yes.
func confirm(f *Factory, question string) (bool, error) {
	if _, ok := stdinTerminal(f); !ok {
		return false, &usageError{err: errors.New("refusing to destroy without confirmation: stdin is not a terminal; pass --yes")}
	}
	fmt.Fprint(f.IO.ErrOut, question)
	line, err := bufio.NewReader(f.IO.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes", nil
}
