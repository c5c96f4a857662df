// Package sast finds insecure code with gosec on Go modules and, when
// configured, Semgrep.
package sast

import (
	"context"
	"os/exec"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/goenv"
	"github.com/secops-dev/secops/pkg/importer"
	"github.com/secops-dev/secops/pkg/scan"
)

// GeneratorIds of SAST findings.
const (
	GeneratorGosec   = "secops/sast/gosec"
	GeneratorSemgrep = importer.GeneratorSemgrep
)

// Options tunes the SAST scanner.
type Options struct {
	// SemgrepConfig is a local Semgrep rules file or directory. Without
	// it Semgrep is not run: its registry configs need the network.
	SemgrepConfig string
	// LookPath finds executables; nil means exec.LookPath. Tests swap it.
	LookPath func(string) (string, error)
	// Skip leaves paths out of the scan (--skip-path).
	Skip scan.SkipPaths
	// Offline loads Go packages from the module cache and vendor/ only
	// (see goenv.SetOffline): a module not there makes the result
	// incomplete instead of being downloaded.
	Offline bool
}

// Scanner is the SAST scanner.
type Scanner struct {
	opts Options
}

var _ scan.Scanner = (*Scanner)(nil)

// New returns a SAST scanner.
func New(opts Options) *Scanner {
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	return &Scanner{opts: opts}
}

// Name implements scan.Scanner.
func (s *Scanner) Name() string { return "sast" }

// GeneratorIds implements scan.Scanner. Semgrep's generator is listed
// only when Semgrep is configured, so a scan without it never archives
// Semgrep findings from an earlier scan that had it.
func (s *Scanner) GeneratorIds() []string {
	if s.opts.SemgrepConfig != "" {
		return []string{GeneratorGosec, GeneratorSemgrep}
	}
	return []string{GeneratorGosec}
}

// Scan implements scan.Scanner.
func (s *Scanner) Scan(ctx context.Context, root string, prov findings.Provenance) (scan.Result, error) {
	var res scan.Result
	if s.opts.Offline {
		goenv.SetOffline()
	}
	if err := scanGo(ctx, root, s.opts.LookPath, s.opts.Skip, &res); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	scanSemgrep(ctx, root, s.opts, prov, &res)
	if s.opts.SemgrepConfig == "" && !res.Coverage.Examined() {
		res.Coverage.Hint = "gosec covers Go only; for other languages add --semgrep-config with a local Semgrep rules file"
	}
	return res, ctx.Err()
}
