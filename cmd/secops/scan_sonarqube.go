package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
	"github.com/secops-dev/secops/pkg/importer/sonarqube"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/report"
)

// scanSonarqubeOptions is everything `secops scan sonarqube` needs.
type scanSonarqubeOptions struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Getenv   func(string) string
	Progress func() *progress.Reporter
	Store    func(ctx context.Context) (findings.Store, error)
	Pull     func(ctx context.Context, o sonarqube.Options) ([]findings.Finding, error)

	URL           string
	Project       string
	Organization  string
	Branch        string
	PullRequest   string
	TokenEnv      string
	Types         []string
	Statuses      []string
	Hotspots      bool
	HotspotStatus string
	PageSize      int
	Output        string
	FailOn        string
}

const scanSonarqubeLong = `Pull the open issues and security hotspots of one SonarQube (or SonarCloud)
project through its Web API (api/issues/search, api/hotspots/search), store
them as ASFF findings and list them.

The token is read from the environment variable named by --token-env
(SONAR_TOKEN by default) and sent as the HTTP basic user with an empty
password; it is never printed. A user token or a project analysis token with
the Browse permission on the project works. Without a token only public
projects can be read.

Severities map as SonarQube ranks them: BLOCKER is CRITICAL, CRITICAL is HIGH,
MAJOR is MEDIUM, MINOR is LOW, INFO is INFORMATIONAL (hotspots: their review
priority HIGH, MEDIUM, LOW). The original word stays in Severity.Original.

SonarQube returns at most 10,000 results per search; a larger project is
pulled up to that limit with a warning saying how to pull the rest.`

func newCmdScanSonarqube(f *Factory) *cobra.Command {
	return newCmdScanSonarqubeRun(f, nil)
}

