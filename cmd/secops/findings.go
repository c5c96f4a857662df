package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/notify"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/report"
)

// queryFlags are the filters shared by `findings`, `findings summary` and
// `findings export`.
type queryFlags struct {
	Severities  []string
	MinSeverity string
	Product     string
	Type        string
	Resource    string
	Statuses    []string
	RecordState string
	Since       string
	Limit       int
	Sort        string
	Target      string
}

func (q *queryFlags) register(cmd *cobra.Command, defaultRecordState string) {
	fl := cmd.Flags()
	fl.StringSliceVar(&q.Severities, "severity", nil, "exact severity labels, comma-separated (INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL)")
	fl.StringVar(&q.MinSeverity, "min-severity", "", "this severity label and above")
	fl.StringVar(&q.Product, "product", "", "product name (secops, Trivy, ZAP, Inspector …), case-insensitive")
	fl.StringVar(&q.Type, "type", "", "finding type prefix, e.g. 'Software and Configuration Checks/Vulnerabilities'")
	fl.StringVar(&q.Resource, "resource", "", "substring of a resource id")
	fl.StringSliceVar(&q.Statuses, "status", nil, "workflow status: NEW, NOTIFIED, SUPPRESSED, RESOLVED")
	fl.StringVar(&q.RecordState, "record-state", defaultRecordState, "ACTIVE, ARCHIVED or ALL")
	fl.StringVar(&q.Since, "since", "", "updated since a duration ago (24h, 7d) or a date (2026-11-01)")
	fl.IntVar(&q.Limit, "limit", 0, "show at most N findings (0: all)")
	fl.StringVar(&q.Sort, "sort", findings.SortSeverity, "order: severity, updated or title")
	fl.StringVar(&q.Target, "target", "", "scan target, exactly as scans name it (the repository, image or URL; the TARGET column)")
}

// query turns the flags into a findings.Query, rejecting what the store
// would not understand; now anchors --since.
func (q *queryFlags) query(now time.Time) (findings.Query, error) {
	var out findings.Query
	for _, s := range q.Severities {
		label, err := findings.ParseSeverity(s)
		if err != nil {
			return out, &usageError{err: fmt.Errorf("--severity: %w", err)}
		}
		out.Severities = append(out.Severities, label)
	}
	if q.MinSeverity != "" {
		if len(out.Severities) > 0 {
			return out, &usageError{err: errors.New("use either --severity or --min-severity, not both")}
		}
		label, err := findings.ParseSeverity(q.MinSeverity)
		if err != nil {
			return out, &usageError{err: fmt.Errorf("--min-severity: %w", err)}
		}
		out.Severities = findings.LabelsAtOrAbove(label)
	}
	for _, s := range q.Statuses {
		up := strings.ToUpper(s)
		switch up {
		case findings.WorkflowNew, findings.WorkflowNotified, findings.WorkflowSuppressed, findings.WorkflowResolved:
			out.Statuses = append(out.Statuses, up)
		default:
			return out, &usageError{err: fmt.Errorf("--status %q: use NEW, NOTIFIED, SUPPRESSED or RESOLVED", s)}
		}
	}
	switch rs := strings.ToUpper(q.RecordState); rs {
	case findings.RecordActive, findings.RecordArchived:
		out.RecordState = rs
	case "ALL", "":
	default:
		return out, &usageError{err: fmt.Errorf("--record-state %q: use ACTIVE, ARCHIVED or ALL", q.RecordState)}
	}
	since, err := findings.ParseSince(q.Since, now)
	if err != nil {
		return out, &usageError{err: err}
	}
	sortBy := strings.ToLower(strings.TrimSpace(q.Sort))
	switch sortBy {
	case findings.SortSeverity, findings.SortUpdated, findings.SortTitle:
	default:
		return out, &usageError{err: fmt.Errorf("--sort %q: use severity, updated or title", q.Sort)}
	}
	if q.Limit < 0 {
		return out, &usageError{err: errors.New("--limit must be 0 or more")}
	}
	out.Since, out.Product, out.TypePrefix, out.Resource = since, q.Product, q.Type, q.Resource
	out.Limit, out.Sort, out.Target = q.Limit, sortBy, q.Target
	return out, nil
}

// findingsDeps are what the findings commands take from the Factory.
type findingsDeps struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Progress func() *progress.Reporter
	// Store opens the --backend store; ReadStore opens it for reading
	// only, so a local store this user may not write can still be listed.
	Store     func(ctx context.Context) (findings.Store, error)
	ReadStore func(ctx context.Context) (findings.Store, error)
	// Output is -o and Verbose -v, read when the command runs.
	Output  string
	Verbose bool
}

