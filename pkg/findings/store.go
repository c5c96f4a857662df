package findings

import (
	"context"
	"errors"
)

// Store keeps findings. The local SQLite store and Security Hub both
// implement it, with Security Hub's semantics: import is an upsert by
// (ProductArn, Id), and the workflow a user set survives re-import.
type Store interface {
	// Backend names the store for the header line of every command,
	// e.g. "local (/home/me/.local/share/secops/findings.db)".
	Backend() string
	// Import upserts findings. Findings the store could not take are
	// returned in ImportResult.Failed, not dropped.
	Import(ctx context.Context, list []Finding, opts ImportOptions) (ImportResult, error)
	// Query lists findings matching q.
	Query(ctx context.Context, q Query) ([]Finding, error)
	// Get returns one finding by Id or by a unique prefix of its short form.
	Get(ctx context.Context, id string) (Finding, error)
	// Update applies a user's triage (BatchUpdateFindings semantics).
	Update(ctx context.Context, u Update) (UpdateResult, error)
	Close() error
}

// ErrNotFound is returned by Store.Get when no finding has the Id.
var ErrNotFound = errors.New("finding not found")

// ErrAmbiguous is returned by Store.Get when an Id prefix matches several findings.
var ErrAmbiguous = errors.New("finding id prefix matches several findings")

// ImportOptions tunes one import.
type ImportOptions struct {
	// Scope, when set, declares the import complete for its generators on
	// its target: active findings of the same product, generators and target
	// that the import does not contain are archived and resolved. That is
	// how a fixed vulnerability leaves the list. Leave it nil for partial
	// or failed scans, which must never archive anything.
	Scope *Scope
	// Echo asks the store to give each finding of the list what it keeps
	// of it (see Finding.TakeStored), in place, so the caller need not
	// read them back. A store that cannot leaves ImportResult.Echoed false.
	Echo bool
}

// Scope identifies what a complete import covers.
type Scope struct {
	ProductArn   string
	Target       string
	GeneratorIds []string
	// Keep lists paths (files, or directories and all below) that the scan
	// could not read: findings located there stay as they are, since the
	// scan cannot tell whether they are fixed.
	Keep []string `json:",omitempty"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	New      int
	Updated  int
	Archived int
	Failed   []FailedFinding
	// Echoed is true when the store did ImportOptions.Echo.
	Echoed bool
}

// Values of FieldReachable.
const (
	// ReachableCalled: the module's code (tests left out) calls a
	// vulnerable symbol of the advisory, directly or through its
	// dependencies.
	ReachableCalled = "called"
	// ReachableNotCalled: the analysis ran and no call path reaches a
	// vulnerable symbol; the package may still be imported or the module
	// required.
	ReachableNotCalled = "not called"
	// ReachableUnknown: the analysis could not run for the module; the
	// finding counts as reachable.
	ReachableUnknown = "unknown"
)

// Codes of FailedFinding and Unprocessed entries that both stores set
// themselves, named as Security Hub names the same cases where it has a
// name for them.
const (
	ErrorCodeInvalidInput = "InvalidInput"
	ErrorCodeNotFound     = "FindingNotFound"
	ErrorCodeAmbiguous    = "AmbiguousId"
)

// FailedFinding is a finding a backend refused, with its reason.
type FailedFinding struct {
	Id           string
	ErrorCode    string
	ErrorMessage string
}

// Update is a user's triage of some findings (BatchUpdateFindings).
type Update struct {
	Ids []string
	// Status sets Workflow.Status when not empty.
	Status string
	// Note replaces the finding's note when not nil.
	Note *NoteUpdate
	// SeverityLabel overrides the severity when not empty.
	SeverityLabel string
}

// NoteUpdate is the note text and who wrote it.
type NoteUpdate struct {
	Text      string
	UpdatedBy string
}

// UpdateResult lists what an update changed and what it could not.
type UpdateResult struct {
	Processed   []string
	Unprocessed []FailedFinding
}

// ProductFields keys that secops writes on its own findings.
const (
	FieldTarget    = "secops/Target"
	FieldScanner   = "secops/Scanner"
	FieldRuleID    = "secops/RuleId"
	FieldPath      = "secops/Path"
	FieldStartLine = "secops/StartLine"
	FieldEndLine   = "secops/EndLine"
	// FieldLines lists every line (comma-separated, ascending) where the
	// finding's subject appears in its file, when it appears more than
	// once: a package installed at several places of one lockfile.
	FieldLines = "secops/Lines"
	// FieldReachable says whether a Go advisory's vulnerable code is
	// called (see pkg/scan/reach): one of the Reachable values.
	FieldReachable = "secops/Reachable"
	FieldPending   = "secops/PendingUpload"
)
