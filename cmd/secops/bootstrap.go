package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/bootstrap"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

// bootstrapLong is the group's help: the registered stacks, each with what
// it holds.
func bootstrapLong() string {
	var b strings.Builder
	b.WriteString("Provision the secops reference architecture as CloudFormation stacks:\n\n")
	for _, s := range bootstrap.Stacks().All() {
		summary := s.Summary
		if s.Command != "" {
			summary += " (deployed by '" + s.Command + "')"
		}
		fmt.Fprintf(&b, "  %-10s %s\n", s.Name, wrap(summary, 68, strings.Repeat(" ", 13)))
	}
	b.WriteString(`
Stacks are named secops-<stack>. Every change goes through a CloudFormation
change set; a run that changes nothing says so and succeeds. Without --stacks,
plan and apply act on ` + strings.Join(bootstrap.Names(bootstrap.Stacks().Defaults()), ", ") + `; the others are opt-in.`)
	return b.String()
}

func newBootstrapCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Provision the secops stacks on an AWS account (plan, apply, status, destroy)",
		Long:  bootstrapLong(),
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(
		newCmdBootstrapPlan(f, nil),
		newCmdBootstrapApply(f, nil),
		newCmdBootstrapStatus(f, nil),
		newCmdBootstrapDestroy(f, nil),
	)
	return cmd
}

// wrap breaks text into lines of at most width characters, indenting the
// lines after the first.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(text) {
		switch {
		case i == 0:
		case n+1+len(w) > width:
			b.WriteString("\n" + indent)
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// stackFlags is the --stacks flag every bootstrap command has.
type stackFlags struct {
	Stacks []string
}

func (s *stackFlags) register(cmd *cobra.Command, def string) {
	cmd.Flags().StringSliceVar(&s.Stacks, "stacks", nil,
		fmt.Sprintf("stacks to act on: %s, or all (default %s)", strings.Join(bootstrap.Names(bootstrap.Stacks().Owned("")), ", "), def))
}

// paramFlags are the stack parameters that have a flag, as the registry
// declares them.
type paramFlags struct {
	params []bootstrap.Param
	values map[string]*string
}

func (p *paramFlags) register(cmd *cobra.Command) {
	p.params = bootstrap.FlagParams(bootstrap.Stacks().Owned(""))
	p.values = map[string]*string{}
	for _, prm := range p.params {
		v := new(string)
		p.values[prm.Key] = v
		cmd.Flags().StringVar(v, prm.Flag, "", prm.Usage)
	}
}

// Values returns the parameters the user gave.
func (p *paramFlags) Values() bootstrap.Values {
	out := bootstrap.Values{}
	for k, v := range p.values {
		if s := strings.TrimSpace(*v); s != "" {
			out[k] = s
		}
	}
	return out
}

// packageFlags choose the secops package the stacks that install secops
// get: a zip, a go build, or (by default) the running binary.
type packageFlags struct {
	LambdaZip   string
	BuildLambda bool
}

func (p *packageFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.LambdaZip, "lambda-zip", "", "secops package for Lambda, CodeBuild and the scanner host: a zip holding a static linux/amd64 secops named bootstrap")
	cmd.Flags().BoolVar(&p.BuildLambda, "build-lambda", false, "build the package with 'go build' (CGO_ENABLED=0) from the secops source in the current directory")
}

// packager makes the package: the running binary, or a go build.
type packager struct {
	SelfPackage  func() ([]byte, error)
	BuildPackage func(ctx context.Context, dir string, log io.Writer) ([]byte, error)
}

func newPackager() packager {
	return packager{SelfPackage: bootstrap.SelfPackage, BuildPackage: bootstrap.BuildPackage}
}

// resolve finds the package the stacks need: --lambda-zip, --build-lambda,
// or the running binary. The running binary is packaged whenever it can
// be, so that an upgraded secops updates what it deployed; when it cannot,
// the reason is returned for the case where a stack turns out to need the
// package.
func (pk packager) resolve(ctx context.Context, io *iostreams.IOStreams, flags packageFlags, stacks []bootstrap.Stack, in *bootstrap.Inputs) (selfErr, err error) {
	needs := false
	for _, s := range stacks {
		needs = needs || s.Package
	}
	switch {
	case flags.LambdaZip != "" && flags.BuildLambda:
		return nil, &usageError{err: errors.New("--lambda-zip and --build-lambda exclude each other")}
	case flags.LambdaZip != "":
		in.Package, err = bootstrap.ReadPackage(flags.LambdaZip)
		if err != nil {
			return nil, &usageError{err: err}
		}
	case flags.BuildLambda:
		io.Notef("Building secops for linux/amd64 (go build, CGO_ENABLED=0)…")
		in.Package, err = pk.BuildPackage(ctx, ".", io.ErrOut)
	case needs:
		in.Package, selfErr = pk.SelfPackage()
	}
	return selfErr, err
}

