package securityhub

import (
	"context"
	"fmt"
	"sort"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/localstore"
	"github.com/secops-dev/secops/pkg/progress"
)

// PushOptions tunes Push.
type PushOptions struct {
	// RetryFailed sends only the findings a previous push left pending.
	RetryFailed bool
	// Progress, when set, is told after each request how many of the
	// findings have been dealt with.
	Progress *progress.Reporter
}

// PushResult counts what a push did.
type PushResult struct {
	// Total is how many findings the push tried to send.
	Total int
	// Sent is how many Security Hub accepted.
	Sent int
	// Failed are the findings left pending in the local store, with the
	// reason; `secops findings push --retry-failed` sends them again.
	Failed []findings.FailedFinding
	// Archived counts the Security Hub findings Upload archived because
	// a complete scan no longer reports them.
	Archived int
}

// pushChunk is how many findings Push hands to Import at a time, so that
// progress and the local bookkeeping follow the upload.
const pushChunk = 10 * maxBatchFindings

// Push uploads the local store's ACTIVE findings (or, with RetryFailed,
// the ones pending from an earlier push) to Security Hub. Nothing is lost:
// every finding is either accepted by Security Hub, which clears its
// pending mark, or marked pending in the local store with the error code
// and message that kept it out. A fatal error (credentials, permissions,
// Security Hub not enabled) marks everything not yet sent as pending and is
// returned.
func Push(ctx context.Context, local *localstore.Store, remote *Store, opts PushOptions) (PushResult, error) {
	var list []findings.Finding
	var err error
	if opts.RetryFailed {
		list, err = local.Pending(ctx)
		for i := range list {
			list[i] = localstore.StripPending(list[i])
		}
	} else {
		list, err = local.Query(ctx, findings.Query{RecordState: findings.RecordActive})
	}
	if err != nil {
		return PushResult{}, fmt.Errorf("push findings: %w", err)
	}
	res := PushResult{Total: len(list)}
	for start := 0; start < len(list); start += pushChunk {
		chunk := list[start:min(start+pushChunk, len(list))]
		accepted, failed, importErr := remote.importAll(ctx, chunk)
		if importErr != nil {
			// Everything after this chunk was not sent either.
			for _, f := range list[start+len(chunk):] {
				failed = append(failed, findings.FailedFinding{Id: f.Id, ErrorCode: errorCode(importErr), ErrorMessage: importErr.Error()})
			}
		}
		// The bookkeeping must happen even when ctx was cancelled.
		bctx := context.WithoutCancel(ctx)
		if err := local.ClearPending(bctx, accepted); err != nil {
			return res, fmt.Errorf("push findings: %w", err)
		}
		if err := markPending(bctx, local, failed); err != nil {
			return res, fmt.Errorf("push findings: %w", err)
		}
		res.Sent += len(accepted)
		res.Failed = append(res.Failed, failed...)
		if opts.Progress != nil {
			opts.Progress.Step("sent %d of %d findings", min(start+len(chunk), len(list)), len(list))
		}
		if importErr != nil {
			return res, fmt.Errorf("push findings: %w (%d findings kept pending: run `secops findings push --retry-failed` when it is fixed)", importErr, len(res.Failed))
		}
	}
	return res, nil
}

// markPending records failures in the local store, one call per distinct
// error.
func markPending(ctx context.Context, local *localstore.Store, failed []findings.FailedFinding) error {
	type reason struct{ code, message string }
	byReason := make(map[reason][]string)
	for _, f := range failed {
		r := reason{f.ErrorCode, f.ErrorMessage}
		byReason[r] = append(byReason[r], f.Id)
	}
	reasons := make([]reason, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return reasons[i].code+reasons[i].message < reasons[j].code+reasons[j].message })
	for _, r := range reasons {
		if err := local.MarkPending(ctx, byReason[r], r.code, r.message); err != nil {
			return err
		}
	}
	return nil
}

// Upload sends the findings of one scan, already imported into the local
// store, to Security Hub (`secops scan --upload`). Like Push it clears the
// pending mark of what Security Hub accepted and marks the rest pending
// with its error. With scope (a complete scan), ACTIVE findings of the
// scope in Security Hub that list does not hold are archived there, as the
// local import archived them locally; a partial or failed scan must pass a
// nil scope.
func Upload(ctx context.Context, local *localstore.Store, remote *Store, list []findings.Finding, scope *findings.Scope) (PushResult, error) {
	res := PushResult{Total: len(list)}
	accepted, failed, importErr := remote.importAll(ctx, list)
	bctx := context.WithoutCancel(ctx)
	if err := local.ClearPending(bctx, accepted); err != nil {
		return res, fmt.Errorf("upload findings: %w", err)
	}
	if err := markPending(bctx, local, failed); err != nil {
		return res, fmt.Errorf("upload findings: %w", err)
	}
	res.Sent, res.Failed = len(accepted), failed
	if importErr != nil {
		return res, fmt.Errorf("upload findings: %w (%d findings kept pending: run `secops findings push --retry-failed` when it is fixed)", importErr, len(failed))
	}
	if scope == nil {
		return res, nil
	}
	archived, failed, err := remote.archiveMissing(ctx, list, scope)
	res.Archived = archived
	// The findings to archive live in Security Hub only; their failures
	// are reported, and the next complete scan archives them again.
	res.Failed = append(res.Failed, failed...)
	if err != nil {
		return res, fmt.Errorf("upload findings: %w", err)
	}
	return res, nil
}
