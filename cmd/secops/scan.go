package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/report"
	"github.com/secops-dev/secops/pkg/scan"
	"github.com/secops-dev/secops/pkg/scan/sast"
	"github.com/secops-dev/secops/pkg/scan/sca"
	"github.com/secops-dev/secops/pkg/scan/secrets"
)

// ScanOptions are the flags and dependencies of `secops scan`.
type ScanOptions struct {
	scanCommon
	advisoryFlags
	// Scanners builds the scanners from the options; tests replace it.
	Scanners func(opts *ScanOptions) []scan.Scanner

	Path            string
	Only            []string
	Remote          bool
	SecretsHistory  bool
	SemgrepConfig   string
	GoVersion       string
	IncludeVendored bool
	NoReachability  bool
	SkipPaths       []string
}

const scanLong = `Scan a directory for vulnerable dependencies (sca), committed credentials
(secrets) and insecure code (sast), all at once. Each scanner's summary line
says what it examined; one that found nothing it could examine says so
("nothing to scan") instead of "ok".

Secrets are never printed or stored: findings keep the first four characters
and a SHA-256 of the value.

The scan image, dast and sonarqube subcommands scan other things; to scan a
directory that has one of their names, write it as a path (./image).

` + scanCommonHelp

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
		newCmdScanImage(f, nil),
		newCmdScanDast(f, nil),
		newCmdScanSonarqube(f, nil),
	)
	return cmd
}

// newCmdScanWith takes the function that runs the command, so tests can
// check flag parsing without scanning.
func newCmdScanWith(f *Factory, runF func(*ScanOptions) error) *cobra.Command {
	opts := &ScanOptions{scanCommon: scanCommon{scanDeps: newScanDeps(f)}, Scanners: sourceScanners}
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
			if err := opts.parse(f); err != nil {
				return err
			}
			if _, err := scan.Select(opts.Scanners(opts), opts.Only); err != nil {
				return &usageError{err: fmt.Errorf("--scanners: %w", err)}
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
	acceptsOutput(cmd, findingFormats()...)
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Only, "scanners", nil, "scanners to run, comma-separated: sca, secrets, sast (default all)")
	opts.scanFlags.register(fl, "PATH/.secopsignore")
	opts.advisoryFlags.register(fl)
	fl.BoolVar(&opts.Remote, "remote", false, "run the scan on the scanner host (bootstrap --stacks scanner) through SSM; PATH is a path there")
	fl.BoolVar(&opts.SecretsHistory, "secrets-history", false, "also scan the git history for secrets")
	fl.StringVar(&opts.SemgrepConfig, "semgrep-config", "", "run Semgrep (if installed) with this local rules file or directory")
	fl.StringVar(&opts.GoVersion, "go-version", "", "Go version that builds the project, for standard library advisories where go.mod has no toolchain directive (e.g. 1.22.5; 'go.mod' takes each go line)")
	fl.BoolVar(&opts.IncludeVendored, "include-vendored", false, "also scan vendored dependency trees (vendor/, node_modules/) as projects")
	fl.BoolVar(&opts.NoReachability, "no-reachability", false, "do not run govulncheck to tell which Go advisories the code calls")
	fl.StringArrayVar(&opts.SkipPaths, "skip-path", nil, "leave this path or glob (relative to PATH, ** for any depth) out of the scan, e.g. testdata (repeatable); findings of earlier scans there are kept")
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
		sca.New(sca.Options{DBDir: opts.DBDir, Offline: opts.Offline, APIBaseURL: opts.APIBaseURL, Now: opts.Now,
			GoVersion: opts.GoVersion, IncludeVendored: opts.IncludeVendored, Reachability: !opts.NoReachability,
			Progress: opts.reporter(), Skip: opts.SkipPaths}),
		secrets.New(secrets.Options{History: opts.SecretsHistory, Skip: opts.SkipPaths}),
		sast.New(sast.Options{SemgrepConfig: opts.SemgrepConfig, Offline: opts.Offline, Skip: opts.SkipPaths}),
	}
}

func scanRun(ctx context.Context, opts *ScanOptions) error {
	src, err := scan.NewDirectory(opts.Path, opts.Scanners(opts), opts.Only)
	if err != nil {
		return err
	}
	opts.scanCommon.offline = opts.Offline
	return runScan(ctx, &opts.scanCommon, src)
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
