// Package compliance reads AWS Config compliance and rolls it up into the
// ISMS-P control view, its snapshots and its audit reports.
package compliance

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Page sizes and batch limits of the AWS Config API (service model).
const (
	packsPageLimit        = 20   // DescribeConformancePacks, GetConformancePackComplianceSummary
	summaryNamesPerCall   = 5    // GetConformancePackComplianceSummary.ConformancePackNames
	packRulesPageLimit    = 1000 // DescribeConformancePackCompliance
	resourcesPageLimit    = 100  // GetComplianceDetailsByConfigRule (default 10), GetConformancePackComplianceDetails
	ruleNamesPerCall      = 25   // DescribeConfigRules, DescribeComplianceByConfigRule
	packRuleFilterMaxName = 10   // ConformancePackEvaluationFilters.ConfigRuleNames
)

// Compliance states as AWS Config reports them, plus NOT_DEPLOYED for a
// mapped rule that is not in the account and MANUAL for a control only a
// person can check.
const (
	StatusCompliant        = "COMPLIANT"
	StatusNonCompliant     = "NON_COMPLIANT"
	StatusInsufficientData = "INSUFFICIENT_DATA"
	StatusNotApplicable    = "NOT_APPLICABLE"
	StatusNotDeployed      = "NOT_DEPLOYED"
	StatusManual           = "MANUAL"
)

// configAPI is the part of the AWS Config client this package calls;
// *configservice.Client satisfies it.
type configAPI interface {
	DescribeConformancePacks(ctx context.Context, in *configservice.DescribeConformancePacksInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConformancePacksOutput, error)
	GetConformancePackComplianceSummary(ctx context.Context, in *configservice.GetConformancePackComplianceSummaryInput, optFns ...func(*configservice.Options)) (*configservice.GetConformancePackComplianceSummaryOutput, error)
	DescribeConformancePackCompliance(ctx context.Context, in *configservice.DescribeConformancePackComplianceInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConformancePackComplianceOutput, error)
	GetConformancePackComplianceDetails(ctx context.Context, in *configservice.GetConformancePackComplianceDetailsInput, optFns ...func(*configservice.Options)) (*configservice.GetConformancePackComplianceDetailsOutput, error)
	GetComplianceDetailsByConfigRule(ctx context.Context, in *configservice.GetComplianceDetailsByConfigRuleInput, optFns ...func(*configservice.Options)) (*configservice.GetComplianceDetailsByConfigRuleOutput, error)
	DescribeConfigRules(ctx context.Context, in *configservice.DescribeConfigRulesInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConfigRulesOutput, error)
	DescribeComplianceByConfigRule(ctx context.Context, in *configservice.DescribeComplianceByConfigRuleInput, optFns ...func(*configservice.Options)) (*configservice.DescribeComplianceByConfigRuleOutput, error)
	DescribeConfigRuleEvaluationStatus(ctx context.Context, in *configservice.DescribeConfigRuleEvaluationStatusInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConfigRuleEvaluationStatusOutput, error)
}

var _ configAPI = (*configservice.Client)(nil)

// IAMActions are the IAM actions the compliance commands call, for
// least-privilege policies.
func IAMActions() []string {
	return []string{
		"config:DescribeComplianceByConfigRule",
		"config:DescribeConfigRuleEvaluationStatus",
		"config:DescribeConfigRules",
		"config:DescribeConformancePackCompliance",
		"config:DescribeConformancePacks",
		"config:GetComplianceDetailsByConfigRule",
		"config:GetConformancePackComplianceDetails",
		"config:GetConformancePackComplianceSummary",
	}
}

// Client reads compliance from AWS Config in one Region.
type Client struct {
	api    configAPI
	region string
}

// New returns a Client over an AWS Config API client for region.
func New(api configAPI, region string) *Client { return &Client{api: api, region: region} }

// NewFromConfig returns a Client using the SDK configuration.
func NewFromConfig(cfg aws.Config) *Client {
	return New(configservice.NewFromConfig(cfg), cfg.Region)
}

