package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/report"
)

// importOptions are the flags and dependencies of `secops findings import`.
type importOptions struct {
	findingsDeps
	Source   string
	Format   string
	Complete bool
}

func newCmdFindingsImport(f *Factory, runF func(*importOptions) error) *cobra.Command {
	opts := &importOptions{findingsDeps: newFindingsDeps(f)}
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import findings from ASFF or another tool's report",
		Long: `Import findings into the store: ASFF, or a report your tools already write. The
format is detected from the content; --format forces it:

` + importFormatsHelp() + `
Secrets in gitleaks reports are redacted.

Import is an upsert, as in Security Hub: a finding with the same product and Id is
updated, and the workflow status a user set on it is kept. With --complete the file is
taken as the full result of its generators on its target: findings of theirs that it no
longer contains are archived and resolved.

Nothing is written unless every finding in the input is valid; errors name the finding
and the field.`,
		Example: `  secops findings import testdata/findings/sample-findings.json
  secops findings import trivy-results.json
  secops findings import --format zap zap-report.xml
  aws securityhub get-findings --output json | secops findings import -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.parse(f)
			opts.Source = args[0]
			if runF != nil {
				return runF(opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "report format: "+formatNamesList()+" (detected when not given)")
	cmd.Flags().BoolVar(&opts.Complete, "complete", false, "archive findings of the same generators and target that the input no longer contains")
	return cmd
}

func importRun(ctx context.Context, opts *importOptions) error {
	prog := opts.Progress()
	defer prog.Done("")
	name := opts.Source
	if name == "-" {
		name = "standard input"
	}
	prog.Step("reading %s", name)
	list, err := readFindings(ctx, opts)
	if err != nil {
		return err
	}
	var importOpts findings.ImportOptions
	if opts.Complete {
		scope, err := scopeOf(list)
		if err != nil {
			return &usageError{err: err}
		}
		importOpts.Scope = scope
	}
	store, err := opts.Store(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	prog.Step("importing %d finding(s) into %s", len(list), store.Backend())
	res, err := store.Import(ctx, list, importOpts)
	prog.Done("")
	if err != nil {
		return fmt.Errorf("import %s: %w", opts.Source, err)
	}
	return reportImport(opts.IO, store.Backend(), res)
}

// readFindings reads the input and turns it into findings: ASFF as is
// (lossless, validated), any other tool's report through its importer
// (importer.ReadReport).
func readFindings(ctx context.Context, opts *importOptions) ([]findings.Finding, error) {
	name := opts.Source
	if name == "-" {
		name = "standard input"
	}
	data, err := readInput(opts.IO.In, opts.Source)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	// Nothing at all is what a tool that crashed leaves behind, unlike a
	// report that says it found nothing ([], null).
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("read %s: the input is empty: check that the tool that wrote it succeeded", name)
	}
	format := importer.Format("")
	if opts.Format != "" {
		if format, err = importer.ParseFormat(opts.Format); err != nil {
			return nil, &usageError{err: fmt.Errorf("--format: %w", err)}
		}
		// A forced format must not silently read another tool's report
		// as an empty one of its own.
		if detected, derr := importer.Detect(data); derr == nil && detected != format {
			return nil, fmt.Errorf("read %s (%s): it looks like a %s report: use --format %s, or leave --format out", name, format, detected, detected)
		}
	} else if format, err = importer.Detect(data); err != nil {
		if errors.Is(err, importer.ErrEmptyReport) {
			opts.IO.Notef("%s holds no findings.", name)
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	// ASFF as its producer wrote it, any other tool's report through its
	// importer; what did not become a finding of its own is said.
	rep, err := importer.ReadReport(ctx, format, data, findings.LocalProvenance(opts.Now(), "secops"))
	if err != nil {
		return nil, fmt.Errorf("read %s (%s): %w", name, format, err)
	}
	list := rep.Findings
	for _, n := range rep.Notes() {
		opts.IO.Notef("%s: %s", name, n)
	}
	if opts.Verbose {
		opts.IO.Notef("%s: %s report, %d finding(s)", name, format, len(list))
	}
	return list, nil
}

// readInput reads a report file or standard input, refusing directories
// and anything over the importer's size cap before reading it.
func readInput(stdin io.Reader, path string) ([]byte, error) {
	if path == "-" {
		return importer.ReadAll(stdin)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory: give a report file", path)
	}
	if st.Mode().IsRegular() && st.Size() > importer.MaxReportBytes {
		return nil, fmt.Errorf("the report is %d MiB, larger than the %d MiB limit: split it or filter it with the tool first", st.Size()>>20, importer.MaxReportBytes>>20)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return importer.ReadAll(file)
}

// scopeOf derives what a --complete import covers from the findings
// themselves: one product and one target, and every generator present.
func scopeOf(list []findings.Finding) (*findings.Scope, error) {
	if len(list) == 0 {
		return nil, errors.New("--complete needs at least one finding to know the product and target it covers")
	}
	scope := &findings.Scope{ProductArn: list[0].ProductArn, Target: list[0].ProductFields[findings.FieldTarget]}
	gens := map[string]bool{}
	for i := range list {
		if list[i].ProductArn != scope.ProductArn || list[i].ProductFields[findings.FieldTarget] != scope.Target {
			return nil, errors.New("--complete needs findings of one product and one target (ProductFields secops/Target); import the others separately")
		}
		gens[list[i].GeneratorId] = true
	}
	for g := range gens {
		scope.GeneratorIds = append(scope.GeneratorIds, g)
	}
	sort.Strings(scope.GeneratorIds)
	return scope, nil
}

// reportImport says what an import did; findings the backend refused are
// listed and make the command fail, since they were not stored.
func reportImport(ios *iostreams.IOStreams, backend string, res findings.ImportResult) error {
	ios.Notef("backend: %s", backend)
	if !ios.Quiet() {
		writeStored(ios.ErrOut, res)
	}
	for _, fail := range res.Failed {
		fmt.Fprintf(ios.ErrOut, "not stored: %s: %s %s\n", findings.ShortID(fail.Id), fail.ErrorCode, fail.ErrorMessage)
	}
	if len(res.Failed) > 0 {
		return &codedError{code: exitFailure, err: fmt.Errorf("the findings store refused %d finding(s) (listed above)", len(res.Failed))}
	}
	return nil
}

// exportOptions are the flags and dependencies of `secops findings export`.
type exportOptions struct {
	findingsDeps
	Query      queryFlags
	OutputFile string
}

func newCmdFindingsExport(f *Factory, runF func(*exportOptions) error) *cobra.Command {
	opts := &exportOptions{findingsDeps: newFindingsDeps(f)}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write findings for other tools (ASFF by default)",
		Long: `Write findings for other tools. The default format is ASFF ({"Findings": [...]}),
which 'aws securityhub batch-import-findings --cli-input-json' and 'secops findings
import' take as is; -o json, csv and sarif are available too. All record states are
exported unless --record-state says otherwise.`,
		Example: `  secops findings export > findings.asff.json
  secops findings export -o sarif --min-severity HIGH > secops.sarif`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.parse(f)
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	// table is accepted here only to be refused with a pointer to the
	// command that prints one.
	acceptsOutput(cmd, "asff", "json", "csv", "sarif", "table")
	opts.Query.register(cmd, "ALL")
	cmd.Flags().StringVar(&opts.OutputFile, "output-file", "", "write to this file instead of standard output")
	return cmd
}

func exportRun(ctx context.Context, opts *exportOptions) error {
	format, err := opts.format(report.ASFF)
	if err != nil {
		return err
	}
	if format == report.Table {
		return &usageError{err: errors.New("export writes machine formats: use -o asff, json, csv or sarif, or 'secops findings' for a table")}
	}
	store, list, _, err := opts.queryStore(ctx, &opts.Query, true)
	if err != nil {
		return err
	}
	defer store.Close()
	var w io.Writer = opts.IO.Out
	if opts.OutputFile != "" {
		file, err := createOutputFile(opts.OutputFile)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	v, _, _ := buildVersion()
	if err := report.Write(w, format, list, report.Options{ToolName: "secops", ToolVersion: v}); err != nil {
		return fmt.Errorf("export findings: %w", err)
	}
	opts.IO.Notef("Exported %d finding(s) from %s.", len(list), store.Backend())
	return nil
}

// importFormatsHelp lists the formats findings import reads, one a line,
// as the importers declare them.
func importFormatsHelp() string {
	var b strings.Builder
	for _, f := range importer.Formats() {
		fmt.Fprintf(&b, "  %-17s %s\n", f, importer.About(f))
	}
	return b.String()
}

func formatNamesList() string {
	names := make([]string, 0, len(importer.Formats()))
	for _, f := range importer.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}
