package securityhub

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secops-dev/secops/pkg/findings"
)

// BatchImportFindings limits (guidelines-batchimportfindings.html, see
// pace.go): at most 100 findings and 6 MB per request, 240 KB per finding.
// Sizes are measured on the ASFF JSON; the request budget keeps room for
// the request envelope and for the SDK encoding a little differently.
const (
	maxBatchFindings = 100
	maxFindingBytes  = 240 * 1024
	maxRequestBytes  = 6 * 1024 * 1024
	requestBudget    = maxRequestBytes - 256*1024
)

// ErrorCodeFindingTooLarge is the FailedFinding code for a finding over
// BatchImportFindings' 240 KB, refused before sending.
const ErrorCodeFindingTooLarge = "FindingTooLarge"

// Import sends list with BatchImportFindings, in requests of at most 100
// findings and 6 MB. Findings stamped with the local account are restamped
// with the caller's (Restamp). Findings that are not valid ASFF or larger
// than 240 KB are not sent; they and every finding Security Hub refuses
// (FailedFindings) or a request that failed for good carried, are in
// ImportResult.Failed with the error code and message. Import stops with an
// error, after listing the unsent findings in Failed, when an error would
// fail every request alike (credentials, permissions, Security Hub not
// enabled).
//
// BatchImportFindings does not say which findings are new: ImportResult.New
// counts every finding Security Hub accepted and Updated stays 0.
//
// With opts.Scope, ACTIVE findings of the scope's product, generators and
// target that list does not hold are sent again with RecordState ARCHIVED.
// Security Hub does not let an importer set Workflow, so unlike the local
// store they keep their workflow status.
func (s *Store) Import(ctx context.Context, list []findings.Finding, opts findings.ImportOptions) (findings.ImportResult, error) {
	var res findings.ImportResult
	accepted, failed, err := s.importAll(ctx, list)
	res.New = len(accepted)
	res.Failed = failed
	if err != nil {
		return res, err
	}
	if opts.Scope != nil {
		n, failed, err := s.archiveMissing(ctx, list, opts.Scope)
		res.Archived = n
		res.Failed = append(res.Failed, failed...)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// importAll sends list and returns the Ids Security Hub accepted and the
// findings that failed. After a fatal error the findings not sent are in
// failed too, with that error.
func (s *Store) importAll(ctx context.Context, list []findings.Finding) (accepted []string, failed []findings.FailedFinding, err error) {
	if len(list) == 0 {
		return nil, nil, nil
	}
	account, partition, err := s.Account(ctx)
	if err != nil {
		for _, f := range list {
			failed = append(failed, findings.FailedFinding{Id: f.Id, ErrorCode: errorCode(err), ErrorMessage: err.Error()})
		}
		return nil, failed, fmt.Errorf("import findings into Security Hub: %w", err)
	}
	batches, failed := s.batches(list, account, partition)
	for i, b := range batches {
		out, err := s.api.BatchImportFindings(ctx, &sh.BatchImportFindingsInput{Findings: b.findings})
		if err != nil {
			err = explain("securityhub:BatchImportFindings", err)
			unsent := batches[i : i+1]
			if fatal(err) {
				unsent = batches[i:]
			}
			for _, u := range unsent {
				for _, id := range u.ids {
					failed = append(failed, findings.FailedFinding{Id: id, ErrorCode: errorCode(err), ErrorMessage: err.Error()})
				}
			}
			if fatal(err) {
				return accepted, failed, fmt.Errorf("import findings into Security Hub: %w", err)
			}
			continue
		}
		refused := make(map[string]bool, len(out.FailedFindings))
		for _, ff := range out.FailedFindings {
			id := aws.ToString(ff.Id)
			refused[id] = true
			failed = append(failed, findings.FailedFinding{Id: id, ErrorCode: aws.ToString(ff.ErrorCode), ErrorMessage: aws.ToString(ff.ErrorMessage)})
		}
		for _, id := range b.ids {
			if !refused[id] {
				accepted = append(accepted, id)
			}
		}
	}
	return accepted, failed, nil
}

// batch is one BatchImportFindings request.
type batch struct {
	findings []types.AwsSecurityFinding
	ids      []string
	bytes    int
}

// batches restamps, checks and converts list into requests within the
// limits; the findings that cannot be sent come back as failed.
func (s *Store) batches(list []findings.Finding, account, partition string) ([]batch, []findings.FailedFinding) {
	var out []batch
	var failed []findings.FailedFinding
	var cur batch
	for _, f := range list {
		f = Restamp(f, account, s.region, partition)
		if err := f.Validate(); err != nil {
			failed = append(failed, findings.FailedFinding{Id: f.Id, ErrorCode: findings.ErrorCodeInvalidInput, ErrorMessage: err.Error()})
			continue
		}
		doc, err := json.Marshal(f)
		if err != nil {
			failed = append(failed, findings.FailedFinding{Id: f.Id, ErrorCode: findings.ErrorCodeInvalidInput, ErrorMessage: err.Error()})
			continue
		}
		if len(doc) > maxFindingBytes {
			failed = append(failed, findings.FailedFinding{Id: f.Id, ErrorCode: ErrorCodeFindingTooLarge,
				ErrorMessage: fmt.Sprintf("the finding is %d KB of JSON; Security Hub takes at most 240 KB (shorten Description, Resources[].Details or ProductFields)", len(doc)/1024)})
			continue
		}
		sdk, err := findings.ToSDK(f)
		if err != nil {
			failed = append(failed, findings.FailedFinding{Id: f.Id, ErrorCode: findings.ErrorCodeInvalidInput, ErrorMessage: err.Error()})
			continue
		}
		if len(cur.ids) == maxBatchFindings || cur.bytes+len(doc)+1 > requestBudget {
			out = append(out, cur)
			cur = batch{}
		}
		cur.findings = append(cur.findings, sdk)
		cur.ids = append(cur.ids, f.Id)
		cur.bytes += len(doc) + 1
	}
	if len(cur.ids) > 0 {
		out = append(out, cur)
	}
	return out, failed
}

// archiveMissing re-imports, as ARCHIVED, the ACTIVE findings in scope that
// list does not hold.
func (s *Store) archiveMissing(ctx context.Context, list []findings.Finding, scope *findings.Scope) (int, []findings.FailedFinding, error) {
	if len(scope.GeneratorIds) == 0 {
		return 0, nil, nil
	}
	account, partition, err := s.Account(ctx)
	if err != nil {
		return 0, nil, err
	}
	remote := *scope
	if isLocalProductArn(scope.ProductArn) {
		remote.ProductArn = findings.DefaultProductArn(partition, s.region, account)
	}
	present := make(map[string]bool, len(list))
	for _, f := range list {
		present[f.Id] = true
	}
	var stale []findings.Finding
	for start := 0; start < len(remote.GeneratorIds); start += maxFilterValues {
		gens := remote.GeneratorIds[start:min(start+maxFilterValues, len(remote.GeneratorIds))]
		in := &sh.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{
			ProductArn:  stringFilters(types.StringFilterComparisonEquals, remote.ProductArn),
			GeneratorId: stringFilters(types.StringFilterComparisonEquals, gens...),
			RecordState: stringFilters(types.StringFilterComparisonEquals, findings.RecordActive),
			ProductFields: []types.MapFilter{{
				Key: aws.String(findings.FieldTarget), Value: aws.String(remote.Target), Comparison: types.MapFilterComparisonEquals,
			}},
		}}
		got, err := s.getFindings(ctx, in, 0, func(f *findings.Finding) bool {
			return !present[f.Id] && f.RecordStateOrDefault() == findings.RecordActive && remote.InScope(f)
		})
		if err != nil {
			return 0, nil, fmt.Errorf("list findings to archive: %w", err)
		}
		stale = append(stale, got...)
	}
	now := s.now()
	for i := range stale {
		stale[i].RecordState = findings.RecordArchived
		stale[i].UpdatedAt = findings.FormatTime(now)
	}
	accepted, failed, err := s.importAll(ctx, stale)
	if err != nil {
		return len(accepted), failed, fmt.Errorf("archive findings no longer reported: %w", err)
	}
	return len(accepted), failed, nil
}