func newCmdScanSonarqubeRun(f *Factory, runF func(*scanSonarqubeOptions) error) *cobra.Command {
	opts := &scanSonarqubeOptions{
		IO:       f.IO,
		Now:      f.Now,
		Getenv:   os.Getenv,
		Progress: f.Progress,
		Store:    f.ScanStore,
		Pull:     sonarqube.Pull,
	}
	cmd := &cobra.Command{
		Use:   "sonarqube --url URL --project KEY",
		Short: "Pull issues and security hotspots from a SonarQube server",
		Long:  scanSonarqubeLong,
		Example: `  export SONAR_TOKEN=squ_…
  secops scan sonarqube --url https://sonar.example.com --project shop-api
  secops scan sonarqube --url https://sonarcloud.io --project org_shop --types VULNERABILITY --fail-on HIGH
  secops scan sonarqube --url https://sonar.example.com --project shop-api --no-hotspots -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output = f.Globals.Output
			noHotspots, _ := cmd.Flags().GetBool("no-hotspots")
			opts.Hotspots = !noHotspots
			if err := opts.validate(); err != nil {
				return &usageError{err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return scanSonarqubeRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.URL, "url", "", "SonarQube server URL, e.g. https://sonar.example.com (required)")
	fl.StringVar(&opts.Project, "project", "", "project key (required)")
	fl.StringVar(&opts.Organization, "organization", "", "SonarCloud organization key")
	fl.StringVar(&opts.Branch, "branch", "", "pull this branch's analysis instead of the main branch's")
	fl.StringVar(&opts.PullRequest, "pull-request", "", "pull this pull request's analysis instead of the main branch's")
	fl.StringVar(&opts.TokenEnv, "token-env", "SONAR_TOKEN", "environment variable that holds the token")
	fl.StringSliceVar(&opts.Types, "types", sonarqube.DefaultTypes, "issue types: VULNERABILITY, BUG, CODE_SMELL")
	fl.StringSliceVar(&opts.Statuses, "statuses", sonarqube.DefaultStatuses, "issue statuses: OPEN, CONFIRMED, REOPENED, RESOLVED, CLOSED")
	fl.Bool("no-hotspots", false, "do not pull security hotspots")
	fl.StringVar(&opts.HotspotStatus, "hotspot-status", "TO_REVIEW", "hotspots to pull: TO_REVIEW, REVIEWED or ALL")
	fl.IntVar(&opts.PageSize, "page-size", sonarqube.MaxPageSize, "results per request (1-500)")
	fl.StringVar(&opts.FailOn, "fail-on", "", "exit 1 when a new or notified finding is at or above this severity (LOW, MEDIUM, HIGH, CRITICAL)")
	_ = cmd.MarkFlagRequired("url")
	_ = cmd.MarkFlagRequired("project")
	return cmd
}

func (o *scanSonarqubeOptions) validate() error {
	for _, t := range o.Types {
		if !slices.Contains([]string{"VULNERABILITY", "BUG", "CODE_SMELL"}, strings.ToUpper(strings.TrimSpace(t))) {
			return fmt.Errorf("--types: unknown issue type %q: use VULNERABILITY, BUG or CODE_SMELL", t)
		}
	}
	for _, s := range o.Statuses {
		if !slices.Contains([]string{"OPEN", "CONFIRMED", "REOPENED", "RESOLVED", "CLOSED"}, strings.ToUpper(strings.TrimSpace(s))) {
			return fmt.Errorf("--statuses: unknown status %q: use OPEN, CONFIRMED, REOPENED, RESOLVED or CLOSED", s)
		}
	}
	switch strings.ToUpper(o.HotspotStatus) {
	case "TO_REVIEW", "REVIEWED", "ALL":
	default:
		return fmt.Errorf("--hotspot-status %q: use TO_REVIEW, REVIEWED or ALL", o.HotspotStatus)
	}
	if o.PageSize < 1 || o.PageSize > sonarqube.MaxPageSize {
		return fmt.Errorf("--page-size %d: use 1 to %d", o.PageSize, sonarqube.MaxPageSize)
	}
	if o.FailOn != "" {
		label, err := findings.ParseSeverity(o.FailOn)
		if err != nil {
			return fmt.Errorf("--fail-on: %w", err)
		}
		o.FailOn = label
	}
	if _, err := report.ParseFormat(o.Output); err != nil {
		return err
	}
	if u, err := url.Parse(o.URL); err == nil && u.User != nil {
		return errors.New("--url: put the token in $SONAR_TOKEN (or --token-env), not in the URL")
	}
	if o.Branch != "" && o.PullRequest != "" {
		return errors.New("--branch and --pull-request select different analyses: give one")
	}
	if o.TokenEnv == "" {
		return errors.New("--token-env: give the name of an environment variable")
	}
	return nil
}

func scanSonarqubeRun(ctx context.Context, o *scanSonarqubeOptions) error {
	token := o.Getenv(o.TokenEnv)
	if token == "" {
		o.IO.Notef("No token in $%s: reading %s anonymously (only public projects are readable).", o.TokenEnv, o.Project)
	}
	var warnings []string
	what := "issues"
	if o.Hotspots {
		what = "issues and security hotspots"
	}
	pr := o.Progress()
	pr.Step("Pulling %s of %s from %s", what, o.Project, o.URL)
	prov := findings.LocalProvenance(o.Now(), "SonarQube")
	list, err := o.Pull(ctx, sonarqube.Options{
		URL: o.URL, ProjectKey: o.Project, Organization: o.Organization, Branch: o.Branch, PullRequest: o.PullRequest,
		Token: token, PageSize: o.PageSize,
		Types: o.Types, Statuses: o.Statuses, Hotspots: o.Hotspots, HotspotStatus: o.HotspotStatus,
		Provenance: prov,
		Warn:       func(msg string) { warnings = append(warnings, msg) },
	})
	if err != nil {
		pr.Done("")
		return err
	}
	pr.Done("Pulled %d findings from SonarQube project %s", len(list), o.Project)
	for _, w := range warnings {
		fmt.Fprintln(o.IO.ErrOut, "Warning: "+w)
	}

	store, err := o.Store(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	var scope *findings.Scope
	// Only a pull of everything that is open replaces the project's earlier
	// findings: a narrowed or capped pull must not archive what it did not ask for.
	complete := len(warnings) == 0 && sameSet(o.Types, sonarqube.DefaultTypes) && sameSet(o.Statuses, sonarqube.DefaultStatuses) &&
		o.Hotspots && strings.EqualFold(o.HotspotStatus, "TO_REVIEW")
	if complete {
		scope = &findings.Scope{
			ProductArn:   findings.DefaultProductArn(prov.Partition, prov.Region, prov.AwsAccountId),
			Target:       importer.SonarTarget(o.Project, o.Branch, o.PullRequest),
			GeneratorIds: []string{importer.Generator(importer.FormatSonarQube)},
		}
	}
	res, err := store.Import(ctx, list, findings.ImportOptions{Scope: scope})
	if err != nil {
		return fmt.Errorf("store SonarQube findings: %w", err)
	}
	o.IO.Notef("Stored in %s: %d new, %d updated, %d archived.", store.Backend(), res.New, res.Updated, res.Archived)
	for _, ff := range res.Failed {
		fmt.Fprintf(o.IO.ErrOut, "Warning: finding %s was not stored: %s %s\n", ff.Id, ff.ErrorCode, ff.ErrorMessage)
	}

	findings.SortFindings(list, findings.SortSeverity)
	format, _ := report.ParseFormat(o.Output)
	err = report.Write(o.IO.Out, format, list, report.Options{
		Color: o.IO.ColorEnabled(), TTY: o.IO.IsStdoutTTY(), Width: o.IO.TerminalWidth(),
		Header:   fmt.Sprintf("backend: %s · sonarqube: %s %s", store.Backend(), o.URL, o.Project),
		ToolName: "secops",
	})
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("%d of %d findings could not be stored (see the warnings above)", len(res.Failed), len(list))
	}
	if o.FailOn != "" {
		// Gate on the stored findings, so that what a user suppressed or
		// resolved in secops does not fail the build again.
		stored, err := store.Query(ctx, findings.Query{
			Product:     "SonarQube",
			Severities:  findings.LabelsAtOrAbove(o.FailOn),
			Statuses:    []string{findings.WorkflowNew, findings.WorkflowNotified},
			RecordState: findings.RecordActive,
		})
		if err != nil {
			return fmt.Errorf("check --fail-on: %w", err)
		}
		pulled := make(map[string]bool, len(list))
		for i := range list {
			pulled[list[i].Id] = true
		}
		n := 0
		for i := range stored {
			if pulled[stored[i].Id] {
				n++
			}
		}
		if n > 0 {
			return failOnError(fmt.Sprintf("%d SonarQube findings at or above %s", n, o.FailOn))
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, strings.ToUpper(strings.TrimSpace(x))) {
			return false
		}
	}
	return true
}
