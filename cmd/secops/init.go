package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/bootstrap"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
)

func newInitCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write secops configuration files into a repository",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCmdInitBuildspec(f, nil))
	return cmd
}

// initBuildspecOptions are the inputs of `secops init buildspec`.
type initBuildspecOptions struct {
	IO *iostreams.IOStreams

	Dir    string
	FailOn string
	Force  bool
}

func newCmdInitBuildspec(f *Factory, runF func(*initBuildspecOptions) error) *cobra.Command {
	opts := &initBuildspecOptions{IO: f.IO}
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
				return runF(opts)
			}
			return initBuildspecRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", ".", "repository directory to write buildspec.yml into")
	cmd.Flags().StringVar(&opts.FailOn, "fail-on", "HIGH", "severity that fails the build: CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite an existing buildspec.yml")
	return cmd
}

func initBuildspecRun(_ context.Context, opts *initBuildspecOptions) error {
	label, err := findings.ParseSeverity(opts.FailOn)
	if err != nil {
		return &usageError{err: fmt.Errorf("--fail-on: %w", err)}
	}
	path, err := bootstrap.WriteBuildspec(opts.Dir, label, opts.Force)
	if err != nil {
		if errors.Is(err, bootstrap.ErrBuildspecExists) {
			return &usageError{err: err}
		}
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Wrote %s (scan gate: fail on %s and above).\n", path, label)
	return nil
}