func newFindingsDeps(f *Factory) findingsDeps {
	return findingsDeps{IO: f.IO, Now: f.Now, Progress: f.Progress, Store: f.Store, ReadStore: f.ReadStore}
}

// parse takes the global flags; every findings command's RunE starts with it.
func (d *findingsDeps) parse(f *Factory) {
	d.Output, d.Verbose = f.Globals.Output, f.Globals.Verbose
}

// format is -o, or def when -o is not given.
func (d *findingsDeps) format(def report.Format) (report.Format, error) {
	if d.Output == "" {
		return def, nil
	}
	format, err := report.ParseFormat(d.Output)
	if err != nil {
		return "", &usageError{err: err}
	}
	return format, nil
}

// queryStore opens the chosen backend and runs the query the flags
// describe. It returns the open store (the caller closes it), the findings
// and the header line that names the backend and the filter. A caller that
// will not write to the store passes readOnly.
func (d *findingsDeps) queryStore(ctx context.Context, flags *queryFlags, readOnly bool) (findings.Store, []findings.Finding, string, error) {
	q, err := flags.query(d.Now())
	if err != nil {
		return nil, nil, "", err
	}
	open := d.Store
	if readOnly {
		open = d.ReadStore
	}
	store, err := open(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	list, err := store.Query(ctx, q)
	if err != nil {
		store.Close()
		return nil, nil, "", fmt.Errorf("query findings in %s: %w", store.Backend(), err)
	}
	return store, list, "backend: " + store.Backend() + " · filter: " + q.Describe(), nil
}

// writeFindings prints a finding list in the chosen format. The header
// (backend and filter) heads the table; with machine formats it goes to
// stderr so stdout stays parseable.
func (d *findingsDeps) writeFindings(format report.Format, list []findings.Finding, header string) error {
	if format != report.Table {
		d.IO.Notef("%s", header)
	}
	v, _, _ := buildVersion()
	return report.Write(d.IO.Out, format, list, report.Options{
		Color:       d.IO.ColorEnabled(),
		TTY:         d.IO.IsStdoutTTY(),
		Width:       d.IO.TerminalWidth(),
		Header:      header,
		ToolName:    "secops",
		ToolVersion: v,
	})
}

// findingsListOptions are the flags and dependencies of `secops findings`.
type findingsListOptions struct {
	findingsDeps
	Query      queryFlags
	Notify     bool
	WebhookURL string
}

func newCmdFindings(f *Factory, runF func(*findingsListOptions) error) *cobra.Command {
	opts := &findingsListOptions{findingsDeps: newFindingsDeps(f)}
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "List, triage, import and export findings",
		Long: `List findings from the findings store: the local SQLite store by default, or AWS
Security Hub with --backend securityhub (or auto, when AWS credentials resolve).

Filters combine like Security Hub's: values of one flag are OR-ed, flags are AND-ed.
By default only ACTIVE findings are listed.`,
		Example: `  secops findings --severity HIGH
  secops findings --min-severity MEDIUM --status NEW --since 7d
  secops findings --product trivy --resource log4j -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.parse(f)
			if runF != nil {
				return runF(opts)
			}
			return findingsListRun(cmd.Context(), opts)
		},
	}
	acceptsOutput(cmd, findingFormats()...)
	opts.Query.register(cmd, findings.RecordActive)
	cmd.Flags().BoolVar(&opts.Notify, "notify", false, "also send the listed findings to Slack and mark them NOTIFIED")
	cmd.Flags().StringVar(&opts.WebhookURL, "webhook-url", "", "Slack incoming webhook for --notify (never printed)")
	cmd.AddCommand(
		newCmdFindingsSummary(f, nil),
		newCmdFindingsShow(f, nil),
		newCmdFindingsUpdate(f, nil),
		newCmdFindingsImport(f, nil),
		newCmdFindingsExport(f, nil),
		newCmdFindingsPush(f, nil),
	)
	return cmd
}

func findingsListRun(ctx context.Context, opts *findingsListOptions) error {
	format, err := opts.format(report.Table)
	if err != nil {
		return err
	}
	// --notify marks what it sent NOTIFIED: that one writes.
	store, list, header, err := opts.queryStore(ctx, &opts.Query, !opts.Notify)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := opts.writeFindings(format, list, header); err != nil {
		return err
	}
	if opts.Notify {
		return notifyFindings(ctx, opts.IO, store, list, opts.WebhookURL)
	}
	return nil
}

// notifyFindings sends findings to Slack and marks the ones Slack took
// NOTIFIED, so the EventBridge notifier (which sends NEW ones) skips them.
func notifyFindings(ctx context.Context, ios *iostreams.IOStreams, store findings.Store, list []findings.Finding, webhook string) error {
	if len(list) == 0 {
		ios.Notef("Nothing to notify.")
		return nil
	}
	res, err := notify.SendFindings(ctx, webhook, list, notify.FindingsOptions{Source: store.Backend()})
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if len(res.Notified) > 0 {
		upd, err := store.Update(ctx, findings.Update{Ids: res.Notified, Status: findings.WorkflowNotified})
		if err != nil {
			return fmt.Errorf("mark findings NOTIFIED: %w", err)
		}
		for _, fail := range upd.Unprocessed {
			fmt.Fprintf(ios.ErrOut, "not marked NOTIFIED: %s: %s %s\n", findings.ShortID(fail.Id), fail.ErrorCode, fail.ErrorMessage)
		}
	}
	ios.Notef("Notified Slack of %d finding(s) (%d more summarised) and marked them NOTIFIED.", len(res.Notified), res.Summarised)
	return nil
}

// findingsSummaryOptions are the flags and dependencies of `secops findings summary`.
type findingsSummaryOptions struct {
	findingsDeps
	Query queryFlags
	Top   int
}

func newCmdFindingsSummary(f *Factory, runF func(*findingsSummaryOptions) error) *cobra.Command {
	opts := &findingsSummaryOptions{findingsDeps: newFindingsDeps(f)}
	cmd := &cobra.Command{
		Use:   "summary",
		Short: "Count findings by severity and product, and show the most affected resources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.parse(f)
			if runF != nil {
				return runF(opts)
			}
			return findingsSummaryRun(cmd.Context(), opts)
		},
	}
	acceptsOutput(cmd, "table", "json", "csv")
	opts.Query.register(cmd, findings.RecordActive)
	cmd.Flags().IntVar(&opts.Top, "top", 10, "how many resources to list")
	return cmd
}

func findingsSummaryRun(ctx context.Context, opts *findingsSummaryOptions) error {
	format, err := opts.format(report.Table)
	if err != nil {
		return err
	}
	store, list, header, err := opts.queryStore(ctx, &opts.Query, true)
	if err != nil {
		return err
	}
	defer store.Close()
	if format != report.Table {
		opts.IO.Notef("%s", header)
	}
	return report.WriteSummary(opts.IO.Out, format, report.Summarize(list, opts.Top), report.Options{
		Color: opts.IO.ColorEnabled(), TTY: opts.IO.IsStdoutTTY(), Width: opts.IO.TerminalWidth(), Header: header,
	})
}

// findingsShowOptions are the flags and dependencies of `secops findings show`.
type findingsShowOptions struct {
	findingsDeps
	ID string
}

func newCmdFindingsShow(f *Factory, runF func(*findingsShowOptions) error) *cobra.Command {
	opts := &findingsShowOptions{findingsDeps: newFindingsDeps(f)}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one finding in full",
		Long:  "Show one finding in full. ID is the finding Id, or the short id a table shows.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.parse(f)
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return findingsShowRun(cmd.Context(), opts)
		},
	}
	acceptsOutput(cmd, "table", "json", "asff")
	return cmd
}

func findingsShowRun(ctx context.Context, opts *findingsShowOptions) error {
	store, err := opts.ReadStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	finding, err := store.Get(ctx, opts.ID)
	if err != nil {
		return findingLookupError(opts.ID, err)
	}
	switch opts.Output {
	case "json", "asff":
		return report.Write(opts.IO.Out, report.Format(opts.Output), []findings.Finding{finding}, report.Options{})
	}
	opts.IO.Notef("backend: %s", store.Backend())
	return report.WriteFinding(opts.IO.Out, finding, report.Options{Color: opts.IO.ColorEnabled(), TTY: opts.IO.IsStdoutTTY(), Width: opts.IO.TerminalWidth()})
}

func findingLookupError(id string, err error) error {
	switch {
	case errors.Is(err, findings.ErrNotFound):
		return fmt.Errorf("no finding %q: list ids with 'secops findings --record-state ALL'", id)
	case errors.Is(err, findings.ErrAmbiguous):
		return fmt.Errorf("%q matches several findings: give more of the id", id)
	}
	return fmt.Errorf("get finding %s: %w", id, err)
}
