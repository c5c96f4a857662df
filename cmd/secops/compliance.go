package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/awsconfig"
	"github.com/secops-dev/secops/pkg/compliance"
)

// complianceReader is what the compliance commands read from AWS Config.
type complianceReader interface {
	Packs(ctx context.Context) ([]compliance.Pack, error)
	PackRules(ctx context.Context, pack, status string) ([]compliance.RuleStatus, error)
	AllRules(ctx context.Context) ([]compliance.RuleStatus, error)
	Resources(ctx context.Context, q compliance.ResourcesQuery) ([]compliance.ResourceStatus, error)
	ISMSP(ctx context.Context) (*compliance.ISMSPReport, error)
}

// ComplianceOptions are the flags of the compliance commands.
type ComplianceOptions struct {
	f      *Factory
	ctx    context.Context
	View   string // packs, rules, resources, isms-p
	Output string

	Pack       string
	Status     string
	Rule       string
	Domain     string
	ShowManual bool
	Evidence   bool
	Lang       string

	// newReader builds the AWS Config reader; tests replace it.
	newReader func(aws.Config) complianceReader
}

func newComplianceCmd(f *Factory, runF func(*ComplianceOptions) error) *cobra.Command {
	if runF == nil {
		runF = complianceRun
	}
	opts := func(view string) *ComplianceOptions {
		return &ComplianceOptions{f: f, View: view, newReader: func(cfg aws.Config) complianceReader { return compliance.NewFromConfig(cfg) }}
	}
	root := opts("packs")
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "Show AWS Config compliance: conformance packs, rules, resources and ISMS-P",
		Long: `Show where the account stands in AWS Config (the Region from --region or your profile).

Without a subcommand, lists the conformance packs with their compliance. Rules
and resources drill down; isms-p rolls the Config rules up into KISA ISMS-P
controls, scores each domain and lists the controls that need manual evidence.

Needs config:DescribeConformancePacks, config:GetConformancePackComplianceSummary,
config:DescribeConformancePackCompliance, config:DescribeConfigRules,
config:DescribeComplianceByConfigRule, config:GetComplianceDetailsByConfigRule
and config:GetConformancePackComplianceDetails.`,
		Example: `  secops compliance
  secops compliance rules --status NON_COMPLIANT
  secops compliance resources iam-password-policy-conformance-pack-x7k2q9wmz
  secops compliance isms-p --domain 2.5 --show-manual
  secops compliance isms-p -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			root.Output, root.ctx = f.Globals.Output, cmd.Context()
			return runF(root)
		},
	}

	rules := opts("rules")
	rulesCmd := &cobra.Command{
		Use:   "rules",
		Short: "List Config rules with their compliance",
		Long: `List the Config rules in the Region with their compliance: all of them, or the
rules of one conformance pack with --pack. The CHECKS column is the managed
rule identifier (Source.SourceIdentifier) the rule runs.`,
		Example: `  secops compliance rules --pack Operational-Best-Practices-for-KISMS
  secops compliance rules --status NON_COMPLIANT -o csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rules.Output, rules.ctx = f.Globals.Output, cmd.Context()
			rules.Status = strings.ToUpper(rules.Status)
			if err := compliance.ValidStatus(rules.Status); err != nil {
				return &usageError{err: err}
			}
			return runF(rules)
		},
	}
	rulesCmd.Flags().StringVar(&rules.Pack, "pack", "", "only the rules of this conformance pack")
	rulesCmd.Flags().StringVar(&rules.Status, "status", "", "only rules in this state: COMPLIANT, NON_COMPLIANT or INSUFFICIENT_DATA")

	res := opts("resources")
	resCmd := &cobra.Command{
		Use:   "resources RULE",
		Short: "List the resources a Config rule evaluated",
		Long: `List every resource a Config rule evaluated, with its compliance and AWS Config's
annotation. RULE is the deployed rule name as 'secops compliance rules' shows it
(rules deployed by a conformance pack carry a suffix).`,
		Example: `  secops compliance resources restricted-ssh-conformance-pack-x7k2q9wmz --status NON_COMPLIANT`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res.Output, res.ctx = f.Globals.Output, cmd.Context()
			res.Rule = args[0]
			res.Status = strings.ToUpper(res.Status)
			if err := (compliance.ResourcesQuery{Rule: res.Rule, Pack: res.Pack, Status: res.Status}).Validate(); err != nil {
				return &usageError{err: fmt.Errorf("--%w", err)}
			}
			return runF(res)
		},
	}
	resCmd.Flags().StringVar(&res.Pack, "pack", "", "read the results through this conformance pack")
	resCmd.Flags().StringVar(&res.Status, "status", "", "only resources in this state: COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE")

	isms := opts("isms-p")
	ismsCmd := &cobra.Command{
		Use:   "isms-p",
		Short: "Roll Config compliance up into KISA ISMS-P controls",
		Long: `Show each ISMS-P control that AWS Config rules can evidence, with its state
rolled up from the mapped rules deployed in the Region (in any conformance pack
or on their own):

  NON_COMPLIANT      a mapped rule is NON_COMPLIANT
  COMPLIANT          every mapped rule with a verdict is COMPLIANT
  INSUFFICIENT_DATA  mapped rules are deployed but have no verdict yet
  NOT_DEPLOYED       none of the mapped rules is deployed

Each domain gets a score: the share of its controls with a verdict that are
COMPLIANT. Controls no Config rule can evidence (policy, people, physical
security) are counted as manual; --show-manual lists them.

The mapping ships with secops; it follows AWS's "Operational Best Practices for
K-ISMS" conformance pack, which 'secops bootstrap' deploys.`,
		Example: `  secops compliance isms-p
  secops compliance isms-p --domain 2.6
  secops compliance isms-p --domain 2.5.4          # one control and its rules
  secops compliance isms-p --lang ko --show-manual
  secops compliance isms-p -o csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			isms.Output, isms.ctx = f.Globals.Output, cmd.Context()
			if isms.Lang != "en" && isms.Lang != "ko" {
				return &usageError{err: fmt.Errorf("--lang %q: use en or ko", isms.Lang)}
			}
			return runF(isms)
		},
	}
	ismsCmd.Flags().StringVar(&isms.Domain, "domain", "", "only this domain (2.6) or control (2.6.1)")
	ismsCmd.Flags().BoolVar(&isms.ShowManual, "show-manual", false, "list the controls that need manual evidence")
	ismsCmd.Flags().BoolVar(&isms.Evidence, "evidence", false, "list each control's Config rules and their states (shown anyway for a single control)")
	ismsCmd.Flags().StringVar(&isms.Lang, "lang", "en", "language of control titles: en or ko")

	cmd.AddCommand(rulesCmd, resCmd, ismsCmd)
	return cmd
}

func complianceRun(o *ComplianceOptions) error {
	format, err := compliance.ParseFormat(o.Output)
	if err != nil {
		return &usageError{err: err}
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := o.f.AWSConfig(ctx)
	if err != nil {
		return err
	}
	if cfg.Region == "" {
		return errors.New("no AWS Region: pass --region or set AWS_REGION (AWS Config is regional)")
	}
	if !awsconfig.HasCredentials(ctx, cfg) {
		return fmt.Errorf("%w (or pass --profile)", awsconfig.ErrNoCredentials)
	}
	reader := o.newReader(cfg)
	io := o.f.IO
	ro := compliance.RenderOptions{
		Color:      io.ColorEnabled(),
		Header:     "backend: aws-config (" + cfg.Region + ")",
		ShowManual: o.ShowManual,
		Evidence:   o.Evidence,
		Korean:     o.Lang == "ko",
	}
	prog := o.f.Progress()
	defer prog.Done("")
	switch o.View {
	case "rules":
		prog.Step("Reading Config rules")
		var rules []compliance.RuleStatus
		if o.Pack != "" {
			ro.Header += " · pack: " + o.Pack
			rules, err = reader.PackRules(ctx, o.Pack, o.Status)
		} else {
			rules, err = reader.AllRules(ctx)
			if err == nil && o.Status != "" {
				var keep []compliance.RuleStatus
				for _, r := range rules {
					if r.Status == o.Status {
						keep = append(keep, r)
					}
				}
				rules = keep
			}
		}
		if err != nil {
			return err
		}
		prog.Done("")
		if m, err := compliance.LoadISMSP(); err == nil {
			m.AnnotateControls(rules)
		}
		return compliance.WriteRules(io.Out, format, rules, ro)
	case "resources":
		prog.Step("Reading evaluation results of %s", o.Rule)
		res, err := reader.Resources(ctx, compliance.ResourcesQuery{Rule: o.Rule, Pack: o.Pack, Status: o.Status})
		if err != nil {
			return err
		}
		prog.Done("")
		ro.Header += " · rule: " + o.Rule
		return compliance.WriteResources(io.Out, format, res, ro)
	case "isms-p":
		prog.Step("Reading Config rules and rolling them up into ISMS-P controls")
		rep, err := reader.ISMSP(ctx)
		if err != nil {
			return err
		}
		prog.Done("")
		rep = rep.Filter(o.Domain)
		ro.Header += " · framework: ISMS-P"
		if len(rep.Packs) > 0 {
			ro.Header += " · packs: " + strings.Join(rep.Packs, ", ")
		}
		if o.Domain != "" {
			ro.Header += " · domain: " + o.Domain
			if len(rep.Controls) == 0 && len(rep.Manual) == 0 {
				return &usageError{err: fmt.Errorf("--domain %q matches no ISMS-P control (domains look like 2.6, controls like 2.6.1)", o.Domain)}
			}
		}
		return compliance.WriteISMSP(io.Out, format, rep, ro)
	default:
		prog.Step("Reading conformance packs")
		packs, err := reader.Packs(ctx)
		if err != nil {
			return err
		}
		prog.Done("")
		return compliance.WritePacks(io.Out, format, packs, ro)
	}
}
