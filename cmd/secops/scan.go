package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/report"
	"github.com/secops-dev/secops/pkg/scan"
	"github.com/secops-dev/secops/pkg/scan/sast"
	"github.com/secops-dev/secops/pkg/scan/sca"
	"github.com/secops-dev/secops/pkg/scan/secrets"
)

// ScanOptions are the flags and dependencies of `secops scan`.
type ScanOptions struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Progress func() *progress.Reporter
	// Store opens the findings store the results go to.
	Store func(ctx context.Context) (findings.Store, error)
	// Uploader sends the scan's findings to Security Hub (--upload).
	Uploader func(ctx context.Context, list []findings.Finding, scope *findings.Scope) error
	// Scanners builds the scanners from the options; tests replace it.
	Scanners func(opts *ScanOptions) []scan.Scanner

	Output           string
	Path             string
	Only             []string
	FailOn           string
	IgnoreFile       string
	OutputFile       string
	OutputFileFormat string
	DBDir            string
	Offline          bool
	Upload           bool
	Remote           bool
	SecretsHistory   bool
	SemgrepConfig    string
	Target           string
	Verbose          bool
}

const scanLong = `Scan a directory for vulnerable dependencies (sca), committed credentials
(secrets) and insecure code (sast), all at once. Findings go to the findings
store, so a second scan of the same tree updates them instead of adding
copies, and a finding the scan no longer reports (a bumped dependency, a
removed secret) is archived. A scanner that fails or is incomplete never
archives anything.

Accepted findings go in .secopsignore at the scan root (or --ignore-file), a
YAML list whose entries carry a reason and usually an expiry date:

  - rule: GHSA-jfh8-c2jp-5v3q          # or a CVE alias, gosec G101, a gitleaks rule id
    paths: ["services/billing/**"]
    reason: JNDI lookups are disabled in this service (SEC-42)
    expires: 2026-12-31
  - id: 3f2a9c0d1e4b                    # one finding, by (short) Id
    reason: test fixture, not a real credential

Expired entries stop applying and are listed on stderr; -v lists the
findings the file covers.

Secrets are never printed or stored: findings keep the first four characters
and a SHA-256 of the value.

The scan image, dast and sonarqube subcommands scan other things; to scan a
directory that has one of their names, write it as a path (./image).

What the scan prints and --fail-on judge are the findings as the local
findings store keeps them after the scan: a finding you suppressed or
resolved with 'secops findings update --backend local' keeps that status and
its first sighting (CreatedAt, FirstObservedAt), and --fail-on counts only
findings whose workflow is NEW or NOTIFIED; the summary says how many at or
above the threshold it left out. The local store is the reference even with
--upload: a status set only in Security Hub (its console, or 'findings
update' with the securityhub backend) is not read back.

Exit status: 0 when the scan ran (whatever it found), 1 when --fail-on is set
and an active NEW or NOTIFIED finding is at or above it, 2 when a scanner
failed.`

const scanExample = `  # Scan the current directory and see everything found
  secops scan

  # CI gate: fail the build on HIGH or CRITICAL findings, keep a SARIF report
  secops scan --fail-on HIGH --output-file secops.sarif

  # Offline, with a local OSV database (see 'secops db update')
  secops scan ./app --offline --db ~/.cache/secops/osv

  # Only secrets, including the git history
  secops scan --scanners secrets --secrets-history`

// newCmdScan is `secops scan`; the scan image, dast and sonarqube
// commands are added to it as children.
func newCmdScan(f *Factory) *cobra.Command {
	cmd := newCmdScanWith(f, nil)
	cmd.AddCommand(
		newCmdScanImage(f),
		newCmdScanDast(f),
		newCmdScanSonarqube(f),
	)
	return cmd
}