// Region is the AWS Region the client reads.
func (c *Client) Region() string { return c.region }

// Pack is a deployed conformance pack and its overall compliance.
type Pack struct {
	Name        string    `json:"name"`
	ARN         string    `json:"arn"`
	ID          string    `json:"id"`
	CreatedBy   string    `json:"createdBy,omitempty"`
	Status      string    `json:"status"`
	LastUpdated time.Time `json:"lastUpdateRequested,omitzero"`
}

// RuleStatus is one deployed Config rule's compliance. Pack is empty for a
// rule outside conformance packs.
type RuleStatus struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier,omitempty"`
	Pack       string `json:"pack,omitempty"`
	Status     string `json:"status"`
	CreatedBy  string `json:"createdBy,omitempty"`
	// Controls are the ISMS-P controls the rule evidences (AnnotateControls).
	Controls []string `json:"ismsPControls,omitempty"`
}

// ResourceStatus is one resource's evaluation by a rule.
type ResourceStatus struct {
	Rule         string    `json:"rule"`
	ResourceType string    `json:"resourceType"`
	ResourceID   string    `json:"resourceId"`
	Status       string    `json:"status"`
	Annotation   string    `json:"annotation,omitempty"`
	RecordedAt   time.Time `json:"recordedAt,omitzero"`
}

// Packs lists the conformance packs with their compliance summary.
func (c *Client) Packs(ctx context.Context) ([]Pack, error) {
	var packs []Pack
	p := configservice.NewDescribeConformancePacksPaginator(c.api, &configservice.DescribeConformancePacksInput{Limit: packsPageLimit})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, explain("DescribeConformancePacks", err)
		}
		for _, d := range page.ConformancePackDetails {
			packs = append(packs, Pack{
				Name:        aws.ToString(d.ConformancePackName),
				ARN:         aws.ToString(d.ConformancePackArn),
				ID:          aws.ToString(d.ConformancePackId),
				CreatedBy:   aws.ToString(d.CreatedBy),
				LastUpdated: aws.ToTime(d.LastUpdateRequestedTime),
			})
		}
	}
	status := map[string]string{}
	for start := 0; start < len(packs); start += summaryNamesPerCall {
		end := min(start+summaryNamesPerCall, len(packs))
		names := make([]string, 0, end-start)
		for _, p := range packs[start:end] {
			names = append(names, p.Name)
		}
		sp := configservice.NewGetConformancePackComplianceSummaryPaginator(c.api, &configservice.GetConformancePackComplianceSummaryInput{
			ConformancePackNames: names, Limit: packsPageLimit,
		})
		for sp.HasMorePages() {
			page, err := sp.NextPage(ctx)
			if err != nil {
				return nil, explain("GetConformancePackComplianceSummary", err)
			}
			for _, s := range page.ConformancePackComplianceSummaryList {
				status[aws.ToString(s.ConformancePackName)] = string(s.ConformancePackComplianceStatus)
			}
		}
	}
	for i := range packs {
		packs[i].Status = status[packs[i].Name]
		if packs[i].Status == "" {
			packs[i].Status = StatusInsufficientData
		}
	}
	sort.Slice(packs, func(i, j int) bool { return packs[i].Name < packs[j].Name })
	return packs, nil
}

