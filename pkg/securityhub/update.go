package securityhub

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secops-dev/secops/pkg/findings"
)

// Update applies a user's triage with BatchUpdateFindings: Workflow.Status,
// Note (Text, UpdatedBy) and Severity.Label. Ids may be full Ids or short
// prefixes as Get takes them; each is resolved to its (ProductArn, Id) with
// GetFindings first, since BatchUpdateFindings needs both. Ids that match
// no finding, or several, findings Security Hub does not process
// (UnprocessedFindings) and the findings of a request that failed for good
// are in Unprocessed with their error. An error that would fail every
// request alike (credentials, permissions) stops the update and is
// returned, with the findings not updated in Unprocessed.
func (s *Store) Update(ctx context.Context, u findings.Update) (findings.UpdateResult, error) {
	var res findings.UpdateResult
	exact, err := s.findExact(ctx, u.Ids)
	if err != nil {
		return res, fmt.Errorf("update findings: %w", err)
	}
	var idents []types.AwsSecurityFindingIdentifier
	seen := make(map[[2]string]bool)
	for _, id := range u.Ids {
		// Whole Ids were all looked up at once; what is left is a short id.
		f, ok := exact[id]
		if !ok {
			f, err = s.getByShortID(ctx, id)
		}
		switch {
		case errors.Is(err, findings.ErrNotFound):
			res.Unprocessed = append(res.Unprocessed, findings.FailedFinding{Id: id, ErrorCode: findings.ErrorCodeNotFound, ErrorMessage: "no finding has this Id in Security Hub"})
			continue
		case errors.Is(err, findings.ErrAmbiguous):
			res.Unprocessed = append(res.Unprocessed, findings.FailedFinding{Id: id, ErrorCode: findings.ErrorCodeAmbiguous, ErrorMessage: "several findings start with this Id: give more of it"})
			continue
		case err != nil:
			return res, fmt.Errorf("update findings: %w", err)
		}
		k := [2]string{f.ProductArn, f.Id}
		if !seen[k] {
			seen[k] = true
			idents = append(idents, types.AwsSecurityFindingIdentifier{Id: aws.String(f.Id), ProductArn: aws.String(f.ProductArn)})
		}
	}
	for start := 0; start < len(idents); start += maxBatchFindings {
		in := &sh.BatchUpdateFindingsInput{FindingIdentifiers: idents[start:min(start+maxBatchFindings, len(idents))]}
		if u.Status != "" {
			in.Workflow = &types.WorkflowUpdate{Status: types.WorkflowStatus(u.Status)}
		}
		if u.Note != nil {
			in.Note = &types.NoteUpdate{Text: aws.String(u.Note.Text), UpdatedBy: aws.String(u.Note.UpdatedBy)}
		}
		if u.SeverityLabel != "" {
			in.Severity = &types.SeverityUpdate{Label: types.SeverityLabel(u.SeverityLabel)}
		}
		out, err := s.api.BatchUpdateFindings(ctx, in)
		if err != nil {
			err = explain("securityhub:BatchUpdateFindings", err)
			// The findings of this request, and after a fatal error all
			// the later ones, were not updated: say so for each.
			unsent := in.FindingIdentifiers
			if fatal(err) {
				unsent = idents[start:]
			}
			for _, id := range unsent {
				res.Unprocessed = append(res.Unprocessed, findings.FailedFinding{Id: aws.ToString(id.Id), ErrorCode: errorCode(err), ErrorMessage: err.Error()})
			}
			if fatal(err) {
				return res, fmt.Errorf("update findings: %w", err)
			}
			continue
		}
		for _, p := range out.ProcessedFindings {
			res.Processed = append(res.Processed, aws.ToString(p.Id))
		}
		for _, up := range out.UnprocessedFindings {
			id := ""
			if up.FindingIdentifier != nil {
				id = aws.ToString(up.FindingIdentifier.Id)
			}
			res.Unprocessed = append(res.Unprocessed, findings.FailedFinding{Id: id, ErrorCode: aws.ToString(up.ErrorCode), ErrorMessage: aws.ToString(up.ErrorMessage)})
		}
	}
	return res, nil
}

// findExact looks up the findings whose full Id is in ids, 20 Ids per
// GetFindings request (Security Hub's limit of values per filter); an Id
// that several products use is left out, for Get to report as ambiguous.
func (s *Store) findExact(ctx context.Context, ids []string) (map[string]findings.Finding, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	found := make(map[string]findings.Finding, len(ids))
	count := make(map[string]int, len(ids))
	for start := 0; start < len(ids); start += maxFilterValues {
		batch := ids[start:min(start+maxFilterValues, len(ids))]
		in := &sh.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Id: stringFilters(types.StringFilterComparisonEquals, batch...)}}
		list, err := s.getFindings(ctx, in, 0, nil)
		if err != nil {
			return nil, err
		}
		for _, f := range list {
			found[f.Id] = f
			count[f.Id]++
		}
	}
	for id, n := range count {
		if n > 1 {
			delete(found, id)
		}
	}
	return found, nil
}
