package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/report"
	"github.com/secops-dev/secops/pkg/scan"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

// scanCommonHelp is what every scan command shares, stated once in
// 'secops scan --help' and repeated in each subcommand's help.
const scanCommonHelp = `All scan commands (scan, scan image, scan dast, scan sonarqube) take the same
scan flags, print the same summary and end with the same exit codes:

  --fail-on SEVERITY    exit 1 when an active NEW or NOTIFIED finding is at or above it
  --ignore-file FILE    accepted findings (default .secopsignore at the scan root for
                        'scan', in the current directory for the others)
  --output-file FILE    also write the findings there (format from the extension)
  --target NAME         what the findings belong to across scans
  --no-store            print the findings, keep nothing
  --upload              also send them to AWS Security Hub

Findings go to the local findings store, so a second scan of the same target
updates them instead of adding copies, and a finding the scan no longer
reports (a bumped dependency, a removed secret, a fixed page) is archived. A
scanner that fails or is incomplete, or that you narrowed (--scanners aside:
passive checks only, --include, a filtered pull), never archives anything.

Accepted findings go in the ignore file, a YAML list whose entries carry a
reason and usually an expiry date:

  - rule: GHSA-jfh8-c2jp-5v3q          # or a CVE alias, gosec G101, a gitleaks rule id
    paths: ["services/billing/**"]
    reason: JNDI lookups are disabled in this service (SEC-42)
    expires: 2026-12-31
  - id: 3f2a9c0d1e4b                    # one finding, by (short) Id
    reason: test fixture, not a real credential

Expired entries stop applying and are listed on stderr; -v lists the
findings the file covers and every file a scanner skipped.

What the scan prints and --fail-on judge are the findings as the local
findings store keeps them after the scan: a finding you suppressed or
resolved with 'secops findings update --backend local' keeps that status and
its first sighting (CreatedAt, FirstObservedAt), and --fail-on counts only
findings whose workflow is NEW or NOTIFIED; the summary says how many at or
above the threshold it left out. The local store is the reference even with
--upload: a status set only in Security Hub (its console, or 'findings
update' with the securityhub backend) is not read back.

Exit status: 0 when the scan ran (whatever it found); 1 when --fail-on is set
and an active NEW or NOTIFIED finding is at or above it; 2 when a scanner
failed or the findings store refused findings (the findings found are still
printed and kept).`

// scanFlags are the flags every scan command has, with one meaning.
type scanFlags struct {
	FailOn           string
	FailOnUnknown    bool
	ReachableOnly    bool
	AllowIncomplete  bool
	OutputFile       string
	OutputFileFormat string
	IgnoreFile       string
	Target           string
	NoStore          bool
	Upload           bool
}

// register declares the scan flags; ignoreDefault says where the ignore
// file is looked for by default.
func (s *scanFlags) register(fl *pflag.FlagSet, ignoreDefault string) {
	fl.StringVar(&s.FailOn, "fail-on", "", "exit 1 when an active NEW or NOTIFIED finding is at or above this severity: LOW, MEDIUM, HIGH, CRITICAL")
	fl.BoolVar(&s.FailOnUnknown, "fail-on-unknown", false, "with --fail-on, also count findings whose source gives no severity (shown as UNKNOWN)")
	fl.BoolVar(&s.ReachableOnly, "reachable-only", false, "with --fail-on, leave out Go advisories whose vulnerable code the project does not call (govulncheck)")
	fl.BoolVar(&s.AllowIncomplete, "allow-incomplete", false, "with --fail-on or --offline, exit 0 or 1 even when a scanner could not examine everything")
	fl.StringVar(&s.OutputFile, "output-file", "", "also write the findings to this file")
	fl.StringVar(&s.OutputFileFormat, "output-file-format", "", "format of --output-file: json, csv, sarif, asff or table (default from the extension: .json, .csv, .sarif, .asff or .asff.json, .txt)")
	fl.StringVar(&s.IgnoreFile, "ignore-file", "", "ignore file (default "+ignoreDefault+")")
	fl.StringVar(&s.Target, "target", "", "name that identifies what is scanned across scans (findings of the same target are updated and archived together)")
	fl.BoolVar(&s.NoStore, "no-store", false, "print the findings without keeping them in the findings store")
	fl.BoolVar(&s.Upload, "upload", false, "also send the findings to AWS Security Hub (failures stay pending locally; see 'findings push')")
}

