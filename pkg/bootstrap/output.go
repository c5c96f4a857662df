package bootstrap

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WritePlan writes the plan as a table: stack, action, logical id, type,
// replacement.
func WritePlan(w io.Writer, rows []Change) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tACTION\tLOGICAL ID\tTYPE\tREPLACEMENT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Stack, r.Action, dash(r.LogicalID), dash(r.Type), dash(r.Replacement))
	}
	return tw.Flush()
}

// WriteStatus writes the status table.
func WriteStatus(w io.Writer, rows []StackStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tCLOUDFORMATION STACK\tSTATUS\tLAST UPDATED\tDRIFT")
	for _, r := range rows {
		updated := "-"
		if r.LastUpdated != nil {
			updated = r.LastUpdated.UTC().Format(time.RFC3339)
		}
		drift := dash(r.Drift)
		if r.DriftCount > 0 {
			drift = fmt.Sprintf("%s (%d resources)", drift, r.DriftCount)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Stack, r.Name, r.Status, updated, drift)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.DriftError != "" {
			fmt.Fprintf(w, "drift of %s unknown: %s\n", r.Name, r.DriftError)
		}
	}
	return nil
}

// WriteApply writes what apply did, one line per stack.
func WriteApply(w io.Writer, r *ApplyResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tRESULT\tSTATUS\tCHANGES")
	for _, s := range r.Stacks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", s.Stack, s.Action, s.Status, len(s.Changes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Inspector != "" {
		fmt.Fprintf(w, "Inspector (ECR, EC2): %s\n", r.Inspector)
	}
	unchanged := 0
	for _, s := range r.Stacks {
		if s.Action == "unchanged" {
			unchanged++
		}
	}
	if len(r.Stacks) > 0 && unchanged == len(r.Stacks) {
		fmt.Fprintln(w, "No changes: every stack is up to date.")
	}
	return nil
}

// WriteDestroy writes what destroy did and what it kept.
func WriteDestroy(w io.Writer, r *DestroyResult) error {
	for _, n := range r.Deleted {
		fmt.Fprintf(w, "deleted  %s\n", n)
	}
	for _, n := range r.Absent {
		fmt.Fprintf(w, "absent   %s (nothing to delete)\n", n)
	}
	for _, k := range r.Retained {
		if k.Deleted {
			fmt.Fprintf(w, "deleted  %s %s (--delete-data)\n", k.Type, k.PhysicalID)
			continue
		}
		fmt.Fprintf(w, "kept     %s %s\n", k.Type, k.PhysicalID)
	}
	for _, k := range r.Retained {
		if !k.Deleted && k.Type == "AWS::S3::Bucket" {
			fmt.Fprintln(w, "Data buckets are kept; run destroy again with --delete-data to empty and delete them.")
			break
		}
	}
	return nil
}