// PackRules lists the rules of one conformance pack with their compliance;
// status, when set, keeps only rules in that state (COMPLIANT,
// NON_COMPLIANT or INSUFFICIENT_DATA).
func (c *Client) PackRules(ctx context.Context, pack, status string) ([]RuleStatus, error) {
	in := &configservice.DescribeConformancePackComplianceInput{
		ConformancePackName: aws.String(pack),
		Limit:               packRulesPageLimit,
	}
	// The service filters COMPLIANT and NON_COMPLIANT only; INSUFFICIENT_DATA
	// is filtered here.
	if status == StatusCompliant || status == StatusNonCompliant {
		in.Filters = &types.ConformancePackComplianceFilters{ComplianceType: types.ConformancePackComplianceType(status)}
	}
	var rules []RuleStatus
	p := configservice.NewDescribeConformancePackCompliancePaginator(c.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, explainPack("DescribeConformancePackCompliance", pack, err)
		}
		for _, rc := range page.ConformancePackRuleComplianceList {
			if status != "" && string(rc.ComplianceType) != status {
				continue
			}
			rules = append(rules, RuleStatus{
				Name:   aws.ToString(rc.ConfigRuleName),
				Pack:   pack,
				Status: string(rc.ComplianceType),
			})
		}
	}
	if err := c.fillIdentifiers(ctx, rules); err != nil {
		return nil, err
	}
	sortRules(rules)
	return rules, nil
}

// ConfigRule is a deployed Config rule: its name and what it checks.
type ConfigRule struct {
	Name       string
	ARN        string
	Identifier string // Source.SourceIdentifier (managed rules), Lambda ARN (custom)
	Owner      string
	CreatedBy  string
}

// ConfigRules describes rules by name, 25 names per call; with no names it
// lists every rule in the Region.
func (c *Client) ConfigRules(ctx context.Context, names []string) ([]ConfigRule, error) {
	var out []ConfigRule
	describe := func(batch []string) error {
		p := configservice.NewDescribeConfigRulesPaginator(c.api, &configservice.DescribeConfigRulesInput{ConfigRuleNames: batch})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return explain("DescribeConfigRules", err)
			}
			for _, r := range page.ConfigRules {
				cr := ConfigRule{Name: aws.ToString(r.ConfigRuleName), ARN: aws.ToString(r.ConfigRuleArn), CreatedBy: aws.ToString(r.CreatedBy)}
				if r.Source != nil {
					cr.Identifier = aws.ToString(r.Source.SourceIdentifier)
					cr.Owner = string(r.Source.Owner)
				}
				out = append(out, cr)
			}
		}
		return nil
	}
	if len(names) == 0 {
		return out, describe(nil)
	}
	for start := 0; start < len(names); start += ruleNamesPerCall {
		if err := describe(names[start:min(start+ruleNamesPerCall, len(names))]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Client) fillIdentifiers(ctx context.Context, rules []RuleStatus) error {
	if len(rules) == 0 {
		return nil
	}
	names := make([]string, len(rules))
	for i, r := range rules {
		names[i] = r.Name
	}
	described, err := c.ConfigRules(ctx, names)
	if err != nil {
		return err
	}
	byName := make(map[string]ConfigRule, len(described))
	for _, d := range described {
		byName[d.Name] = d
	}
	for i := range rules {
		d := byName[rules[i].Name]
		rules[i].Identifier = d.Identifier
		rules[i].CreatedBy = d.CreatedBy
	}
	return nil
}

// RuleCompliance reads the rule-level compliance of rules by name (25 per
// call), for rules outside conformance packs. A rule AWS Config has no
// result for is INSUFFICIENT_DATA.
func (c *Client) RuleCompliance(ctx context.Context, names []string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	for start := 0; start < len(names); start += ruleNamesPerCall {
		batch := names[start:min(start+ruleNamesPerCall, len(names))]
		p := configservice.NewDescribeComplianceByConfigRulePaginator(c.api, &configservice.DescribeComplianceByConfigRuleInput{ConfigRuleNames: batch})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, explain("DescribeComplianceByConfigRule", err)
			}
			for _, r := range page.ComplianceByConfigRules {
				if r.Compliance != nil && r.Compliance.ComplianceType != "" {
					out[aws.ToString(r.ConfigRuleName)] = string(r.Compliance.ComplianceType)
				}
			}
		}
	}
	for _, n := range names {
		if out[n] == "" {
			out[n] = StatusInsufficientData
		}
	}
	return out, nil
}