// check normalises the flags and refuses contradictions.
func (s *scanFlags) check() error {
	if s.FailOn != "" {
		label, err := findings.ParseSeverity(s.FailOn)
		if err != nil {
			return &usageError{err: fmt.Errorf("--fail-on: %w", err)}
		}
		s.FailOn = label
	}
	if s.OutputFile != "" {
		format, err := outputFileFormat(s.OutputFile, s.OutputFileFormat)
		if err != nil {
			return &usageError{err: err}
		}
		s.OutputFileFormat = string(format)
	} else if s.OutputFileFormat != "" {
		return &usageError{err: errors.New("--output-file-format needs --output-file")}
	}
	if s.ReachableOnly && s.FailOn == "" {
		return &usageError{err: errors.New("--reachable-only narrows --fail-on: give --fail-on too")}
	}
	if s.FailOnUnknown && s.FailOn == "" {
		return &usageError{err: errors.New("--fail-on-unknown counts unrated findings for --fail-on: give --fail-on too")}
	}
	if s.NoStore && s.Upload {
		return &usageError{err: errors.New("--upload sends what the findings store keeps: drop --no-store")}
	}
	return nil
}

// scanDeps are what every scan command takes from the Factory.
type scanDeps struct {
	IO       *iostreams.IOStreams
	Now      func() time.Time
	Progress func() *progress.Reporter
	// Store opens the findings store the results go to, once the scan
	// has something to keep.
	Store func(ctx context.Context) (scanStore, error)
	// Uploader sends the scan's findings to Security Hub (--upload).
	Uploader func(ctx context.Context, list []findings.Finding, scope *findings.Scope) error
	// Output is -o and Verbose -v, read when the command runs.
	Output  string
	Verbose bool
}

func newScanDeps(f *Factory) scanDeps {
	return scanDeps{
		IO:       f.IO,
		Now:      f.Now,
		Progress: f.Progress,
		Store: func(ctx context.Context) (scanStore, error) {
			st, err := f.ScanStore(ctx)
			if err != nil {
				return nil, err
			}
			return st, nil
		},
		Uploader: f.uploadScan,
	}
}

// parse takes the global flags and checks the scan flags; every scan
// command's RunE starts with it.
func (c *scanCommon) parse(f *Factory) error {
	c.Output, c.Verbose = f.Globals.Output, f.Globals.Verbose
	return c.scanFlags.check()
}

// advisoryFlags choose where OSV advisories come from (SCA and image scans).
type advisoryFlags struct {
	DBDir      string
	Offline    bool
	APIBaseURL string
}

func (a *advisoryFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&a.DBDir, "db", "", "offline vulnerability database directory: OSV records, or osv-scanner's offline layout (see 'secops db')")
	fl.BoolVar(&a.Offline, "offline", false, "never use the network: advisories come from the offline database")
	fl.StringVar(&a.APIBaseURL, "osv-api-url", "", "OSV API base URL (default https://api.osv.dev)")
}

// scanStore is the findings store a scan keeps its findings in.
type scanStore interface {
	scan.Store
	Close() error
}

// scanCommon is the part every scan command's options share.
type scanCommon struct {
	scanDeps
	scanFlags
	// offline is set by the commands that have --offline: an offline
	// scan is a reproducible gate, and an incomplete one fails it.
	offline bool
	// prog is the one progress reporter of the run (see reporter).
	prog *progress.Reporter
}

// reporter is the run's progress reporter, made once so that the
// scanners and the pipeline share it.
func (c *scanCommon) reporter() *progress.Reporter {
	if c.prog == nil {
		c.prog = c.Progress()
	}
	return c.prog
}