// tableOutput checks -o for commands that print a table or JSON.
func tableOutput(output string) error { return checkOutput(output, "table", "json") }

// bootstrapPlanOptions are the inputs of `secops bootstrap plan`.
type bootstrapPlanOptions struct {
	IO       *iostreams.IOStreams
	Deployer func(context.Context) (*bootstrap.Deployer, error)
	Packager packager
	Table    tableprinter.Options

	Output  string
	Stacks  []string
	Values  bootstrap.Values
	Package packageFlags
	DryRun  bool
}

func newCmdBootstrapPlan(f *Factory, runF func(*bootstrapPlanOptions) error) *cobra.Command {
	opts := &bootstrapPlanOptions{IO: f.IO, Deployer: f.Deployer, Packager: newPackager()}
	var stacks stackFlags
	var params paramFlags
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
			opts.Output, opts.Table = f.Globals.Output, f.TableOptions()
			opts.Stacks, opts.Values = stacks.Stacks, params.Values()
			if runF != nil {
				return runF(opts)
			}
			return bootstrapPlanRun(cmd.Context(), opts)
		},
	}
	stacks.register(cmd, "all with --dry-run, else "+strings.Join(bootstrap.Names(bootstrap.Stacks().Defaults()), ","))
	params.register(cmd)
	opts.Package.register(cmd)
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "render the templates without calling AWS")
	return cmd
}

func bootstrapPlanRun(ctx context.Context, opts *bootstrapPlanOptions) error {
	reg := bootstrap.Stacks()
	if opts.DryRun {
		if err := checkOutput(opts.Output, "table", "yaml", "json"); err != nil {
			return err
		}
		stacks, err := reg.Select(opts.Stacks, reg.Owned(""), false)
		if err != nil {
			return &usageError{err: err}
		}
		tmpls, err := bootstrap.Render(stacks)
		if err != nil {
			return err
		}
		return bootstrap.WriteDryRun(opts.IO.Out, opts.Table, tmpls, opts.Output)
	}
	if err := tableOutput(opts.Output); err != nil {
		return err
	}
	stacks, err := reg.Select(opts.Stacks, reg.Defaults(), false)
	if err != nil {
		return &usageError{err: err}
	}
	in := bootstrap.Inputs{Values: opts.Values}
	if err := validateValues(stacks, in.Values); err != nil {
		return err
	}
	// A package that cannot be made is not an error here: the plan then
	// shows the deployed one kept.
	if _, err := opts.Packager.resolve(ctx, opts.IO, opts.Package, stacks, &in); err != nil {
		return err
	}
	d, err := opts.Deployer(ctx)
	if err != nil {
		return err
	}
	opts.IO.Notef("backend: CloudFormation (%s)", d.Region)
	rows, err := d.Plan(ctx, bootstrap.Names(stacks), in)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSON(opts.IO.Out, rows)
	}
	return bootstrap.WritePlan(opts.IO.Out, opts.Table, rows)
}

// bootstrapApplyOptions are the inputs of `secops bootstrap apply`.
type bootstrapApplyOptions struct {
	IO       *iostreams.IOStreams
	Deployer func(context.Context) (*bootstrap.Deployer, error)
	Table    tableprinter.Options
	// PromptSecret asks for a secret without echo; ErrNoTerminal when it
	// cannot.
	PromptSecret func(prompt string) (string, error)
	Packager     packager

	Output  string
	Stacks  []string
	Values  bootstrap.Values
	Package packageFlags
	Timeout time.Duration
}

