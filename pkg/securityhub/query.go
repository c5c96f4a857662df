package securityhub

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secops-dev/secops/pkg/findings"
)

// maxResults is the largest page GetFindings returns.
const maxResults = 100

// maxFilterValues is how many values Security Hub takes for one attribute.
const maxFilterValues = 20

// Filters translates q into GetFindings filters: Severities → SeverityLabel
// EQUALS each, Product → ProductName EQUALS each spelling productNames
// gives, TypePrefix → Type PREFIX,
// Resource → ResourceId CONTAINS, Statuses → WorkflowStatus EQUALS each,
// RecordState → RecordState EQUALS, Since → UpdatedAt from Since to a day
// after now, GeneratorPrefix → GeneratorId PREFIX. Security Hub compares
// ProductName case-sensitively where Query.Product does not, hence the
// spellings; Query filters the results again with q.Matches, so what it
// returns always means q.
func Filters(q findings.Query, now time.Time) *types.AwsSecurityFindingFilters {
	f := &types.AwsSecurityFindingFilters{}
	eq := func(values ...string) []types.StringFilter {
		return stringFilters(types.StringFilterComparisonEquals, values...)
	}
	if len(q.Severities) > 0 {
		f.SeverityLabel = eq(q.Severities...)
	}
	if q.Product != "" {
		f.ProductName = eq(productNames(q.Product)...)
	}
	if q.TypePrefix != "" {
		f.Type = stringFilters(types.StringFilterComparisonPrefix, q.TypePrefix)
	}
	if q.Resource != "" {
		f.ResourceId = stringFilters(types.StringFilterComparisonContains, q.Resource)
	}
	if len(q.Statuses) > 0 {
		f.WorkflowStatus = eq(q.Statuses...)
	}
	if q.RecordState != "" {
		f.RecordState = eq(q.RecordState)
	}
	if !q.Since.IsZero() {
		f.UpdatedAt = []types.DateFilter{{
			Start: aws.String(findings.FormatTime(q.Since)),
			End:   aws.String(findings.FormatTime(now.Add(24 * time.Hour))),
		}}
	}
	if q.GeneratorPrefix != "" {
		f.GeneratorId = stringFilters(types.StringFilterComparisonPrefix, q.GeneratorPrefix)
	}
	if q.Target != "" {
		f.ProductFields = []types.MapFilter{{Key: aws.String(findings.FieldTarget), Value: aws.String(q.Target), Comparison: types.MapFilterComparisonEquals}}
	}
	return f
}

// knownProducts are ProductName values as Security Hub and the tools
// secops reads spell them.
var knownProducts = []string{
	"secops", "Security Hub", "GuardDuty", "Inspector", "Macie", "Config", "IAM Access Analyzer",
	"Firewall Manager", "Systems Manager Patch Manager", "Health", "Detective",
	"Trivy", "ZAP", "Prowler", "SonarQube", "gitleaks", "gosec", "osv-scanner",
}

// productNames are the spellings of a --product value to ask Security Hub
// for, since ProductName EQUALS is case-sensitive: the value as given, its
// lower, upper and title case, and a known product name it equals but for
// case. Several EQUALS values on one attribute are OR-ed.
func productNames(product string) []string {
	title := []rune(strings.ToLower(product))
	for i := range title {
		if i == 0 || title[i-1] == ' ' || title[i-1] == '-' {
			title[i] = unicode.ToUpper(title[i])
		}
	}
	out := []string{product, strings.ToLower(product), strings.ToUpper(product), string(title)}
	for _, k := range knownProducts {
		if strings.EqualFold(k, product) {
			out = append(out, k)
		}
	}
	seen := make(map[string]bool, len(out))
	uniq := out[:0]
	for _, v := range out {
		if !seen[v] {
			seen[v] = true
			uniq = append(uniq, v)
		}
	}
	return uniq
}

func stringFilters(cmp types.StringFilterComparison, values ...string) []types.StringFilter {
	out := make([]types.StringFilter, len(values))
	for i, v := range values {
		out[i] = types.StringFilter{Comparison: cmp, Value: aws.String(v)}
	}
	return out
}

// sortCriteria asks Security Hub for the order findings.SortFindings
// gives, on its first key, so that a limited query gets the right first
// findings; the page is then sorted again with every tie-break.
func sortCriteria(by string) []types.SortCriterion {
	switch by {
	case findings.SortUpdated:
		return []types.SortCriterion{{Field: aws.String("UpdatedAt"), SortOrder: types.SortOrderDescending}}
	case findings.SortTitle:
		return []types.SortCriterion{{Field: aws.String("Title"), SortOrder: types.SortOrderAscending}}
	}
	return []types.SortCriterion{{Field: aws.String("SeverityNormalized"), SortOrder: types.SortOrderDescending}}
}

