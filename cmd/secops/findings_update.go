package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
)

type updateOptions struct {
	Ids       []string
	Status    string
	Note      string
	UpdatedBy string
}

func newCmdFindingsUpdate(f *Factory) *cobra.Command {
	opts := &updateOptions{}
	cmd := &cobra.Command{
		Use:   "update ID...",
		Short: "Set the workflow status or a note on findings",
		Long: `Set the workflow status or a note on findings, as Security Hub's BatchUpdateFindings
does. A status you set survives later scans and imports of the same finding.`,
		Example: `  secops findings update 3f9c2a1b7d4e --status SUPPRESSED --note "test fixture, not a real key"
  secops findings update 3f9c2a1b7d4e 9a0b1c2d3e4f --status RESOLVED`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ids = args
			if opts.Status == "" && !cmd.Flags().Changed("note") {
				return &usageError{err: errors.New("nothing to update: give --status, --note or both")}
			}
			store, err := f.Store(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			u := findings.Update{}
			if opts.Status != "" {
				u.Status = strings.ToUpper(opts.Status)
				switch u.Status {
				case findings.WorkflowNew, findings.WorkflowNotified, findings.WorkflowSuppressed, findings.WorkflowResolved:
				default:
					return &usageError{err: fmt.Errorf("--status %q: use NEW, NOTIFIED, SUPPRESSED or RESOLVED", opts.Status)}
				}
			}
			if cmd.Flags().Changed("note") {
				u.Note = &findings.NoteUpdate{Text: opts.Note, UpdatedBy: opts.UpdatedBy}
			}
			// Short ids from a table resolve to full ids first, so the
			// store (and Security Hub) get exact identifiers.
			for _, id := range opts.Ids {
				got, err := store.Get(cmd.Context(), id)
				if err != nil {
					return findingLookupError(id, err)
				}
				u.Ids = append(u.Ids, got.Id)
			}
			res, err := store.Update(cmd.Context(), u)
			if err != nil {
				return fmt.Errorf("update findings: %w", err)
			}
			for _, fail := range res.Unprocessed {
				fmt.Fprintf(f.IO.ErrOut, "not updated: %s: %s %s\n", fail.Id, fail.ErrorCode, fail.ErrorMessage)
			}
			f.IO.Notef("Updated %d finding(s) in %s.", len(res.Processed), store.Backend())
			if len(res.Unprocessed) > 0 {
				return &codedError{code: exitFailure, err: fmt.Errorf("%d finding(s) were not updated", len(res.Unprocessed))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Status, "status", "", "workflow status: NEW, NOTIFIED, SUPPRESSED or RESOLVED")
	cmd.Flags().StringVar(&opts.Note, "note", "", "note text (why), kept with the finding")
	cmd.Flags().StringVar(&opts.UpdatedBy, "updated-by", defaultUser(), "who the note is from")
	return cmd
}

func defaultUser() string {
	for _, k := range []string{"USER", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "secops"
}