func newCmdBootstrapApply(f *Factory, runF func(*bootstrapApplyOptions) error) *cobra.Command {
	opts := &bootstrapApplyOptions{
		IO: f.IO, Deployer: f.Deployer, PromptSecret: f.PromptSecret, Packager: newPackager(),
	}
	var stacks stackFlags
	var params paramFlags
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Create or update the stacks through change sets",
		Long: `Create or update the stacks through CloudFormation change sets, in order
(` + strings.Join(bootstrap.Names(bootstrap.Stacks().Owned("")), ", ") + `), showing stack events as they come.
A stack with nothing to change is left alone. On failure the failed events
and their reasons are printed and the exit code is 2.

Values a new stack needs are checked before anything is deployed. The alerts
stack needs the Slack webhook URL once: --slack-webhook-url,
SECOPS_SLACK_WEBHOOK_URL, or a hidden prompt on a terminal. It is stored in
Secrets Manager, passed as a NoEcho parameter and never printed. On update,
a flag not given keeps the deployed value.

The notifier Lambda, the build jobs and the scanner host run the secops
binary itself: on linux/amd64 the running binary is packaged when it is
statically linked, otherwise pass --lambda-zip or --build-lambda.`,
		Example: `  secops bootstrap apply --slack-webhook-url "$WEBHOOK"
  secops bootstrap apply --stacks pipeline --connection-arn arn:aws:codeconnections:… --repository acme/shop
  secops bootstrap apply --stacks scanner`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output, opts.Table = f.Globals.Output, f.TableOptions()
			opts.Stacks, opts.Values = stacks.Stacks, params.Values()
			if runF != nil {
				return runF(opts)
			}
			return bootstrapApplyRun(cmd.Context(), opts)
		},
	}
	stacks.register(cmd, strings.Join(bootstrap.Names(bootstrap.Stacks().Defaults()), ","))
	params.register(cmd)
	opts.Package.register(cmd)
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 60*time.Minute, "give up waiting for a stack after this long")
	return cmd
}

func bootstrapApplyRun(ctx context.Context, opts *bootstrapApplyOptions) error {
	if err := tableOutput(opts.Output); err != nil {
		return err
	}
	reg := bootstrap.Stacks()
	stacks, err := reg.Select(opts.Stacks, reg.Defaults(), false)
	if err != nil {
		return &usageError{err: err}
	}
	in := bootstrap.Inputs{Values: opts.Values}
	if err := validateValues(stacks, in.Values); err != nil {
		return err
	}
	selfErr, err := opts.Packager.resolve(ctx, opts.IO, opts.Package, stacks, &in)
	if err != nil {
		return err
	}
	d, err := opts.Deployer(ctx)
	if err != nil {
		return err
	}
	d.Timeout = opts.Timeout
	opts.IO.Notef("backend: CloudFormation (%s)", d.Region)
	missing, err := d.Missing(ctx, stacks, in)
	if err != nil {
		return &usageError{err: err}
	}
	for _, m := range missing {
		if m.Param.Key == "" && selfErr != nil {
			return selfErr
		}
		if !m.Param.Secret || opts.PromptSecret == nil {
			return &usageError{err: m}
		}
		v, err := opts.PromptSecret(m.Param.Usage + " (input hidden): ")
		if errors.Is(err, ErrNoTerminal) {
			return &usageError{err: m}
		}
		if err != nil {
			return err
		}
		if m.Param.Validate != nil {
			if err := m.Param.Validate(v); err != nil {
				return &usageError{err: err}
			}
		}
		in.Values[m.Param.Key] = v
	}
	res, err := d.Apply(ctx, bootstrap.Names(stacks), in)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSON(opts.IO.Out, res)
	}
	return bootstrap.WriteApply(opts.IO.Out, opts.Table, res)
}

// validateValues checks the parameter values the user gave, before any
// AWS call.
func validateValues(stacks []bootstrap.Stack, v bootstrap.Values) error {
	for _, s := range stacks {
		for _, p := range s.Params {
			if x := v[p.Key]; x != "" && p.Validate != nil {
				if err := p.Validate(x); err != nil {
					return &usageError{err: err}
				}
			}
		}
		if s.Check != nil {
			if err := s.Check(v); err != nil {
				return &usageError{err: err}
			}
		}
	}
	return nil
}

// bootstrapStatusOptions are the inputs of `secops bootstrap status`.
type bootstrapStatusOptions struct {
	IO       *iostreams.IOStreams
	Deployer func(context.Context) (*bootstrap.Deployer, error)
	Table    tableprinter.Options

	Output string
	Stacks []string
	Drift  bool
}

