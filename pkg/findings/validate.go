package findings

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Workflow statuses and record states, as Security Hub defines them.
const (
	WorkflowNew        = "NEW"
	WorkflowNotified   = "NOTIFIED"
	WorkflowSuppressed = "SUPPRESSED"
	WorkflowResolved   = "RESOLVED"

	RecordActive   = "ACTIVE"
	RecordArchived = "ARCHIVED"
)

// Limits Security Hub enforces on single attributes, in characters.
const (
	maxIDLength          = 512
	maxTitleLength       = 256
	maxDescriptionLength = 1024
	maxTypes             = 50
)

// FieldError is one problem with one attribute of a finding.
type FieldError struct {
	Field   string
	Problem string
}

// ValidationError lists every problem found in one finding.
type ValidationError struct {
	Id     string
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Field + ": " + fe.Problem
	}
	id := e.Id
	if id == "" {
		id = "(no Id)"
	}
	return fmt.Sprintf("finding %s is not valid ASFF: %s", id, strings.Join(parts, "; "))
}

// Validate checks the attributes Security Hub requires and the values it
// accepts, and reports all problems at once so a producer can fix them in
// one go.
func (f *Finding) Validate() error { return f.validate(true) }

// ValidateForImport is Validate without the checks that real producers
// break: Prowler writes an empty Types list for some checks, and Inspector's
// findings in Security Hub carry descriptions over 1,024 characters. The
// local store keeps such findings; a push to Security Hub reports the ones
// it refuses and keeps them pending.
func (f *Finding) ValidateForImport() error { return f.validate(false) }

func (f *Finding) validate(strict bool) error {
	var errs []FieldError
	add := func(field, problem string) { errs = append(errs, FieldError{field, problem}) }
	required := func(field, value string) bool {
		if strings.TrimSpace(value) == "" {
			add(field, "required")
			return false
		}
		return true
	}

	if required("SchemaVersion", f.SchemaVersion) && f.SchemaVersion != SchemaVersion {
		add("SchemaVersion", fmt.Sprintf("must be %q, got %q", SchemaVersion, f.SchemaVersion))
	}
	if required("Id", f.Id) && utf8.RuneCountInString(f.Id) > maxIDLength {
		add("Id", fmt.Sprintf("longer than %d characters", maxIDLength))
	}
	required("ProductArn", f.ProductArn)
	required("GeneratorId", f.GeneratorId)
	required("AwsAccountId", f.AwsAccountId)
	if required("Title", f.Title) && strict && utf8.RuneCountInString(f.Title) > maxTitleLength {
		add("Title", fmt.Sprintf("longer than %d characters", maxTitleLength))
	}
	if required("Description", f.Description) && strict && utf8.RuneCountInString(f.Description) > maxDescriptionLength {
		add("Description", fmt.Sprintf("longer than %d characters", maxDescriptionLength))
	}
	for _, ts := range []struct {
		field, value string
		required     bool
	}{
		{"CreatedAt", f.CreatedAt, true},
		{"UpdatedAt", f.UpdatedAt, true},
		{"FirstObservedAt", f.FirstObservedAt, false},
		{"LastObservedAt", f.LastObservedAt, false},
	} {
		if ts.value == "" {
			if ts.required {
				add(ts.field, "required")
			}
			continue
		}
		if _, err := ParseTime(ts.value); err != nil {
			add(ts.field, fmt.Sprintf("%q is not an RFC 3339 timestamp", ts.value))
		}
	}
	if len(f.Types) == 0 && strict {
		add("Types", "required (at least one namespace/category/classifier)")
	} else if len(f.Types) > maxTypes {
		add("Types", fmt.Sprintf("more than %d entries", maxTypes))
	}
	for i, t := range f.Types {
		if strings.TrimSpace(t) == "" {
			add(fmt.Sprintf("Types[%d]", i), "empty")
		}
	}
	switch {
	case f.Severity == nil:
		add("Severity", "required")
	case f.Severity.Label == "" && f.Severity.Normalized == nil:
		add("Severity.Label", "required")
	case f.Severity.Label != "" && SeverityRank(f.Severity.Label) < 0:
		add("Severity.Label", fmt.Sprintf("%q is not one of %s", f.Severity.Label, strings.Join(SeverityLabels(), ", ")))
	}
	if len(f.Resources) == 0 {
		add("Resources", "required (at least one resource)")
	}
	for i, r := range f.Resources {
		if strings.TrimSpace(r.Type) == "" {
			add(fmt.Sprintf("Resources[%d].Type", i), "required")
		}
		if strings.TrimSpace(r.Id) == "" {
			add(fmt.Sprintf("Resources[%d].Id", i), "required")
		}
	}
	if f.Workflow != nil && f.Workflow.Status != "" && !oneOf(f.Workflow.Status, WorkflowNew, WorkflowNotified, WorkflowSuppressed, WorkflowResolved) {
		add("Workflow.Status", fmt.Sprintf("%q is not one of NEW, NOTIFIED, SUPPRESSED, RESOLVED", f.Workflow.Status))
	}
	if f.RecordState != "" && !oneOf(f.RecordState, RecordActive, RecordArchived) {
		add("RecordState", fmt.Sprintf("%q is not ACTIVE or ARCHIVED", f.RecordState))
	}
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Id: f.Id, Errors: errs}
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// ParseTime reads an ASFF timestamp (RFC 3339, up to nine fractional digits).
func ParseTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

// FormatTime writes a timestamp the way secops stamps its own findings:
// UTC, millisecond precision, as Security Hub itself reports times.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
