package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
)

type updateOptions struct {
	IO *iostreams.IOStreams
	// Store opens the backend the update goes to.
	Store func(ctx context.Context) (findings.Store, error)

	Ids       []string
	Status    string
	Note      string
	SetNote   bool
	UpdatedBy string
}

func newCmdFindingsUpdate(f *Factory, runF func(*updateOptions) error) *cobra.Command {
	opts := &updateOptions{IO: f.IO, Store: f.Store}
	cmd := &cobra.Command{
		Use:   "update ID...",
		Short: "Set the workflow status or a note on findings",
		Long: `Set the workflow status or a note on findings, as Security Hub's BatchUpdateFindings
does. A status you set survives later scans and imports of the same finding.

Ids may be short (as the tables show them). Ids the backend cannot update are
listed with the reason, the others are updated all the same.`,
		Example: `  secops findings update 3f9c2a1b7d4e --status SUPPRESSED --note "test fixture, not a real key"
  secops findings update 3f9c2a1b7d4e 9a0b1c2d3e4f --status RESOLVED`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ids = args
			opts.SetNote = cmd.Flags().Changed("note")
			if opts.Status == "" && !opts.SetNote {
				return &usageError{err: errors.New("nothing to update: give --status, --note or both")}
			}
			if opts.SetNote {
				if err := checkNote(opts.Note, opts.UpdatedBy); err != nil {
					return &usageError{err: err}
				}
			}
			if opts.Status != "" {
				switch strings.ToUpper(opts.Status) {
				case findings.WorkflowNew, findings.WorkflowNotified, findings.WorkflowSuppressed, findings.WorkflowResolved:
				default:
					return &usageError{err: fmt.Errorf("--status %q: use NEW, NOTIFIED, SUPPRESSED or RESOLVED", opts.Status)}
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return findingsUpdateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Status, "status", "", "workflow status: NEW, NOTIFIED, SUPPRESSED or RESOLVED")
	cmd.Flags().StringVar(&opts.Note, "note", "", "note text (why), kept with the finding: not empty, at most 512 characters")
	cmd.Flags().StringVar(&opts.UpdatedBy, "updated-by", defaultUser(), "who the note is from")
	return cmd
}

// findingsUpdateRun sends the update with the ids as given: the store
// resolves short ids itself (once; on Security Hub each lookup is a
// GetFindings call), and reports those it cannot resolve as unprocessed.
func findingsUpdateRun(ctx context.Context, opts *updateOptions) error {
	store, err := opts.Store(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	u := findings.Update{Ids: opts.Ids, Status: strings.ToUpper(opts.Status)}
	if opts.SetNote {
		u.Note = &findings.NoteUpdate{Text: opts.Note, UpdatedBy: opts.UpdatedBy}
	}
	// A store that stops midway (a fatal Security Hub error) still says
	// what it updated and what not: print that before the error.
	res, err := store.Update(ctx, u)
	for _, fail := range res.Unprocessed {
		fmt.Fprintf(opts.IO.ErrOut, "not updated: %s: %s %s\n", fail.Id, fail.ErrorCode, fail.ErrorMessage)
	}
	opts.IO.Notef("Updated %d finding(s) in %s.", len(res.Processed), store.Backend())
	if err != nil {
		// The stores' errors already say "update findings".
		return err
	}
	if len(res.Unprocessed) > 0 {
		for _, fail := range res.Unprocessed {
			if fail.ErrorCode == findings.ErrorCodeNotFound {
				fmt.Fprintln(opts.IO.ErrOut, "List finding ids with 'secops findings --record-state ALL'.")
				break
			}
		}
		return &codedError{code: exitFailure, err: fmt.Errorf("%d finding(s) were not updated", len(res.Unprocessed))}
	}
	return nil
}

// maxNoteLength is the longest note Security Hub takes (ASFF Note.Text).
const maxNoteLength = 512

// checkNote refuses a note Security Hub would refuse: its text and author
// must hold a non-blank character, and the text at most 512 of them.
func checkNote(text, by string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return errors.New("--note must not be empty: say why (Security Hub refuses an empty note); to change only the status, leave --note out")
	case utf8.RuneCountInString(text) > maxNoteLength:
		return fmt.Errorf("--note is %d characters long: Security Hub takes at most %d", utf8.RuneCountInString(text), maxNoteLength)
	case strings.TrimSpace(by) == "":
		return errors.New("--updated-by must not be empty")
	}
	return nil
}

func defaultUser() string {
	for _, k := range []string{"USER", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "secops"
}