// runScan is the one run function of every scan command: it runs the
// source through the scan pipeline (ignore file, store, stored workflow),
// prints the summary and the findings, writes --output-file, uploads, and
// turns the outcome into the exit code: 2 when a scanner failed or
// findings were not stored, else 1 when the gate counts findings.
func runScan(ctx context.Context, c *scanCommon, src scan.Source) error {
	format, err := report.ParseFormat(c.Output)
	if err != nil {
		return &usageError{err: err}
	}
	prog := c.reporter()
	out, err := scan.Run(ctx, scan.Options{
		Source:     src,
		Target:     c.Target,
		IgnoreFile: c.IgnoreFile,
		Provenance: findings.LocalProvenance(c.Now().UTC(), "secops"),
		Progress:   prog,
	})
	prog.Done("")
	if err != nil {
		return err
	}
	if !c.NoStore {
		// Opened only now: a scan that could not run leaves no store behind.
		st, err := c.Store(ctx)
		if err != nil {
			return fmt.Errorf("open the findings store: %w; rerun with --no-store to print the findings only", err)
		}
		defer st.Close()
		out.Keep(ctx, st, scan.KeepOptions{Fresh: c.Upload})
	}
	gate := out.GateWith(scan.GateOptions{Threshold: c.FailOn, Unknown: c.FailOnUnknown, ReachableOnly: c.ReachableOnly})

	io := c.IO
	writeScanNotes(io, out, c.Verbose)
	ropts := report.Options{
		Color:    io.ColorEnabled(),
		TTY:      io.IsStdoutTTY(),
		Width:    io.TerminalWidth(),
		Header:   "backend: " + backendName(out),
		ToolName: "secops",
	}
	ropts.ToolVersion, _, _ = buildVersion()
	if format == report.Table {
		writeScanSummary(io.Out, out, c.FailOn, gate)
		fmt.Fprintln(io.Out)
	} else if !io.Quiet() {
		// The table's header names the backend; here a line does.
		fmt.Fprintln(io.ErrOut, ropts.Header)
		writeScanSummary(io.ErrOut, out, c.FailOn, gate)
	}
	if err := report.Write(io.Out, format, out.Findings, ropts); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if c.OutputFile != "" {
		if err := writeOutputFile(c.OutputFile, report.Format(c.OutputFileFormat), out.Findings, ropts); err != nil {
			return err
		}
	}
	var errs []error
	if c.Upload && out.StoreErr == nil {
		if err := c.Uploader(ctx, out.Fresh, out.Scope); err != nil {
			errs = append(errs, err)
		}
	}
	if out.StoreErr != nil {
		errs = append(errs, fmt.Errorf("%w; the findings above were not kept: fix the store (--store, SECOPS_STORE) or rerun with --no-store", out.StoreErr))
	}
	if n := len(out.Imported.Failed); n > 0 {
		errs = append(errs, fmt.Errorf("the findings store refused %s (listed above)", scan.Plural(n, "finding")))
	}
	if err := out.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%w; the other scanners' findings were kept, and nothing was archived for the failed ones", err))
	} else if out.Incomplete() && (c.FailOn != "" || c.offline) && !c.AllowIncomplete {
		// A gate cannot pass what the scan did not examine.
		errs = append(errs, fmt.Errorf("%s could not examine everything (see above), so the result cannot be trusted as a gate: fix the cause, or add --allow-incomplete to accept a partial scan", incompleteNames(out)))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if gate.Counted > 0 {
		return failOnError(fmt.Sprintf("%d findings at or above %s (--fail-on %s)", gate.Counted, c.FailOn, c.FailOn))
	}
	return nil
}

// incompleteNames lists the scanners that did not examine everything.
func incompleteNames(out *scan.Outcome) string {
	var names []string
	for _, r := range out.Results {
		if !r.Complete() {
			names = append(names, r.Name)
		}
	}
	return strings.Join(names, ", ")
}

func backendName(out *scan.Outcome) string {
	if !out.Stored {
		return "none (--no-store)"
	}
	return out.Backend
}

// writeScanSummary prints what was scanned, one line per scanner (what it
// found, ignored, skipped and examined), what the store did, and what the
// gate passed over.
func writeScanSummary(w io.Writer, out *scan.Outcome, failOn string, gate scan.GateResult) {
	fmt.Fprintf(w, "Scanned %s\n", out.Target)
	t := tableprinter.New(w, tableprinter.Options{}, tableprinter.Plain("SCANNER", "FOUND", "IGNORED", "SKIPPED", "DURATION", "STATUS", "EXAMINED")...)
	for _, r := range out.Results {
		examined := r.Coverage.String()
		if examined == "" {
			examined = "-"
		}
		t.Row(r.Name, fmt.Sprint(r.Found), fmt.Sprint(r.Ignored), fmt.Sprint(len(r.Skipped)), fmt.Sprintf("%.1fs", r.Duration.Seconds()), r.Status(), examined)
	}
	_ = t.Render()
	for _, n := range out.Notes {
		fmt.Fprintln(w, n)
	}
	switch {
	case !out.Stored:
		fmt.Fprintln(w, "Not stored (--no-store).")
	case out.StoreErr == nil:
		writeStored(w, out.Imported)
	}
	writeGateNote(w, failOn, gate)
}

// writeStored is the one line every command prints after an import into
// a findings store; the backend is named in the command's header line.
func writeStored(w io.Writer, res findings.ImportResult) {
	fmt.Fprintf(w, "Stored: %d new, %d updated, %d archived.\n", res.New, res.Updated, res.Archived)
}

