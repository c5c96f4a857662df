package sast

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan"
)

// scanSemgrep runs Semgrep with the local config, if both are there. A
// configured Semgrep that is missing or fails makes the result incomplete.
func scanSemgrep(ctx context.Context, root string, opts Options, prov findings.Provenance, res *scan.Result) {
	bin, lookErr := opts.LookPath("semgrep")
	if opts.SemgrepConfig == "" {
		if lookErr == nil {
			res.Warnings = append(res.Warnings, "semgrep is installed but was not run: give a local rules file with --semgrep-config (registry rules need the network)")
		}
		return
	}
	if lookErr != nil {
		res.Warnings = append(res.Warnings, "--semgrep-config is set but semgrep is not on PATH; install it (pip install semgrep) or drop the flag")
		res.Incomplete = true
		return
	}
	// Semgrep runs in root; a relative config is the user's, relative to here.
	config, err := filepath.Abs(opts.SemgrepConfig)
	if err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("--semgrep-config %s: %v", opts.SemgrepConfig, err))
		res.Incomplete = true
		return
	}
	args := []string{"scan", "--sarif", "--config", config, "--metrics", "off", "--disable-version-check", "--quiet"}
	for _, g := range opts.Skip {
		args = append(args, "--exclude", g)
	}
	cmd := exec.CommandContext(ctx, bin, append(args, ".")...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("semgrep failed (%v): %s", err, lastLine(stderr.String())))
		res.Incomplete = true
		return
	}
	list, err := parseSARIF(ctx, stdout.Bytes(), prov)
	if err != nil {
		res.Warnings = append(res.Warnings, err.Error())
		res.Incomplete = true
		return
	}
	res.Findings = append(res.Findings, list...)
	res.Coverage.Add(1, "Semgrep rule set")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
