package findings

import (
	"strings"
	"time"
)

// Merge returns what a store keeps when a finding that already exists is
// imported again, following Security Hub: the first sighting (CreatedAt,
// FirstObservedAt) stays, the latest one (UpdatedAt, LastObservedAt)
// advances, and what only a user may set (Workflow, Note, UserDefinedFields,
// VerificationState) is kept. A finding that comes back to ACTIVE after it
// was archived, or whose compliance check fails again after passing, is NEW
// again unless the user suppressed it.
func Merge(existing, incoming Finding) Finding {
	out := incoming
	out.CreatedAt = firstNonEmpty(existing.CreatedAt, incoming.CreatedAt)
	out.FirstObservedAt = earliest(existing.FirstObservedAt, incoming.FirstObservedAt)
	out.UpdatedAt = latest(existing.UpdatedAt, incoming.UpdatedAt)
	out.LastObservedAt = latest(existing.LastObservedAt, incoming.LastObservedAt)
	out.Workflow = existing.Workflow
	out.WorkflowState = existing.WorkflowState
	out.Note = existing.Note
	out.UserDefinedFields = existing.UserDefinedFields
	out.VerificationState = existing.VerificationState
	fillProduct(&out)
	if out.RecordState == "" {
		out.RecordState = RecordActive
	}

	reopened := existing.RecordStateOrDefault() == RecordArchived && out.RecordState == RecordActive
	failedAgain := existing.Compliance != nil && existing.Compliance.Status == "PASSED" &&
		incoming.Compliance != nil && incoming.Compliance.Status != "" && incoming.Compliance.Status != "PASSED"
	if (reopened || failedAgain) && existing.WorkflowStatus() != WorkflowSuppressed {
		out.Workflow = &Workflow{Status: WorkflowNew}
	}
	return out
}

// TakeStored gives f what a store keeps of a finding it already holds when
// the same finding is imported again, as Security Hub keeps it: the first
// sighting (CreatedAt, FirstObservedAt) and what only a user sets
// (Workflow, Note, UserDefinedFields, VerificationState). The rest stays
// f's own.
func (f *Finding) TakeStored(s *Finding) {
	f.CreatedAt = s.CreatedAt
	f.FirstObservedAt = s.FirstObservedAt
	f.Workflow = s.Workflow
	f.WorkflowState = s.WorkflowState
	f.Note = s.Note
	f.UserDefinedFields = s.UserDefinedFields
	f.VerificationState = s.VerificationState
}

// Prepare fills what a store sets on a finding it has never seen: ACTIVE
// record state, a NEW workflow, and the product and company names when the
// producer left them out.
func Prepare(f Finding) Finding {
	fillProduct(&f)
	if f.RecordState == "" {
		f.RecordState = RecordActive
	}
	if f.Workflow == nil || f.Workflow.Status == "" {
		f.Workflow = &Workflow{Status: WorkflowNew}
	}
	return f
}

// fillProduct names the product and company of a finding that does not,
// from its ProductArn (…:product/COMPANY/PRODUCT), as Security Hub fills
// both on import: Prowler's ASFF output has neither, and without a name
// --product could not select its findings.
func fillProduct(f *Finding) {
	_, part, ok := strings.Cut(f.ProductArn, ":product/")
	if !ok {
		return
	}
	company, product, ok := strings.Cut(part, "/")
	if !ok || company == "" || product == "" {
		return
	}
	if f.ProductName == "" {
		f.ProductName = product
	}
	if f.CompanyName == "" {
		f.CompanyName = company
	}
}

// Archive marks a finding that a complete scan no longer reports: its record
// is ARCHIVED and its workflow RESOLVED.
func Archive(f Finding, now time.Time) Finding {
	f.RecordState = RecordArchived
	f.Workflow = &Workflow{Status: WorkflowResolved}
	f.UpdatedAt = FormatTime(now)
	return f
}

// ApplyUpdate applies a user's triage to one finding.
func ApplyUpdate(f Finding, u Update, now time.Time) Finding {
	stamp := FormatTime(now)
	if u.Status != "" {
		f.Workflow = &Workflow{Status: u.Status}
	}
	if u.Note != nil {
		f.Note = &Note{Text: u.Note.Text, UpdatedBy: u.Note.UpdatedBy, UpdatedAt: stamp}
	}
	if u.SeverityLabel != "" {
		original := ""
		if f.Severity != nil {
			original = f.Severity.Original
		}
		f.Severity = NewSeverity(u.SeverityLabel, original)
	}
	f.UpdatedAt = stamp
	return f
}

// InScope reports whether a complete import described by s covers f: same
// product, target and a generator of the scope, and not located in a path
// the scope keeps.
func (s *Scope) InScope(f *Finding) bool {
	if f.ProductArn != s.ProductArn || f.ProductFields[FieldTarget] != s.Target {
		return false
	}
	if !oneOf(f.GeneratorId, s.GeneratorIds...) {
		return false
	}
	return !s.Keeps(f)
}

// Keeps reports whether f is located in one of s.Keep: the file itself or
// a directory above it.
func (s *Scope) Keeps(f *Finding) bool {
	if len(s.Keep) == 0 {
		return false
	}
	for _, p := range Paths(f) {
		p = strings.TrimPrefix(p, "/")
		for _, k := range s.Keep {
			k = strings.TrimSuffix(strings.TrimPrefix(k, "/"), "/")
			if p == k || strings.HasPrefix(p, k+"/") {
				return true
			}
		}
	}
	return false
}

// Paths lists the files a finding is located in: its secops/Path and the
// files of its vulnerable packages, relative to the scan root.
func Paths(f *Finding) []string {
	var out []string
	if p := f.ProductFields[FieldPath]; p != "" {
		out = append(out, p)
	}
	for _, v := range f.Vulnerabilities {
		for _, pkg := range v.VulnerablePackages {
			if pkg.FilePath != "" {
				out = append(out, pkg.FilePath)
			}
		}
	}
	return out
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// earliest and latest compare ASFF timestamps as times, not strings, since
// producers write different precisions and offsets.
func earliest(a, b string) string {
	return pickTime(a, b, func(x, y time.Time) bool { return x.Before(y) })
}
func latest(a, b string) string {
	return pickTime(a, b, func(x, y time.Time) bool { return x.After(y) })
}

func pickTime(a, b string, better func(x, y time.Time) bool) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	ta, errA := ParseTime(a)
	tb, errB := ParseTime(b)
	switch {
	case errA != nil:
		return b
	case errB != nil:
		return a
	case better(tb, ta):
		return b
	}
	return a
}
