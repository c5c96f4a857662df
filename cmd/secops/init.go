package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/bootstrap"
	"github.com/secops-dev/secops/pkg/findings"
)

func newInitCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write secops configuration files into a repository",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newInitBuildspecCmd(f, nil))
	return cmd
}

// initBuildspecOptions hold the flags of `secops init buildspec`.
type initBuildspecOptions struct {
	Dir    string
	FailOn string
	Force  bool
}

func newInitBuildspecCmd(f *Factory, runF func(*initBuildspecOptions) error) *cobra.Command {
	o := &initBuildspecOptions{}
	cmd := &cobra.Command{
		Use:   "buildspec",
		Short: "Write the buildspec.yml the pipeline's Scan stage runs (the scan gate)",
		Long: `Write buildspec.yml, the CodeBuild spec the Scan stage of the secops pipeline
runs: it installs secops, scans the source and the pushed image, uploads the
findings to Security Hub and fails the build at --fail-on. An existing file
is left alone unless --force is given.`,
		Example: `  secops init buildspec
  secops init buildspec --dir ./app --fail-on CRITICAL --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return initBuildspecRun(f, o)
		},
	}
	cmd.Flags().StringVar(&o.Dir, "dir", ".", "repository directory to write buildspec.yml into")
	cmd.Flags().StringVar(&o.FailOn, "fail-on", "HIGH", "severity that fails the build: CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL")
	cmd.Flags().BoolVar(&o.Force, "force", false, "overwrite an existing buildspec.yml")
	return cmd
}

func initBuildspecRun(f *Factory, o *initBuildspecOptions) error {
	label, err := findings.ParseSeverity(o.FailOn)
	if err != nil {
		return &usageError{err: fmt.Errorf("--fail-on: %w", err)}
	}
	o.FailOn = label
	path, err := bootstrap.WriteBuildspec(o.Dir, o.FailOn, o.Force)
	if err != nil {
		if errors.Is(err, bootstrap.ErrBuildspecExists) {
			return &usageError{err: err}
		}
		return err
	}
	fmt.Fprintf(f.IO.Out, "Wrote %s (scan gate: fail on %s and above).\n", path, o.FailOn)
	return nil
}