// writeGateNote says how many findings at or above --fail-on the gate
// passed over because a user suppressed or resolved them, and how many
// unrated ones it left out.
func writeGateNote(w io.Writer, failOn string, g scan.GateResult) {
	if failOn == "" {
		return
	}
	if g.Exempt > 0 {
		noun := "findings"
		if g.Exempt == 1 {
			noun = "finding"
		}
		fmt.Fprintf(w, "Gate: %d %s at or above %s not counted: SUPPRESSED or RESOLVED in the findings store.\n", g.Exempt, noun, failOn)
	}
	if g.NotCalled > 0 {
		fmt.Fprintf(w, "Gate: %s at or above %s not counted: Go advisories whose vulnerable code is not called (--reachable-only).\n", scan.Plural(g.NotCalled, "finding"), failOn)
	}
	if g.Unknown > 0 {
		fmt.Fprintf(w, "Gate: %s of UNKNOWN severity not counted (their source rates none); --fail-on-unknown counts them.\n", scan.Plural(g.Unknown, "finding"))
	}
}

// writeScanNotes tells the user on stderr what the scan passed over, what
// it could not do and which ignore entries no longer apply. Under -q it
// prints errors only; -v lists every skipped file and ignored finding.
func writeScanNotes(io *iostreams.IOStreams, out *scan.Outcome, verbose bool) {
	w := io.ErrOut
	quiet := io.Quiet()
	for _, r := range out.Results {
		if r.Err != nil {
			fmt.Fprintf(w, "%s: error: %v\n", r.Name, r.Err)
		}
		if quiet {
			continue
		}
		writeSkipped(w, r, verbose)
		if r.Kept > 0 {
			fmt.Fprintf(w, "%s: %s of earlier scans in skipped files kept (not re-examined, so not archived)\n", r.Name, scan.Plural(r.Kept, "finding"))
		}
		for _, msg := range r.Warnings {
			fmt.Fprintf(w, "%s: warning: %s\n", r.Name, msg)
		}
		for _, msg := range r.Notes {
			fmt.Fprintf(w, "%s: note: %s\n", r.Name, msg)
		}
		if len(r.Excluded) > 0 {
			fmt.Fprintf(w, "%s: left out by --skip-path: %s\n", r.Name, strings.Join(r.Excluded, ", "))
		}
		if r.Err == nil && !r.Examined() {
			hint := r.Coverage.Hint
			if hint == "" {
				hint = "it found nothing it could examine"
			}
			fmt.Fprintf(w, "%s: nothing to scan: %s\n", r.Name, hint)
		} else if r.Coverage.Hint != "" {
			fmt.Fprintf(w, "%s: note: %s\n", r.Name, r.Coverage.Hint)
		}
		switch {
		case r.Err != nil, r.Incomplete:
			fmt.Fprintf(w, "%s: incomplete: nothing was archived for it (its older findings stay as they are)\n", r.Name)
		case r.Narrowed != "":
			fmt.Fprintf(w, "%s: partial (%s): nothing was archived for it\n", r.Name, r.Narrowed)
		}
	}
	if !quiet {
		for _, ff := range out.Imported.Failed {
			fmt.Fprintf(w, "not stored: %s: %s %s\n", findings.ShortID(ff.Id), ff.ErrorCode, ff.ErrorMessage)
		}
	} else if n := len(out.Imported.Failed); n > 0 {
		fmt.Fprintf(w, "not stored: %s (first: %s: %s)\n", scan.Plural(n, "finding"), findings.ShortID(out.Imported.Failed[0].Id), out.Imported.Failed[0].ErrorMessage)
	}
	if quiet {
		return
	}
	for _, msg := range out.Warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
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

// writeSkipped says what a scanner passed over: one line naming the file
// when it is one, else one counted line by reason; -v lists them all.
func writeSkipped(w io.Writer, r scan.ScannerResult, verbose bool) {
	switch {
	case len(r.Skipped) == 0:
		return
	case len(r.Skipped) == 1 || verbose:
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "%s: skipped %s: %s\n", r.Name, s.Path, s.Reason)
		}
		return
	}
	byReason := map[string]int{}
	for _, s := range r.Skipped {
		byReason[skipReasonKind(s.Reason)]++
	}
	reasons := make([]string, 0, len(byReason))
	for k := range byReason {
		reasons = append(reasons, k)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if byReason[reasons[i]] != byReason[reasons[j]] {
			return byReason[reasons[i]] > byReason[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	parts := make([]string, len(reasons))
	for i, k := range reasons {
		parts[i] = fmt.Sprintf("%s: %d", k, byReason[k])
	}
	fmt.Fprintf(w, "%s: skipped %s (%s); -v lists them\n", r.Name, scan.Plural(len(r.Skipped), "file"), strings.Join(parts, ", "))
}

// skipReasonKind groups skip reasons that differ only in details
// ("larger than 10 MB (12 MB)" and "… (40 MB)").
func skipReasonKind(reason string) string {
	if i := strings.IndexAny(reason, "(:"); i > 0 {
		reason = reason[:i]
	}
	return strings.TrimSpace(reason)
}