func newCmdBootstrapStatus(f *Factory, runF func(*bootstrapStatusOptions) error) *cobra.Command {
	opts := &bootstrapStatusOptions{IO: f.IO, Deployer: f.Deployer}
	var stacks stackFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each stack's state, last update and drift",
		Long: `Show the state, last update and drift of every stack secops deploys,
those of other secops commands included.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output, opts.Table, opts.Stacks = f.Globals.Output, f.TableOptions(), stacks.Stacks
			if runF != nil {
				return runF(opts)
			}
			return bootstrapStatusRun(cmd.Context(), opts)
		},
	}
	stacks.register(cmd, "all")
	cmd.Flags().BoolVar(&opts.Drift, "drift", true, "run drift detection on each deployed stack (--drift=false to skip)")
	return cmd
}

func bootstrapStatusRun(ctx context.Context, opts *bootstrapStatusOptions) error {
	if err := tableOutput(opts.Output); err != nil {
		return err
	}
	reg := bootstrap.Stacks()
	stacks, err := reg.Select(opts.Stacks, reg.All(), true)
	if err != nil {
		return &usageError{err: err}
	}
	d, err := opts.Deployer(ctx)
	if err != nil {
		return err
	}
	opts.IO.Notef("backend: CloudFormation (%s)", d.Region)
	rows, err := d.Status(ctx, bootstrap.Names(stacks), opts.Drift)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSON(opts.IO.Out, rows)
	}
	return bootstrap.WriteStatus(opts.IO.Out, opts.Table, rows)
}

// bootstrapDestroyOptions are the inputs of `secops bootstrap destroy`.
type bootstrapDestroyOptions struct {
	IO       *iostreams.IOStreams
	Deployer func(context.Context) (*bootstrap.Deployer, error)
	// Confirm asks a yes/no question; ErrNoTerminal when it cannot.
	Confirm func(question string) (bool, error)

	Output           string
	Stacks           []string
	Yes              bool
	DeleteData       bool
	DisableInspector bool
}

func newCmdBootstrapDestroy(f *Factory, runF func(*bootstrapDestroyOptions) error) *cobra.Command {
	opts := &bootstrapDestroyOptions{IO: f.IO, Deployer: f.Deployer, Confirm: f.Confirm}
	var stacks stackFlags
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Delete the stacks (data buckets are kept unless --delete-data)",
		Long: `Delete the stacks in reverse order and wait for each. The data stays
(DeletionPolicy Retain): the log, access-log and artifacts buckets, the KMS
key that encrypts the CloudTrail logs, and the ECR repository, so that apply
works again afterwards. --delete-data deletes that data too, also what
earlier destroys kept (CloudFormation lists deleted stacks for 90 days): the
buckets are emptied and deleted, the repositories deleted with their
images, the key scheduled for deletion in 7 days.

Inspector was turned on by apply, outside CloudFormation: when the security
stack goes, destroy asks whether to turn its scans off too
(--disable-inspector answers yes; with --yes and without it, they stay on).
Asks for confirmation; --yes skips the question (CI).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output, opts.Stacks = f.Globals.Output, stacks.Stacks
			if runF != nil {
				return runF(opts)
			}
			return bootstrapDestroyRun(cmd.Context(), opts)
		},
	}
	stacks.register(cmd, "all")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.DeleteData, "delete-data", false, "also delete the data: buckets, image repositories, the KMS key (and what earlier destroys kept)")
	cmd.Flags().BoolVar(&opts.DisableInspector, "disable-inspector", false, "turn off the Inspector scans apply turned on, when the security stack goes")
	return cmd
}

func bootstrapDestroyRun(ctx context.Context, opts *bootstrapDestroyOptions) error {
	if err := tableOutput(opts.Output); err != nil {
		return err
	}
	reg := bootstrap.Stacks()
	stacks, err := reg.Select(opts.Stacks, reg.Owned(""), false)
	if err != nil {
		return &usageError{err: err}
	}
	names := bootstrap.Names(stacks)
	if !opts.Yes {
		what := "delete the stacks " + strings.Join(names, ", ")
		if opts.DeleteData {
			what += " AND delete their data (buckets, image repositories, the KMS key)"
		}
		ok, err := opts.Confirm(fmt.Sprintf("This will %s. Continue? [y/N] ", what))
		if errors.Is(err, ErrNoTerminal) {
			return &usageError{err: errors.New("refusing to destroy without confirmation: stdin is not a terminal; pass --yes")}
		}
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("destroy cancelled; nothing was deleted")
		}
	}
	d, err := opts.Deployer(ctx)
	if err != nil {
		return err
	}
	opts.IO.Notef("backend: CloudFormation (%s)", d.Region)
	disable := opts.DisableInspector
	if !disable && !opts.Yes && slices.Contains(names, bootstrap.StackSecurity) {
		on, err := d.InspectorEnabled(ctx)
		if err != nil {
			return err
		}
		if on {
			disable, err = opts.Confirm("Inspector scans ECR images, EC2 instances and Lambda functions in this account (secops bootstrap turned it on). Turn those scans off too? [y/N] ")
			if err != nil && !errors.Is(err, ErrNoTerminal) {
				return err
			}
		}
	}
	res, err := d.Destroy(ctx, names, bootstrap.DestroyOptions{DeleteData: opts.DeleteData, DisableInspector: disable})
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return writeJSON(opts.IO.Out, res)
	}
	return bootstrap.WriteDestroy(opts.IO.Out, res)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