// newCmdScanWith takes the function that runs the command, so tests can
// check flag parsing without scanning.
func newCmdScanWith(f *Factory, runF func(*ScanOptions) error) *cobra.Command {
	opts := &ScanOptions{
		IO:       f.IO,
		Now:      f.Now,
		Progress: f.Progress,
		Store:    f.ScanStore,
		Uploader: f.uploadScan,
		Scanners: sourceScanners,
	}
	cmd := &cobra.Command{
		Use:     "scan [PATH]",
		Short:   "Scan a directory: dependencies (SCA), secrets and code (SAST)",
		Long:    scanLong,
		Example: scanExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = "."
			if len(args) == 1 {
				opts.Path = args[0]
			}
			opts.Output = f.Globals.Output
			opts.Verbose = f.Globals.Verbose
			if err := checkOutput(opts.Output, formatNames()...); err != nil {
				return err
			}
			if _, err := scan.Select(opts.Scanners(opts), opts.Only); err != nil {
				return &usageError{err: fmt.Errorf("--scanners: %w", err)}
			}
			if opts.FailOn != "" {
				label, err := findings.ParseSeverity(opts.FailOn)
				if err != nil {
					return &usageError{err: fmt.Errorf("--fail-on: %w", err)}
				}
				opts.FailOn = label
			}
			if opts.OutputFile != "" {
				format, err := outputFileFormat(opts.OutputFile, opts.OutputFileFormat)
				if err != nil {
					return &usageError{err: err}
				}
				opts.OutputFileFormat = string(format)
			} else if opts.OutputFileFormat != "" {
				return &usageError{err: errors.New("--output-file-format needs --output-file")}
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Remote {
				return runRemoteScan(cmd.Context(), f, remoteScanArgs(cmd, args))
			}
			return scanRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Only, "scanners", nil, "scanners to run, comma-separated: sca, secrets, sast (default all)")
	fl.StringVar(&opts.FailOn, "fail-on", "", "exit 1 when an active finding is at or above this severity: LOW, MEDIUM, HIGH, CRITICAL; findings SUPPRESSED or RESOLVED in the local store do not count")
	fl.StringVar(&opts.IgnoreFile, "ignore-file", "", "ignore file (default PATH/.secopsignore)")
	fl.StringVar(&opts.OutputFile, "output-file", "", "also write the findings to this file")
	fl.StringVar(&opts.OutputFileFormat, "output-file-format", "", "format of --output-file: json, csv, sarif, asff or table (default from the extension: .json, .csv, .sarif, .asff or .asff.json, .txt)")
	fl.StringVar(&opts.DBDir, "db", "", "offline vulnerability database directory (OSV records)")
	fl.BoolVar(&opts.Offline, "offline", false, "never use the network: advisories come from the offline database")
	fl.BoolVar(&opts.Remote, "remote", false, "run the scan on the scanner host (bootstrap --stacks scanner) through SSM; PATH is a path there")
	fl.BoolVar(&opts.Upload, "upload", false, "also send the findings to AWS Security Hub (failures stay pending locally; see findings push)")
	fl.BoolVar(&opts.SecretsHistory, "secrets-history", false, "also scan the git history for secrets")
	fl.StringVar(&opts.SemgrepConfig, "semgrep-config", "", "run Semgrep (if installed) with this local rules file or directory")
	fl.StringVar(&opts.Target, "target", "", "name that identifies the scanned tree across scans (default: git remote origin and sub-directory, else the absolute path)")
	return cmd
}

func formatNames() []string {
	var out []string
	for _, f := range report.Formats() {
		out = append(out, string(f))
	}
	return out
}

// outputFileFormat is the explicit format, or the one the file name says.
func outputFileFormat(name, explicit string) (report.Format, error) {
	if explicit != "" {
		f, err := report.ParseFormat(explicit)
		if err != nil {
			return "", fmt.Errorf("--output-file-format: %w", err)
		}
		return f, nil
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".asff.json"), strings.HasSuffix(lower, ".asff"):
		return report.ASFF, nil
	case strings.HasSuffix(lower, ".sarif"), strings.HasSuffix(lower, ".sarif.json"):
		return report.SARIF, nil
	case strings.HasSuffix(lower, ".json"):
		return report.JSON, nil
	case strings.HasSuffix(lower, ".csv"):
		return report.CSV, nil
	case strings.HasSuffix(lower, ".txt"):
		return report.Table, nil
	}
	return "", fmt.Errorf("cannot tell the format of --output-file %s from its extension (.json, .sarif, .csv, .asff, .txt): add --output-file-format", name)
}