// AllRules returns every rule in the Region with its compliance: rules of
// conformance packs from each pack's rule compliance, the others from
// DescribeComplianceByConfigRule.
func (c *Client) AllRules(ctx context.Context) ([]RuleStatus, error) {
	rules, _, _, err := c.allRules(ctx)
	return rules, err
}

// allRules is AllRules that also returns the packs and the rules' own
// descriptions (their ARNs name the account).
func (c *Client) allRules(ctx context.Context) ([]RuleStatus, []Pack, []ConfigRule, error) {
	packs, err := c.Packs(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	described, err := c.ConfigRules(ctx, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	byName := make(map[string]ConfigRule, len(described))
	for _, d := range described {
		byName[d.Name] = d
	}
	var rules []RuleStatus
	inPack := map[string]bool{}
	for _, pk := range packs {
		in := &configservice.DescribeConformancePackComplianceInput{ConformancePackName: aws.String(pk.Name), Limit: packRulesPageLimit}
		p := configservice.NewDescribeConformancePackCompliancePaginator(c.api, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, nil, nil, explainPack("DescribeConformancePackCompliance", pk.Name, err)
			}
			for _, rc := range page.ConformancePackRuleComplianceList {
				name := aws.ToString(rc.ConfigRuleName)
				inPack[name] = true
				rules = append(rules, RuleStatus{
					Name: name, Pack: pk.Name, Status: string(rc.ComplianceType),
					Identifier: byName[name].Identifier, CreatedBy: byName[name].CreatedBy,
				})
			}
		}
	}
	var outside []string
	for _, d := range described {
		if !inPack[d.Name] {
			outside = append(outside, d.Name)
		}
	}
	status, err := c.RuleCompliance(ctx, outside)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, name := range outside {
		d := byName[name]
		rules = append(rules, RuleStatus{Name: name, Identifier: d.Identifier, CreatedBy: d.CreatedBy, Status: status[name]})
	}
	sortRules(rules)
	return rules, packs, described, nil
}

// ResourcesQuery selects per-resource results of one rule.
type ResourcesQuery struct {
	Rule string
	// Pack reads the results through the conformance pack
	// (GetConformancePackComplianceDetails) instead of the rule.
	Pack string
	// Status keeps only COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE results;
	// empty means all of them.
	Status string
	// Limit stops reading after this many results; 0 reads them all.
	Limit int
}

// Validate checks the status filter against what each Config call
// accepts: a rule's results filter on COMPLIANT, NON_COMPLIANT or
// NOT_APPLICABLE, a conformance pack's only on COMPLIANT or NON_COMPLIANT.
func (q ResourcesQuery) Validate() error {
	switch q.Status {
	case "", StatusCompliant, StatusNonCompliant:
		return nil
	case StatusNotApplicable:
		if q.Pack != "" {
			return fmt.Errorf("status %s: conformance packs report only COMPLIANT and NON_COMPLIANT results; leave out --pack to read %s results from the rule", q.Status, q.Status)
		}
		return nil
	}
	return fmt.Errorf("status %q: use COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE (AWS Config cannot filter resources on INSUFFICIENT_DATA)", q.Status)
}

// Resources lists every resource a rule evaluated (or the first q.Limit),
// paging 100 at a time.
func (c *Client) Resources(ctx context.Context, q ResourcesQuery) ([]ResourceStatus, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []ResourceStatus
	if q.Pack != "" {
		filters := &types.ConformancePackEvaluationFilters{ConfigRuleNames: []string{q.Rule}}
		if q.Status != "" {
			filters.ComplianceType = types.ConformancePackComplianceType(q.Status)
		}
		p := configservice.NewGetConformancePackComplianceDetailsPaginator(c.api, &configservice.GetConformancePackComplianceDetailsInput{
			ConformancePackName: aws.String(q.Pack), Filters: filters, Limit: resourcesPageLimit,
		})
		for p.HasMorePages() && !q.full(out) {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, explainPack("GetConformancePackComplianceDetails", q.Pack, err)
			}
			for _, r := range page.ConformancePackRuleEvaluationResults {
				out = append(out, resourceStatus(r.EvaluationResultIdentifier, string(r.ComplianceType), r.Annotation, r.ResultRecordedTime))
			}
		}
		return q.cut(out), nil
	}
	in := &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String(q.Rule), Limit: resourcesPageLimit}
	if q.Status != "" {
		in.ComplianceTypes = []types.ComplianceType{types.ComplianceType(q.Status)}
	}
	p := configservice.NewGetComplianceDetailsByConfigRulePaginator(c.api, in)
	for p.HasMorePages() && !q.full(out) {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, explainRule("GetComplianceDetailsByConfigRule", q.Rule, err)
		}
		for _, r := range page.EvaluationResults {
			out = append(out, resourceStatus(r.EvaluationResultIdentifier, string(r.ComplianceType), r.Annotation, r.ResultRecordedTime))
		}
	}
	return q.cut(out), nil
}

