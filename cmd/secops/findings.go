package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/notify"
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
}

// query turns the flags into a findings.Query, rejecting what the store
// would not understand.
func (q *queryFlags) query(f *Factory) (findings.Query, error) {
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
	since, err := findings.ParseSince(q.Since, f.Now())
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
	out.Limit, out.Sort = q.Limit, sortBy
	return out, nil
}

// listOptions is `secops findings` and `secops findings export`.
type listOptions struct {
	Query      queryFlags
	Format     report.Format
	Notify     bool
	WebhookURL string
}

func newCmdFindings(f *Factory) *cobra.Command {
	opts := &listOptions{}
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
			format, err := outputFormat(f, report.Table)
			if err != nil {
				return err
			}
			opts.Format = format
			return listRun(cmd.Context(), f, opts)
		},
	}
	opts.Query.register(cmd, findings.RecordActive)
	cmd.Flags().BoolVar(&opts.Notify, "notify", false, "also send the listed findings to Slack and mark them NOTIFIED")
	cmd.Flags().StringVar(&opts.WebhookURL, "webhook-url", "", "Slack incoming webhook for --notify (never printed)")
	cmd.AddCommand(
		newCmdFindingsSummary(f),
		newCmdFindingsShow(f),
		newCmdFindingsUpdate(f),
		newCmdFindingsImport(f),
		newCmdFindingsExport(f),
		newCmdFindingsPush(f),
	)
	return cmd
}

// queryStore opens the chosen backend and runs the query the flags
// describe. It returns the open store (the caller closes it), the findings
// and the header line that names the backend and the filter. A caller that
// will not write to the store passes readOnly, so a store this user may
// only read can still be listed.
func (f *Factory) queryStore(ctx context.Context, flags *queryFlags, readOnly bool) (findings.Store, []findings.Finding, string, error) {
	q, err := flags.query(f)
	if err != nil {
		return nil, nil, "", err
	}
	open := f.Store
	if readOnly {
		open = f.ReadStore
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

func listRun(ctx context.Context, f *Factory, opts *listOptions) error {
	// --notify marks what it sent NOTIFIED: that one writes.
	store, list, header, err := f.queryStore(ctx, &opts.Query, !opts.Notify)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := f.writeFindings(opts.Format, list, header); err != nil {
		return err
	}
	if opts.Notify {
		return notifyFindings(ctx, f, store, list, opts.WebhookURL)
	}
	return nil
}

// notifyFindings sends findings to Slack and marks the ones Slack took
// NOTIFIED, so the EventBridge notifier (which sends NEW ones) skips them.
func notifyFindings(ctx context.Context, f *Factory, store findings.Store, list []findings.Finding, webhook string) error {
	if len(list) == 0 {
		f.IO.Notef("Nothing to notify.")
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
			fmt.Fprintf(f.IO.ErrOut, "not marked NOTIFIED: %s: %s %s\n", findings.ShortID(fail.Id), fail.ErrorCode, fail.ErrorMessage)
		}
	}
	f.IO.Notef("Notified Slack of %d finding(s) (%d more summarised) and marked them NOTIFIED.", len(res.Notified), res.Summarised)
	return nil
}

// outputFormat reads -o, defaulting to def.
func outputFormat(f *Factory, def report.Format) (report.Format, error) {
	if f.Globals.Output == "" {
		return def, nil
	}
	format, err := report.ParseFormat(f.Globals.Output)
	if err != nil {
		return "", &usageError{err: err}
	}
	return format, nil
}

// writeFindings prints a finding list in the chosen format. The header
// (backend and filter) heads the table; with machine formats it goes to
// stderr so stdout stays parseable.
func (f *Factory) writeFindings(format report.Format, list []findings.Finding, header string) error {
	if format != report.Table {
		f.IO.Notef("%s", header)
	}
	v, _, _ := buildVersion()
	return report.Write(f.IO.Out, format, list, report.Options{
		Color:       f.IO.ColorEnabled(),
		TTY:         f.IO.IsStdoutTTY(),
		Width:       f.IO.TerminalWidth(),
		Header:      header,
		ToolName:    "secops",
		ToolVersion: v,
	})
}

type summaryOptions struct {
	Query queryFlags
	Top   int
}

func newCmdFindingsSummary(f *Factory) *cobra.Command {
	opts := &summaryOptions{}
	cmd := &cobra.Command{
		Use:   "summary",
		Short: "Count findings by severity and product, and show the most affected resources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(f.Globals.Output, "table", "json", "csv"); err != nil {
				return err
			}
			format, err := outputFormat(f, report.Table)
			if err != nil {
				return err
			}
			store, list, header, err := f.queryStore(cmd.Context(), &opts.Query, true)
			if err != nil {
				return err
			}
			defer store.Close()
			if format != report.Table {
				f.IO.Notef("%s", header)
			}
			return report.WriteSummary(f.IO.Out, format, report.Summarize(list, opts.Top), report.Options{
				Color: f.IO.ColorEnabled(), TTY: f.IO.IsStdoutTTY(), Width: f.IO.TerminalWidth(), Header: header,
			})
		},
	}
	opts.Query.register(cmd, findings.RecordActive)
	cmd.Flags().IntVar(&opts.Top, "top", 10, "how many resources to list")
	return cmd
}

func newCmdFindingsShow(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one finding in full",
		Long:  "Show one finding in full. ID is the finding Id, or the short id a table shows.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(f.Globals.Output, "table", "json", "asff"); err != nil {
				return err
			}
			store, err := f.ReadStore(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			finding, err := store.Get(cmd.Context(), args[0])
			if err != nil {
				return findingLookupError(args[0], err)
			}
			switch f.Globals.Output {
			case "json", "asff":
				return report.Write(f.IO.Out, report.Format(f.Globals.Output), []findings.Finding{finding}, report.Options{})
			}
			f.IO.Notef("backend: %s", store.Backend())
			return report.WriteFinding(f.IO.Out, finding, report.Options{Color: f.IO.ColorEnabled(), TTY: f.IO.IsStdoutTTY(), Width: f.IO.TerminalWidth()})
		},
	}
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