// sourceScanners are the scanners `secops scan` runs on a directory.
func sourceScanners(opts *ScanOptions) []scan.Scanner {
	return []scan.Scanner{
		sca.New(sca.Options{DBDir: opts.DBDir, Offline: opts.Offline, Now: opts.Now}),
		secrets.New(secrets.Options{History: opts.SecretsHistory}),
		sast.New(sast.Options{SemgrepConfig: opts.SemgrepConfig}),
	}
}

func scanRun(ctx context.Context, opts *ScanOptions) error {
	now := opts.Now().UTC()
	prog := opts.Progress()
	out, err := scan.Run(ctx, scan.Options{
		Root:       opts.Path,
		Scanners:   opts.Scanners(opts),
		Only:       opts.Only,
		IgnoreFile: opts.IgnoreFile,
		Target:     opts.Target,
		Provenance: findings.LocalProvenance(now, "secops"),
		Progress:   prog,
	})
	prog.Done("")
	if err != nil {
		return err
	}

	st, err := opts.Store(ctx)
	if err != nil {
		return fmt.Errorf("open the findings store: %w", err)
	}
	defer st.Close()
	// What is uploaded is the scan's own findings: Security Hub keeps the
	// workflow and first sighting it holds, as the local store does.
	fresh := slices.Clone(out.Findings)
	imported, err := st.Import(ctx, out.Findings, findings.ImportOptions{Scope: out.Scope})
	if err != nil {
		return fmt.Errorf("store findings: %w", err)
	}
	// Show and gate on what the store kept: a finding the user suppressed
	// or resolved stays so, with its first sighting.
	stored, err := lookupStored(ctx, st, out.Findings)
	if err != nil {
		return fmt.Errorf("read back the stored findings: %w", err)
	}
	out.UseStored(stored)
	gate := out.Gate(opts.FailOn)

	reportNotes(opts.IO.ErrOut, out, opts.Verbose)
	format, _ := report.ParseFormat(opts.Output)
	ropts := report.Options{
		Color:    opts.IO.ColorEnabled(),
		TTY:      opts.IO.IsStdoutTTY(),
		Width:    opts.IO.TerminalWidth(),
		Header:   "backend: " + st.Backend(),
		ToolName: "secops",
	}
	if format == report.Table {
		fmt.Fprintf(opts.IO.Out, "Scanned %s\n", out.Target)
		writeScanSummary(opts.IO.Out, out, imported)
		writeGateNote(opts.IO.Out, opts.FailOn, gate)
		fmt.Fprintln(opts.IO.Out)
		if err := report.Write(opts.IO.Out, report.Table, out.Findings, ropts); err != nil {
			return err
		}
	} else {
		if !opts.IO.Quiet() {
			writeScanSummary(opts.IO.ErrOut, out, imported)
			writeGateNote(opts.IO.ErrOut, opts.FailOn, gate)
		}
		if err := report.Write(opts.IO.Out, format, out.Findings, ropts); err != nil {
			return err
		}
	}
	if opts.OutputFile != "" {
		if err := writeOutputFile(opts.OutputFile, report.Format(opts.OutputFileFormat), out.Findings, ropts); err != nil {
			return err
		}
	}

	if opts.Upload {
		if err := opts.Uploader(ctx, fresh, out.Scope); err != nil {
			return err
		}
	}
	if len(imported.Failed) > 0 {
		return fmt.Errorf("the store refused %d findings (first: %s: %s)", len(imported.Failed), imported.Failed[0].Id, imported.Failed[0].ErrorMessage)
	}
	if err := out.Err(); err != nil {
		return fmt.Errorf("%w; findings of the other scanners were stored, nothing was archived for the failed ones", err)
	}
	if gate.Counted > 0 {
		return failOnError(fmt.Sprintf("%d findings at or above %s (--fail-on %s)", gate.Counted, opts.FailOn, opts.FailOn))
	}
	return nil
}

