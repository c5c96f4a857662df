package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer/sonarqube"
)

// scanSonarqubeOptions are the flags and dependencies of `secops scan sonarqube`.
type scanSonarqubeOptions struct {
	scanCommon
	Getenv func(string) string
	Pull   func(ctx context.Context, o sonarqube.Options) ([]findings.Finding, error)

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
pulled up to that limit with a warning saying how to pull the rest, and the
pull is incomplete: it archives nothing. A pull narrowed by --types,
--statuses, --no-hotspots or --hotspot-status archives nothing either.

` + scanCommonHelp

func newCmdScanSonarqube(f *Factory, runF func(*scanSonarqubeOptions) error) *cobra.Command {
	opts := &scanSonarqubeOptions{
		scanCommon: scanCommon{scanDeps: newScanDeps(f)},
		Getenv:     os.Getenv,
		Pull:       sonarqube.Pull,
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
			noHotspots, _ := cmd.Flags().GetBool("no-hotspots")
			opts.Hotspots = !noHotspots
			if err := opts.parse(f); err != nil {
				return err
			}
			if err := opts.validate(); err != nil {
				return &usageError{err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return scanSonarqubeRun(cmd.Context(), opts)
		},
	}
	acceptsOutput(cmd, findingFormats()...)
	fl := cmd.Flags()
	opts.scanFlags.register(fl, "./.secopsignore")
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
	return runScan(ctx, &o.scanCommon, &sonarqube.Source{Pull: o.Pull, Options: sonarqube.Options{
		URL: o.URL, ProjectKey: o.Project, Organization: o.Organization, Branch: o.Branch, PullRequest: o.PullRequest,
		Token: token, PageSize: o.PageSize,
		Types: o.Types, Statuses: o.Statuses, Hotspots: o.Hotspots, HotspotStatus: o.HotspotStatus,
	}})
}