// Query lists the findings matching q, reading pages of at most 100
// findings until q.Limit is reached.
func (s *Store) Query(ctx context.Context, q findings.Query) ([]findings.Finding, error) {
	if err := checkFilterValues(q); err != nil {
		return nil, err
	}
	in := &sh.GetFindingsInput{Filters: Filters(q, s.now()), SortCriteria: sortCriteria(q.Sort)}
	list, err := s.getFindings(ctx, in, q.Limit, q.Matches)
	if err != nil {
		return nil, err
	}
	findings.SortFindings(list, q.Sort)
	return list, nil
}

func checkFilterValues(q findings.Query) error {
	if len(q.Severities) > maxFilterValues || len(q.Statuses) > maxFilterValues {
		return fmt.Errorf("query Security Hub: at most %d values per filter", maxFilterValues)
	}
	return nil
}

// getFindings pages through GetFindings, keeping the findings keep
// accepts, until limit findings (0: all) are kept.
func (s *Store) getFindings(ctx context.Context, in *sh.GetFindingsInput, limit int, keep func(*findings.Finding) bool) ([]findings.Finding, error) {
	var list []findings.Finding
	for {
		page := int32(maxResults)
		if limit > 0 && limit-len(list) < maxResults {
			page = int32(limit - len(list)) // #nosec G115 -- below maxResults (100) here
		}
		in.MaxResults = aws.Int32(page)
		out, err := s.api.GetFindings(ctx, in)
		if err != nil {
			return nil, explain("securityhub:GetFindings", err)
		}
		for _, raw := range out.Findings {
			f, err := findings.FromSDK(raw)
			if err != nil {
				return nil, fmt.Errorf("read findings from Security Hub: %w", err)
			}
			if keep != nil && !keep(&f) {
				continue
			}
			list = append(list, f)
			if limit > 0 && len(list) >= limit {
				return list, nil
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return list, nil
		}
		in.NextToken = out.NextToken
	}
}

// Get returns the finding with Id id or, failing that, the one whose short
// form (findings.ShortID: the part after the last '/' or ':') starts with
// id.
func (s *Store) Get(ctx context.Context, id string) (findings.Finding, error) {
	if id == "" {
		return findings.Finding{}, fmt.Errorf("finding %q: %w", id, findings.ErrNotFound)
	}
	f, err := s.getOne(ctx, id, types.StringFilterComparisonEquals, func(f *findings.Finding) bool { return f.Id == id })
	if !errors.Is(err, findings.ErrNotFound) {
		return f, err
	}
	return s.getByShortID(ctx, id)
}

// getByShortID finds the one finding whose short id starts with id (what
// `secops findings` shows), for an id that is not a whole Id.
func (s *Store) getByShortID(ctx context.Context, id string) (findings.Finding, error) {
	return s.getOne(ctx, id, types.StringFilterComparisonContains, func(f *findings.Finding) bool {
		return strings.HasPrefix(shortKey(f.Id), id)
	})
}

// getOne asks for the findings whose Id compares to id, keeps those keep
// accepts, and wants exactly one.
func (s *Store) getOne(ctx context.Context, id string, cmp types.StringFilterComparison, keep func(*findings.Finding) bool) (findings.Finding, error) {
	in := &sh.GetFindingsInput{Filters: &types.AwsSecurityFindingFilters{Id: []types.StringFilter{{Comparison: cmp, Value: aws.String(id)}}}}
	list, err := s.getFindings(ctx, in, 2, keep)
	if err != nil {
		return findings.Finding{}, err
	}
	switch len(list) {
	case 0:
		return findings.Finding{}, fmt.Errorf("finding %q: %w in Security Hub (%s)", id, findings.ErrNotFound, s.region)
	case 1:
		return list[0], nil
	}
	return findings.Finding{}, fmt.Errorf("finding %q: %w: give more of the Id", id, findings.ErrAmbiguous)
}

// shortKey is the part of an Id after its last '/' or ':'.
func shortKey(id string) string {
	if i := strings.LastIndexAny(id, "/:"); i >= 0 && i < len(id)-1 {
		return id[i+1:]
	}
	return id
}