func (q ResourcesQuery) full(out []ResourceStatus) bool { return q.Limit > 0 && len(out) >= q.Limit }

func (q ResourcesQuery) cut(out []ResourceStatus) []ResourceStatus {
	if q.Limit > 0 && len(out) > q.Limit {
		return out[:q.Limit]
	}
	return out
}

// EvaluationTimes returns when AWS Config last evaluated each rule
// successfully (DescribeConfigRuleEvaluationStatus, 25 names per call).
// Rules never evaluated are left out.
func (c *Client) EvaluationTimes(ctx context.Context, names []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(names))
	for start := 0; start < len(names); start += ruleNamesPerCall {
		batch := names[start:min(start+ruleNamesPerCall, len(names))]
		p := configservice.NewDescribeConfigRuleEvaluationStatusPaginator(c.api, &configservice.DescribeConfigRuleEvaluationStatusInput{ConfigRuleNames: batch})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, explain("DescribeConfigRuleEvaluationStatus", err)
			}
			for _, s := range page.ConfigRulesEvaluationStatus {
				if t := aws.ToTime(s.LastSuccessfulEvaluationTime); !t.IsZero() {
					out[aws.ToString(s.ConfigRuleName)] = t
				}
			}
		}
	}
	return out, nil
}

func resourceStatus(id *types.EvaluationResultIdentifier, status string, annotation *string, recorded *time.Time) ResourceStatus {
	rs := ResourceStatus{Status: status, Annotation: aws.ToString(annotation), RecordedAt: aws.ToTime(recorded)}
	if id != nil && id.EvaluationResultQualifier != nil {
		q := id.EvaluationResultQualifier
		rs.Rule = aws.ToString(q.ConfigRuleName)
		rs.ResourceType = aws.ToString(q.ResourceType)
		rs.ResourceID = aws.ToString(q.ResourceId)
	}
	return rs
}

func sortRules(rules []RuleStatus) {
	sort.SliceStable(rules, func(i, j int) bool {
		a, b := rules[i], rules[j]
		if statusRank(a.Status) != statusRank(b.Status) {
			return statusRank(a.Status) < statusRank(b.Status)
		}
		if a.Pack != b.Pack {
			return a.Pack < b.Pack
		}
		return a.Name < b.Name
	})
}

// statusRank orders states worst first.
func statusRank(s string) int {
	switch s {
	case StatusNonCompliant:
		return 0
	case StatusInsufficientData:
		return 1
	case StatusNotDeployed:
		return 2
	case StatusCompliant:
		return 3
	case StatusNotApplicable:
		return 4
	case StatusManual:
		return 5
	}
	return 6
}

// ValidStatus checks a --status value for rules.
func ValidStatus(s string) error {
	switch s {
	case "", StatusCompliant, StatusNonCompliant, StatusInsufficientData:
		return nil
	}
	return fmt.Errorf("status %q is not one of COMPLIANT, NON_COMPLIANT, INSUFFICIENT_DATA", s)
}
