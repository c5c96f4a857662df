package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/localstore"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/securityhub"
)

// pushOptions are the flags and dependencies of `secops findings push`.
type pushOptions struct {
	IO       *iostreams.IOStreams
	Progress func() *progress.Reporter
	// Local opens the local store the findings come from, Remote the
	// Security Hub backend they go to.
	Local  func(ctx context.Context) (*localstore.Store, error)
	Remote func(ctx context.Context) (*securityhub.Store, error)

	RetryFailed bool
}

func newCmdFindingsPush(f *Factory, runF func(*pushOptions) error) *cobra.Command {
	opts := &pushOptions{
		IO:       f.IO,
		Progress: f.Progress,
		Local:    func(ctx context.Context) (*localstore.Store, error) { return f.openLocalStore(ctx) },
		Remote:   f.openSecurityHub,
	}
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Send local findings to AWS Security Hub",
		Long: `Send the local store's ACTIVE findings to AWS Security Hub with BatchImportFindings:
at most 100 findings and 6 MB a request, paced under the service's rate, retried when
throttled. Findings made without AWS are stamped with your account and Region on the way,
as Security Hub only takes the caller's own account.

Nothing is lost: a finding Security Hub refuses stays in the local store, marked pending
with the error code and message; --retry-failed sends those again.`,
		Example: `  secops findings push --region eu-west-1
  secops findings push --retry-failed`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return pushRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.RetryFailed, "retry-failed", false, "send only the findings an earlier push left pending")
	return cmd
}

// pushRun pushes local findings and reports what happened; any finding
// left pending makes the command fail (exit 2) after saying how to resend
// it.
func pushRun(ctx context.Context, opts *pushOptions) error {
	local, err := opts.Local(ctx)
	if err != nil {
		return err
	}
	defer local.Close()
	remote, err := opts.Remote(ctx)
	if err != nil {
		return err
	}
	prog := opts.Progress()
	prog.Step("sending findings to %s", remote.Backend())
	res, err := securityhub.Push(ctx, local, remote, securityhub.PushOptions{RetryFailed: opts.RetryFailed, Progress: prog})
	prog.Done("")
	for _, fail := range res.Failed {
		fmt.Fprintf(opts.IO.ErrOut, "not sent: %s: %s: %s\n", findings.ShortID(fail.Id), fail.ErrorCode, fail.ErrorMessage)
	}
	opts.IO.Notef("Pushed %d of %d finding(s) from %s to %s.", res.Sent, res.Total, local.Backend(), remote.Backend())
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return &codedError{code: exitFailure, err: fmt.Errorf("%d finding(s) were not accepted and are kept pending locally: fix the cause above, then run 'secops findings push --retry-failed'", len(res.Failed))}
	}
	return nil
}

// uploadScan sends one scan's findings (already in the local store) to
// Security Hub, archiving there what a complete scan no longer reports.
func (f *Factory) uploadScan(ctx context.Context, list []findings.Finding, scope *findings.Scope) error {
	local, err := f.openLocalStore(ctx)
	if err != nil {
		return err
	}
	defer local.Close()
	remote, err := f.openSecurityHub(ctx)
	if err != nil {
		return fmt.Errorf("upload: %w; the findings are in the local store: send them with 'secops findings push' once this is fixed", err)
	}
	res, err := securityhub.Upload(ctx, local, remote, list, scope)
	for _, fail := range res.Failed {
		fmt.Fprintf(f.IO.ErrOut, "not uploaded: %s: %s: %s\n", findings.ShortID(fail.Id), fail.ErrorCode, fail.ErrorMessage)
	}
	f.IO.Notef("Uploaded %d of %d finding(s) to %s.", res.Sent, res.Total, remote.Backend())
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("upload: %d finding(s) were not accepted and are kept pending locally: run 'secops findings push --retry-failed' once fixed", len(res.Failed))
	}
	return nil
}
