package findings

import (
	"sort"
	"strings"
	"time"
)

// Query selects findings. Empty fields match everything; values within one
// field are OR-ed and fields are AND-ed, as in Security Hub's filters.
type Query struct {
	// Severities are exact labels (SeverityLabel EQUALS).
	Severities []string
	// Product matches ProductName, case-insensitively.
	Product string
	// TypePrefix matches findings with any Types entry starting with it.
	TypePrefix string
	// Resource matches findings with any resource Id containing it.
	Resource string
	// Statuses are Workflow.Status values; a finding without a workflow is NEW.
	Statuses []string
	// RecordState is ACTIVE or ARCHIVED; empty matches both.
	RecordState string
	// Since keeps findings updated at or after it.
	Since time.Time
	// GeneratorPrefix matches GeneratorId by prefix.
	GeneratorPrefix string
	// Target is the scan target (ProductFields secops/Target), exactly.
	Target string
	// Limit caps the result; 0 means no cap.
	Limit int
	// Sort is severity (default), updated or title.
	Sort string
}

// Sort orders for Query.Sort.
const (
	SortSeverity = "severity"
	SortUpdated  = "updated"
	SortTitle    = "title"
)

// Matches reports whether f satisfies every condition of q except Limit
// and Sort. Backends that cannot filter server-side use it, and tests use it
// as the reference for the ones that can.
func (q Query) Matches(f *Finding) bool {
	if len(q.Severities) > 0 && !oneOf(f.SeverityLabel(), q.Severities...) {
		return false
	}
	if q.Product != "" && !strings.EqualFold(f.ProductName, q.Product) {
		return false
	}
	if q.TypePrefix != "" && !anyHasPrefix(f.Types, q.TypePrefix) {
		return false
	}
	if q.Resource != "" && !anyResourceContains(f.Resources, q.Resource) {
		return false
	}
	if len(q.Statuses) > 0 && !oneOf(f.WorkflowStatus(), q.Statuses...) {
		return false
	}
	if q.RecordState != "" && f.RecordStateOrDefault() != q.RecordState {
		return false
	}
	if !q.Since.IsZero() {
		t, err := ParseTime(f.UpdatedAt)
		if err != nil || t.Before(q.Since) {
			return false
		}
	}
	if q.GeneratorPrefix != "" && !strings.HasPrefix(f.GeneratorId, q.GeneratorPrefix) {
		return false
	}
	if q.Target != "" && f.ProductFields[FieldTarget] != q.Target {
		return false
	}
	return true
}

// WorkflowStatus is the finding's workflow status, NEW when unset.
func (f *Finding) WorkflowStatus() string {
	if f.Workflow == nil || f.Workflow.Status == "" {
		return WorkflowNew
	}
	return f.Workflow.Status
}

// RecordStateOrDefault is the finding's record state, ACTIVE when unset.
func (f *Finding) RecordStateOrDefault() string {
	if f.RecordState == "" {
		return RecordActive
	}
	return f.RecordState
}

// SortFindings orders list in place: by severity (highest first, then
// newest), by UpdatedAt (newest first) or by title. Ties fall back to Id so
// the order is stable across runs and backends.
func SortFindings(list []Finding, by string) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := &list[i], &list[j]
		switch by {
		case SortUpdated:
			if a.UpdatedAt != b.UpdatedAt {
				return a.UpdatedAt > b.UpdatedAt
			}
		case SortTitle:
			if a.Title != b.Title {
				return a.Title < b.Title
			}
		default:
			ra, rb := SeverityRank(a.SeverityLabel()), SeverityRank(b.SeverityLabel())
			if ra != rb {
				return ra > rb
			}
			if a.Title != b.Title {
				return a.Title < b.Title
			}
		}
		return a.Id < b.Id
	})
}

func anyHasPrefix(values []string, prefix string) bool {
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			return true
		}
	}
	return false
}

func anyResourceContains(resources []Resource, sub string) bool {
	for _, r := range resources {
		if strings.Contains(r.Id, sub) {
			return true
		}
	}
	return false
}