// storeLookup is the store that can read back many findings at once (the
// local store does).
type storeLookup interface {
	Lookup(ctx context.Context, list []findings.Finding) ([]findings.Finding, error)
}

// storedReader is the part of a store that reads one finding back.
type storedReader interface {
	Get(ctx context.Context, id string) (findings.Finding, error)
}

// lookupStored returns the store's copies of list's findings; a finding
// the store does not hold is left out.
func lookupStored(ctx context.Context, st storedReader, list []findings.Finding) ([]findings.Finding, error) {
	if l, ok := st.(storeLookup); ok {
		return l.Lookup(ctx, list)
	}
	var out []findings.Finding
	for i := range list {
		f, err := st.Get(ctx, list[i].Id)
		if errors.Is(err, findings.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// storedGate gives list what the store kept of each finding (see
// scan.Outcome.UseStored), in place, and counts the gate on it. st nil
// (--no-store) leaves list as the scan made it.
func storedGate(ctx context.Context, st storedReader, list []findings.Finding, failOn string) (scan.GateResult, error) {
	out := &scan.Outcome{Findings: list}
	if st != nil {
		stored, err := lookupStored(ctx, st, list)
		if err != nil {
			return scan.GateResult{}, fmt.Errorf("read back the stored findings: %w", err)
		}
		out.UseStored(stored)
	}
	return out.Gate(failOn), nil
}

// writeGateNote says how many findings at or above --fail-on the gate
// passed over because a user suppressed or resolved them.
func writeGateNote(w io.Writer, failOn string, g scan.GateResult) {
	if failOn == "" || g.Exempt == 0 {
		return
	}
	noun := "findings"
	if g.Exempt == 1 {
		noun = "finding"
	}
	fmt.Fprintf(w, "Gate: %d %s at or above %s not counted: SUPPRESSED or RESOLVED in the findings store.\n", g.Exempt, noun, failOn)
}

// reportNotes tells the user, on stderr, what the scan passed over and
// which ignore entries no longer apply.
func reportNotes(w io.Writer, out *scan.Outcome, verbose bool) {
	for _, r := range out.Results {
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "%s: skipped %s: %s\n", r.Name, s.Path, s.Reason)
		}
		for _, msg := range r.Warnings {
			fmt.Fprintf(w, "%s: warning: %s\n", r.Name, msg)
		}
		if r.Err != nil {
			fmt.Fprintf(w, "%s: error: %v\n", r.Name, r.Err)
		}
	}
	if verbose {
		for _, f := range out.Ignored {
			e := out.IgnoredBy[f.Id]
			fmt.Fprintf(w, "ignored: %s %s %s (line %d: %s)\n", findings.ShortID(f.Id), f.SeverityLabel(), f.Title, e.Line, e.Reason)
		}
	}
	if len(out.ExpiredIgnores) > 0 {
		names := make([]string, len(out.ExpiredIgnores))
		for i, e := range out.ExpiredIgnores {
			names[i] = e.String()
		}
		fmt.Fprintf(w, "warning: %d expired ignore entries no longer apply: %s\n", len(names), strings.Join(names, "; "))
	}
}

// writeScanSummary prints one line per scanner: what it found, what the
// ignore file covered, what it skipped, and how long it took.
func writeScanSummary(w io.Writer, out *scan.Outcome, imported findings.ImportResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCANNER\tFOUND\tIGNORED\tSKIPPED\tDURATION\tSTATUS")
	for _, r := range out.Results {
		status := "ok"
		switch {
		case r.Err != nil:
			status = "failed"
		case r.Incomplete:
			status = "incomplete"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1fs\t%s\n", r.Name, r.Found, r.Ignored, len(r.Skipped), r.Duration.Seconds(), status)
	}
	tw.Flush()
	fmt.Fprintf(w, "Stored: %d new, %d updated, %d archived.\n", imported.New, imported.Updated, imported.Archived)
}

func writeOutputFile(name string, format report.Format, list []findings.Finding, o report.Options) error {
	var buf bytes.Buffer
	o.Color, o.TTY = false, false
	if err := report.Write(&buf, format, list, o); err != nil {
		return err
	}
	if dir := filepath.Dir(name); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
