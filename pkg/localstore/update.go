package localstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/secops-dev/secops/pkg/findings"
)

// Update applies a user's triage to the findings u names (full Ids or
// unique short-Id prefixes, as Get takes them) in one transaction, with
// BatchUpdateFindings semantics (findings.ApplyUpdate): the note gets the
// current time, UpdatedAt advances. Ids the store does not hold, or that
// match several findings, come back in Unprocessed. An unknown status or
// severity label is an error and changes nothing.
func (s *Store) Update(ctx context.Context, u findings.Update) (findings.UpdateResult, error) {
	if err := checkUpdate(u); err != nil {
		return findings.UpdateResult{}, err
	}
	var res findings.UpdateResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		w, err := newWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		now := s.now()
		done := make(map[int64]bool)
		for _, id := range u.Ids {
			f, pk, err := s.resolve(ctx, tx, id)
			switch {
			case errors.Is(err, findings.ErrNotFound):
				res.Unprocessed = append(res.Unprocessed, findings.FailedFinding{Id: id, ErrorCode: findings.ErrorCodeNotFound, ErrorMessage: "no finding has this Id"})
				continue
			case errors.Is(err, findings.ErrAmbiguous):
				res.Unprocessed = append(res.Unprocessed, findings.FailedFinding{Id: id, ErrorCode: findings.ErrorCodeAmbiguous, ErrorMessage: "several findings start with this Id: give more of it"})
				continue
			case err != nil:
				return err
			}
			if done[pk] {
				continue
			}
			done[pk] = true
			r, err := rowOf(ptr(findings.ApplyUpdate(f, u, now)))
			if err != nil {
				return err
			}
			if err := w.update(ctx, pk, r, true); err != nil {
				return err
			}
			res.Processed = append(res.Processed, f.Id)
		}
		return nil
	})
	if err != nil {
		return findings.UpdateResult{}, fmt.Errorf("update findings in %s: %w (nothing was changed)", s.path, err)
	}
	return res, nil
}

func checkUpdate(u findings.Update) error {
	if u.Status != "" && !slices.Contains([]string{findings.WorkflowNew, findings.WorkflowNotified, findings.WorkflowSuppressed, findings.WorkflowResolved}, u.Status) {
		return fmt.Errorf("update findings: unknown workflow status %q: use NEW, NOTIFIED, SUPPRESSED or RESOLVED", u.Status)
	}
	if u.SeverityLabel != "" && findings.SeverityRank(u.SeverityLabel) < 0 {
		return fmt.Errorf("update findings: unknown severity %q: use one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL", u.SeverityLabel)
	}
	return nil
}
