package bootstrap

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/secops-dev/secops/pkg/tableprinter"
)

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WritePlan writes the plan as a table: stack, action, logical id, type,
// replacement.
func WritePlan(w io.Writer, o tableprinter.Options, rows []Change) error {
	t := tableprinter.New(w, o,
		tableprinter.Column{Name: "STACK"}, tableprinter.Column{Name: "ACTION"},
		tableprinter.Column{Name: "LOGICAL ID", Flexible: true}, tableprinter.Column{Name: "TYPE", Flexible: true},
		tableprinter.Column{Name: "REPLACEMENT"})
	for _, r := range rows {
		t.Row(r.Stack, r.Action, dash(r.LogicalID), dash(r.Type), dash(r.Replacement))
	}
	return t.Render()
}

// WriteStatus writes the status table.
func WriteStatus(w io.Writer, o tableprinter.Options, rows []StackStatus) error {
	t := tableprinter.New(w, o, tableprinter.Plain("STACK", "CLOUDFORMATION STACK", "STATUS", "LAST UPDATED", "DRIFT")...)
	for _, r := range rows {
		updated := "-"
		if r.LastUpdated != nil {
			updated = r.LastUpdated.UTC().Format(time.RFC3339)
		}
		drift := dash(r.Drift)
		if r.DriftCount > 0 {
			drift = fmt.Sprintf("%s (%d resources)", drift, r.DriftCount)
		}
		t.Row(r.Stack, r.Name, r.Status, updated, drift)
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.DriftError != "" {
			fmt.Fprintf(w, "drift of %s unknown: %s\n", r.Name, tableprinter.Clean(r.DriftError))
		}
	}
	return nil
}

// WriteApply writes what apply did, one line per stack.
func WriteApply(w io.Writer, o tableprinter.Options, r *ApplyResult) error {
	t := tableprinter.New(w, o, tableprinter.Plain("STACK", "RESULT", "STATUS", "CHANGES")...)
	for _, s := range r.Stacks {
		t.Row(s.Stack, s.Action, s.Status, fmt.Sprint(len(s.Changes)))
	}
	if err := t.Render(); err != nil {
		return err
	}
	if r.Inspector != "" {
		fmt.Fprintf(w, "Inspector (%s): %s\n", inspectorScanList(), r.Inspector)
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

// WriteDryRun prints rendered templates without calling AWS: in full as a
// YAML stream (format "yaml") or JSON, else as the table of resources each
// stack would hold.
func WriteDryRun(w io.Writer, o tableprinter.Options, tmpls []Template, format string) error {
	switch format {
	case "yaml":
		for i, t := range tmpls {
			if i > 0 {
				fmt.Fprintln(w, "---")
			}
			fmt.Fprintf(w, "# Stack: %s\n", t.Name)
			if _, err := w.Write(t.Body); err != nil {
				return err
			}
		}
		return nil
	case "json":
		type stack struct {
			Stack    string `json:"stack"`
			Name     string `json:"name"`
			Template string `json:"template"`
		}
		out := []stack{}
		for _, t := range tmpls {
			out = append(out, stack{t.Stack, t.Name, string(t.Body)})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	var rows []Change
	for _, t := range tmpls {
		res, err := Resources(t.Body)
		if err != nil {
			return err
		}
		for _, r := range res {
			rows = append(rows, Change{Stack: t.Stack, Action: "Add", LogicalID: r[0], Type: r[1]})
		}
	}
	if err := WritePlan(w, o, rows); err != nil {
		return err
	}
	fmt.Fprintln(w, "(dry run: resources of the rendered templates; the account's current state was not read)")
	return nil
}
