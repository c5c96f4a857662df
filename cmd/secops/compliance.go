package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/awsconfig"
	"github.com/secops-dev/secops/pkg/compliance"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
)

// complianceReader is what the compliance commands read from AWS Config;
// *compliance.Client is one.
type complianceReader interface {
	Region() string
	Packs(ctx context.Context) ([]compliance.Pack, error)
	PackRules(ctx context.Context, pack, status string) ([]compliance.RuleStatus, error)
	AllRules(ctx context.Context) ([]compliance.RuleStatus, error)
	Resources(ctx context.Context, q compliance.ResourcesQuery) ([]compliance.ResourceStatus, error)
	Snapshot(ctx context.Context, o compliance.SnapshotOptions) (*compliance.Snapshot, error)
}

// awsConfigReader opens AWS Config in the Region of the global flags. It
// refuses early, without a request, when no Region or no credentials
// resolve: AWS Config is regional, and the SDK's own error would list its
// whole credential chain.
func awsConfigReader(f *Factory) func(context.Context) (complianceReader, error) {
	return func(ctx context.Context) (complianceReader, error) {
		cfg, err := f.AWSConfig(ctx)
		if err != nil {
			return nil, err
		}
		if cfg.Region == "" {
			return nil, errors.New("no AWS Region: pass --region or set AWS_REGION (AWS Config is regional)")
		}
		if !awsconfig.HasCredentials(ctx, cfg) {
			return nil, fmt.Errorf("%w (or pass --profile); to render a saved snapshot without AWS, use 'secops compliance isms-p --from FILE'", awsconfig.ErrNoCredentials)
		}
		return compliance.NewFromConfig(cfg), nil
	}
}

// complianceFormat reads -o for the compliance views.
func complianceFormat(f *Factory) (string, error) {
	format, err := compliance.ParseFormat(f.Globals.Output)
	if err != nil {
		return "", &usageError{err: err}
	}
	return format, nil
}

func renderOptions(io *iostreams.IOStreams, header string) compliance.RenderOptions {
	return compliance.RenderOptions{
		Color: io.ColorEnabled(), TTY: io.IsStdoutTTY(), Width: io.TerminalWidth(),
		Header: header,
	}
}

func backendHeader(region string) string { return "backend: aws-config (" + region + ")" }

// compliancePacksOptions are `secops compliance`: the conformance packs.
type compliancePacksOptions struct {
	IO       *iostreams.IOStreams
	Config   func(context.Context) (complianceReader, error)
	Progress func() *progress.Reporter

	Format string
}

