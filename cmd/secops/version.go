package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/buildinfo"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/sbom"
	"github.com/secops-dev/secops/pkg/scan/secrets"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

// versionOptions are the flags and dependencies of `secops version`.
type versionOptions struct {
	IO *iostreams.IOStreams
	// BuildInfo describes the running binary.
	BuildInfo func() buildinfo.Info
	// RuleSet describes the secrets rules compiled into it.
	RuleSet func() secrets.RuleSet

	Output string
	SBOM   bool
}

func newCmdVersion(f *Factory, runF func(*versionOptions) error) *cobra.Command {
	opts := &versionOptions{
		IO:        f.IO,
		BuildInfo: func() buildinfo.Info { return buildinfo.Read(releaseStamp()) },
		RuleSet:   secrets.DefaultRuleSet,
	}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the secops version, its engines, or its SBOM",
		Long: `Print the secops version, commit and commit date, the Go version and platform
it was built for, and the versions of the engines it embeds: osv-scalibr (SCA),
gitleaks and its rule set (secrets), gosec (Go SAST) and the AWS SDK for Go v2.
Everything comes from what the Go toolchain recorded in the binary.

-o json prints the same as one JSON object.

--sbom prints a CycloneDX 1.6 SBOM (JSON) of this binary from the module list
embedded in it: every module with its pkg:golang purl and the SHA-256 of its
go.sum checksum, and the Go standard library as "stdlib". The same binary
always gives the same SBOM.`,
		Example: `  secops version
  secops version -o json | jq -r '.engines[] | "\(.name) \(.version)"'
  secops version --sbom > secops.cdx.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output = f.Globals.Output
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.SBOM, "sbom", false, "Print a CycloneDX SBOM (JSON) of this binary")
	acceptsOutput(cmd, "table", "json")
	return cmd
}

// versionJSON is the stable -o json shape of `secops version`.
type versionJSON struct {
	Version   string       `json:"version"`
	Commit    string       `json:"commit"`
	Date      string       `json:"date"`
	GoVersion string       `json:"go_version"`
	OS        string       `json:"os"`
	Arch      string       `json:"arch"`
	Engines   []engineJSON `json:"engines"`
}

// engineJSON is one embedded engine; gitleaks also names its rule set.
type engineJSON struct {
	buildinfo.Engine
	RuleSet *secrets.RuleSet `json:"rule_set,omitempty"`
}

func versionRun(opts *versionOptions) error {
	info := opts.BuildInfo()
	if opts.SBOM {
		return sbom.Write(opts.IO.Out, sbom.New(info))
	}
	var engines []engineJSON
	for _, e := range info.Engines() {
		ej := engineJSON{Engine: e}
		if e.Name == "gitleaks" {
			rs := opts.RuleSet()
			ej.RuleSet = &rs
		}
		engines = append(engines, ej)
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(versionJSON{info.Version, info.Commit, info.Date, info.GoVersion, info.OS, info.Arch, engines})
	}
	fmt.Fprintf(opts.IO.Out, "secops %s (commit %s, committed %s, %s %s/%s)\n\n", info.Version, info.Commit, info.Date, info.GoVersion, info.OS, info.Arch)
	t := tableprinter.New(opts.IO.Out, tableprinter.Options{TTY: opts.IO.IsStdoutTTY(), Width: opts.IO.TerminalWidth()},
		tableprinter.Plain("ENGINE", "VERSION", "MODULE", "RULES")...)
	for _, e := range engines {
		rules := "-"
		if e.RuleSet != nil {
			rules = fmt.Sprintf("%d (%s, sha256 %.12s)", e.RuleSet.Rules, e.RuleSet.Source, e.RuleSet.SHA256)
		}
		t.Row(e.Name, e.Version, e.Module, rules)
	}
	return t.Render()
}

// releaseStamp is what the release build set with -ldflags -X.
func releaseStamp() buildinfo.Stamp {
	return buildinfo.Stamp{Version: version, Commit: commit, Date: date}
}

// buildVersion prefers the release ldflags and falls back to what the Go
// toolchain recorded, so `go install …@v1.2.3` still reports v1.2.3.
func buildVersion() (v, c, d string) {
	info := buildinfo.Read(releaseStamp())
	return info.Version, info.Commit, info.Date
}