func newCmdCompliance(f *Factory, runF func(*compliancePacksOptions) error) *cobra.Command {
	opts := &compliancePacksOptions{IO: f.IO, Config: awsConfigReader(f), Progress: f.Progress}
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "Show AWS Config compliance: conformance packs, rules, resources and ISMS-P",
		Long: `Show where the account stands in AWS Config (the Region from --region or your profile).

Without a subcommand, lists the conformance packs with their compliance. Rules
and resources drill down; isms-p rolls the Config rules up into KISA ISMS-P
controls, scores each domain and writes the audit report.

Needs config:DescribeConformancePacks, config:GetConformancePackComplianceSummary,
config:DescribeConformancePackCompliance, config:DescribeConfigRules,
config:DescribeComplianceByConfigRule, config:GetComplianceDetailsByConfigRule,
config:GetConformancePackComplianceDetails and (for isms-p reports and
snapshots) config:DescribeConfigRuleEvaluationStatus.`,
		Example: `  secops compliance
  secops compliance rules --status NON_COMPLIANT
  secops compliance resources iam-password-policy-conformance-pack-x7k2q9wmz
  secops compliance isms-p --domain 2.5 --show-manual
  secops compliance isms-p --from testdata/compliance/isms-p-snapshot.json --report html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := complianceFormat(f)
			if err != nil {
				return err
			}
			opts.Format = format
			if runF != nil {
				return runF(opts)
			}
			return compliancePacksRun(cmd.Context(), opts)
		},
	}
	cmd.AddCommand(newCmdComplianceRules(f, nil), newCmdComplianceResources(f, nil), newCmdComplianceISMSP(f, nil))
	return cmd
}

func compliancePacksRun(ctx context.Context, opts *compliancePacksOptions) error {
	reader, err := opts.Config(ctx)
	if err != nil {
		return err
	}
	prog := opts.Progress()
	defer prog.Done("")
	prog.Step("Reading conformance packs")
	packs, err := reader.Packs(ctx)
	if err != nil {
		return err
	}
	prog.Done("")
	return compliance.WritePacks(opts.IO.Out, opts.Format, packs, renderOptions(opts.IO, backendHeader(reader.Region())))
}

// complianceRulesOptions are `secops compliance rules`.
type complianceRulesOptions struct {
	IO       *iostreams.IOStreams
	Config   func(context.Context) (complianceReader, error)
	Progress func() *progress.Reporter

	Format string
	Pack   string
	Status string
}

func newCmdComplianceRules(f *Factory, runF func(*complianceRulesOptions) error) *cobra.Command {
	opts := &complianceRulesOptions{IO: f.IO, Config: awsConfigReader(f), Progress: f.Progress}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List Config rules with their compliance",
		Long: `List the Config rules in the Region with their compliance: all of them, or the
rules of one conformance pack with --pack. The CHECKS column is the managed
rule identifier (Source.SourceIdentifier) the rule runs; ISMS-P names the
controls it evidences.`,
		Example: `  secops compliance rules --pack Operational-Best-Practices-for-KISMS
  secops compliance rules --status NON_COMPLIANT -o csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := complianceFormat(f)
			if err != nil {
				return err
			}
			opts.Format = format
			opts.Status = strings.ToUpper(opts.Status)
			if err := compliance.ValidStatus(opts.Status); err != nil {
				return &usageError{err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return complianceRulesRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Pack, "pack", "", "only the rules of this conformance pack")
	cmd.Flags().StringVar(&opts.Status, "status", "", "only rules in this state: COMPLIANT, NON_COMPLIANT or INSUFFICIENT_DATA")
	return cmd
}

func complianceRulesRun(ctx context.Context, opts *complianceRulesOptions) error {
	reader, err := opts.Config(ctx)
	if err != nil {
		return err
	}
	prog := opts.Progress()
	defer prog.Done("")
	prog.Step("Reading Config rules")
	header := backendHeader(reader.Region())
	var rules []compliance.RuleStatus
	if opts.Pack != "" {
		header += " · pack: " + opts.Pack
		rules, err = reader.PackRules(ctx, opts.Pack, opts.Status)
	} else {
		rules, err = reader.AllRules(ctx)
		if err == nil && opts.Status != "" {
			var keep []compliance.RuleStatus
			for _, r := range rules {
				if r.Status == opts.Status {
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
	m, err := compliance.LoadISMSP()
	if err != nil {
		return err
	}
	m.AnnotateControls(rules)
	return compliance.WriteRules(opts.IO.Out, opts.Format, rules, renderOptions(opts.IO, header))
}

// complianceResourcesOptions are `secops compliance resources RULE`.
type complianceResourcesOptions struct {
	IO       *iostreams.IOStreams
	Config   func(context.Context) (complianceReader, error)
	Progress func() *progress.Reporter

	Format string
	Rule   string
	Pack   string
	Status string
}

func newCmdComplianceResources(f *Factory, runF func(*complianceResourcesOptions) error) *cobra.Command {
	opts := &complianceResourcesOptions{IO: f.IO, Config: awsConfigReader(f), Progress: f.Progress}
	cmd := &cobra.Command{
		Use:   "resources RULE",
		Short: "List the resources a Config rule evaluated",
		Long: `List every resource a Config rule evaluated, with its compliance and AWS Config's
annotation. RULE is the deployed rule name as 'secops compliance rules' shows it
(rules deployed by a conformance pack carry a suffix).`,
		Example: `  secops compliance resources restricted-ssh-conformance-pack-x7k2q9wmz --status NON_COMPLIANT`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := complianceFormat(f)
			if err != nil {
				return err
			}
			opts.Format, opts.Rule = format, args[0]
			opts.Status = strings.ToUpper(opts.Status)
			if err := (compliance.ResourcesQuery{Rule: opts.Rule, Pack: opts.Pack, Status: opts.Status}).Validate(); err != nil {
				return &usageError{err: fmt.Errorf("--%w", err)}
			}
			if runF != nil {
				return runF(opts)
			}
			return complianceResourcesRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Pack, "pack", "", "read the results through this conformance pack")
	cmd.Flags().StringVar(&opts.Status, "status", "", "only resources in this state: COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE")
	return cmd
}

func complianceResourcesRun(ctx context.Context, opts *complianceResourcesOptions) error {
	reader, err := opts.Config(ctx)
	if err != nil {
		return err
	}
	prog := opts.Progress()
	defer prog.Done("")
	prog.Step("Reading evaluation results of %s", opts.Rule)
	res, err := reader.Resources(ctx, compliance.ResourcesQuery{Rule: opts.Rule, Pack: opts.Pack, Status: opts.Status})
	if err != nil {
		return err
	}
	prog.Done("")
	return compliance.WriteResources(opts.IO.Out, opts.Format, res, renderOptions(opts.IO, backendHeader(reader.Region())+" · rule: "+opts.Rule))
}

// Report formats of --report, and the file each is written to by default.
var reportFormats = map[string]string{
	"html": "isms-p-report.html",
	"xlsx": "isms-p-report.xlsx",
	"json": "isms-p-report.json",
	"md":   "isms-p-report.md",
}

// ismspOptions are `secops compliance isms-p`.
type ismspOptions struct {
	IO     *iostreams.IOStreams
	Config func(context.Context) (complianceReader, error)
	// Findings opens the findings store a snapshot reads (--backend).
	Findings func(context.Context) (findings.Store, error)
	Progress func() *progress.Reporter
	Now      func() time.Time

	Format         string
	Domain         string
	ShowManual     bool
	Evidence       bool
	Lang           string
	From           string
	Save           string
	Report         string
	OutputFile     string
	Manual         string
	Diff           string
	ManualTemplate bool
	NoFindings     bool
}

func newCmdComplianceISMSP(f *Factory, runF func(*ismspOptions) error) *cobra.Command {
	opts := &ismspOptions{IO: f.IO, Config: awsConfigReader(f), Findings: f.ReadStore, Progress: f.Progress, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "isms-p",
		Short: "Roll Config compliance up into KISA ISMS-P controls; write the audit report",
		Long: `Show where the account stands against the 101 controls of ISMS-P 2023, each
with its state rolled up from its evidence: the mapped AWS Config rules
deployed in the Region (in any conformance pack or on their own), the open
HIGH and CRITICAL findings of the kinds mapped to it, and the verdict your
team recorded in the manual checklist (--manual):

  COMPLIANT          all its evidence passes
  PARTIAL            some of its evidence passes, some fails
  NON_COMPLIANT      all its evidence fails
  INSUFFICIENT_DATA  mapped rules are deployed but have no verdict yet
  NOT_DEPLOYED       none of the mapped rules is deployed
  MANUAL             no Config rule can evidence it and no verdict is recorded
  NOT_APPLICABLE     out of scope, with a reason, in the manual checklist

Each domain and subdomain gets a score: the share of its controls with a
verdict whose evidence all passes.

The audit report (--report html, xlsx, json or md; --lang ko or en) lists every
control with its Korean and English title, the rules and resources behind
it, when AWS Config evaluated them, remediation hints, the manual checklist
and the sources of the mapping. It is written to isms-p-report.<format>, or
to --output-file (- for standard output).

--save FILE records what a report needs (rules, non-compliant resources,
evaluation times, open findings) so that --from FILE renders it later
without AWS, and --diff OLD.json shows what changed since an earlier
snapshot. Findings come from the backend --backend selects; --no-findings
leaves them out.

The mapping ships with secops; it follows AWS's "Operational Best Practices for
K-ISMS" conformance pack, which 'secops bootstrap' deploys. Start the manual
checklist with --manual-template.`,
		Example: `  secops compliance isms-p
  secops compliance isms-p --domain 2.6
  secops compliance isms-p --domain 2.5.4          # one control and its rules
  secops compliance isms-p --lang ko --show-manual

  # the audit report from the demo snapshot, no AWS needed
  secops compliance isms-p --from testdata/compliance/isms-p-snapshot.json \
    --manual testdata/compliance/isms-p-manual.yaml \
    --diff testdata/compliance/isms-p-snapshot-2026-05.json --report html --lang ko

  # before an audit: record the account, then write the workbook for the auditors
  secops compliance isms-p --save isms-p-$(date +%F).json --report xlsx --manual isms-p-manual.yaml
  secops compliance isms-p --manual-template --lang ko > isms-p-manual.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := complianceFormat(f)
			if err != nil {
				return err
			}
			opts.Format = format
			if err := opts.check(cmd); err != nil {
				return &usageError{err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return ismspRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Domain, "domain", "", "only this domain (2), subdomain (2.6) or control (2.6.1)")
	fl.BoolVar(&opts.ShowManual, "show-manual", false, "list the controls that need manual evidence")
	fl.BoolVar(&opts.Evidence, "evidence", false, "list each control's Config rules and their states (shown anyway for a single control)")
	fl.StringVar(&opts.Lang, "lang", compliance.LangEnglish, "language of titles and of the report: en or ko")
	fl.StringVar(&opts.From, "from", "", "render this snapshot (written by --save) instead of reading AWS")
	fl.StringVar(&opts.Save, "save", "", "record what a report needs from AWS Config and the findings in this JSON file")
	fl.StringVar(&opts.Report, "report", "", "write the audit report: html, xlsx, json or md")
	fl.StringVar(&opts.OutputFile, "output-file", "", "where --report or --manual-template writes (default isms-p-report.<format>; - for standard output)")
	fl.StringVar(&opts.Manual, "manual", "", "merge this manual checklist (YAML) into the view and the report")
	fl.StringVar(&opts.Diff, "diff", "", "show what changed since this earlier snapshot")
	fl.BoolVar(&opts.ManualTemplate, "manual-template", false, "write a manual checklist to fill in (the controls without Config rules) and exit")
	fl.BoolVar(&opts.NoFindings, "no-findings", false, "leave secops findings out of --save and --report")
	return cmd
}

// check refuses flag combinations that cannot mean anything.
func (o *ismspOptions) check(cmd *cobra.Command) error {
	lang, err := compliance.ParseLang(o.Lang)
	if err != nil {
		return err
	}
	o.Lang = lang
	if o.Report != "" {
		o.Report = strings.ToLower(o.Report)
		if _, ok := reportFormats[o.Report]; !ok {
			return fmt.Errorf("--report %q: use html, xlsx, json or md", o.Report)
		}
	}
	switch {
	case o.ManualTemplate && (o.From != "" || o.Save != "" || o.Report != "" || o.Diff != "" || o.Manual != ""):
		return errors.New("--manual-template writes a checklist and nothing else: leave out --from, --save, --report, --diff and --manual")
	case o.From != "" && o.Save != "":
		return errors.New("--save records AWS Config, --from reads a saved snapshot: use one of them (to keep a copy, copy the file)")
	case o.Report != "" && o.Domain != "":
		return errors.New("--domain filters the terminal view; a report covers all 101 controls: leave out one of them")
	case cmd.Flags().Changed("output-file") && o.Report == "" && !o.ManualTemplate:
		return errors.New("--output-file is where --report or --manual-template writes: add one of them")
	}
	return nil
}

func ismspRun(ctx context.Context, opts *ismspOptions) error {
	if opts.ManualTemplate {
		err := writeTo(opts.IO, opts.OutputFile, "", false, func(w io.Writer) error {
			return compliance.ManualTemplate(w, opts.Lang == compliance.LangKorean)
		})
		if err == nil && opts.OutputFile != "" && opts.OutputFile != "-" {
			opts.IO.Notef("Wrote the manual checklist to %s: fill in owner, status, evidence and reviewed, then pass it with --manual.", opts.OutputFile)
		}
		return err
	}
	var ro compliance.ReportOptions
	if opts.Manual != "" {
		m, err := compliance.ReadChecklist(opts.Manual)
		if err != nil {
			return fmt.Errorf("%w\nFix the checklist, or start a new one with 'secops compliance isms-p --manual-template'", err)
		}
		ro.Manual = m
	}
	if opts.Diff != "" {
		prev, err := compliance.ReadSnapshot(opts.Diff)
		if err != nil {
			return fmt.Errorf("--diff: %w", err)
		}
		ro.Previous = prev
	}
	snap, header, err := opts.snapshot(ctx)
	if err != nil {
		return err
	}
	if opts.Save != "" {
		if err := compliance.SaveSnapshot(opts.Save, snap); err != nil {
			return err
		}
		opts.IO.Notef("Saved the ISMS-P snapshot of %s to %s: %d rules, %d non-compliant resources%s.",
			accountText(snap), opts.Save, len(snap.Rules), countResources(snap), findingsText(snap))
	}
	ro.SnapshotFile, ro.GeneratedAt = opts.From, opts.Now()
	rep, err := compliance.BuildReport(snap, ro)
	if err != nil {
		return err
	}
	if packs := rep.EvidencePacks(); len(packs) > 0 {
		header += " · packs: " + strings.Join(packs, ", ")
	}
	if opts.Report != "" {
		return opts.writeReport(rep, header)
	}
	view := rep.Filter(opts.Domain)
	if opts.Domain != "" {
		header += " · domain: " + opts.Domain
		if len(view.Controls) == 0 {
			return &usageError{err: fmt.Errorf("--domain %q matches no ISMS-P control (domains look like 2, subdomains like 2.6, controls like 2.6.1)", opts.Domain)}
		}
	}
	if opts.Format != compliance.FormatTable {
		opts.IO.Notef("%s", header)
	}
	o := renderOptions(opts.IO, header)
	o.ShowManual, o.Evidence, o.Korean = opts.ShowManual, opts.Evidence, opts.Lang == compliance.LangKorean
	return compliance.WriteISMSP(opts.IO.Out, opts.Format, view, o)
}

// snapshot reads the evidence: the --from file, or AWS Config (with the
// findings when a snapshot or report is written, which need them).
func (o *ismspOptions) snapshot(ctx context.Context) (*compliance.Snapshot, string, error) {
	if o.From != "" {
		s, err := compliance.ReadSnapshot(o.From)
		if err != nil {
			return nil, "", fmt.Errorf("--from: %w", err)
		}
		header := fmt.Sprintf("backend: snapshot %s (%s, taken %s) · framework: ISMS-P", o.From, accountText(s), s.TakenAt.UTC().Format(time.RFC3339))
		return s, header, nil
	}
	reader, err := o.Config(ctx)
	if err != nil {
		return nil, "", err
	}
	document := o.Save != "" || o.Report != "" || o.Diff != ""
	so := compliance.SnapshotOptions{Now: o.Now, Resources: document, Progress: o.Progress()}
	defer so.Progress.Done("")
	if document && !o.NoFindings {
		store, err := o.Findings(ctx)
		if err != nil {
			// A report without findings is still a report; say why.
			fmt.Fprintf(o.IO.ErrOut, "Warning: findings not read (%v); the snapshot holds AWS Config evidence only (--no-findings silences this).\n", err)
		} else {
			defer store.Close()
			so.Findings = store
		}
	}
	s, err := reader.Snapshot(ctx, so)
	if err != nil {
		return nil, "", err
	}
	so.Progress.Done("")
	return s, backendHeader(reader.Region()) + " · framework: ISMS-P", nil
}

func (o *ismspOptions) writeReport(rep *compliance.Report, header string) error {
	path := o.OutputFile
	if path == "" {
		path = reportFormats[o.Report]
	}
	err := writeTo(o.IO, path, o.Report, o.Report == "xlsx", func(w io.Writer) error {
		switch o.Report {
		case "html":
			return compliance.WriteReportHTML(w, rep, o.Lang)
		case "xlsx":
			return compliance.WriteReportXLSX(w, rep, o.Lang)
		case "md":
			return compliance.WriteReportMarkdown(w, rep, o.Lang)
		}
		return compliance.WriteReportJSON(w, rep)
	})
	if err != nil {
		return err
	}
	o.IO.Notef("%s", header)
	if path != "-" {
		s := rep.Summary
		o.IO.Notef("Wrote the ISMS-P report to %s: %d controls, score %s (%d compliant, %d partial, %d non-compliant, %d manual).",
			path, s.Total(), compliance.ScoreText(rep.Score), s.Compliant, s.Partial, s.NonCompliant, s.Manual)
	}
	return nil
}

// writeTo writes to a file, or to standard output for "-" (and for ""
// when no default file applies). A binary format is not sent to a terminal.
func writeTo(ios *iostreams.IOStreams, path, format string, binary bool, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		if binary && ios.IsStdoutTTY() {
			return &usageError{err: fmt.Errorf("--report %s is binary: give --output-file FILE, or redirect standard output", format)}
		}
		return write(ios.Out)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	file, err := createOutputFile(path)
	if err != nil {
		return err
	}
	if err := write(file); err != nil {
		file.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func accountText(s *compliance.Snapshot) string {
	account := s.Account
	if account == "" {
		account = "unknown account"
	}
	return account + ", " + s.Region
}

func countResources(s *compliance.Snapshot) int {
	n := 0
	for _, r := range s.Rules {
		n += len(r.NonCompliant)
	}
	return n
}

func findingsText(s *compliance.Snapshot) string {
	switch f := s.Findings; {
	case f == nil:
		return ", no findings"
	case f.Error != "":
		return ", findings not read"
	default:
		open := 0
		for _, k := range f.Kinds {
			open += k.Open
		}
		return fmt.Sprintf(", %d open findings from %s", open, f.Backend)
	}
}
