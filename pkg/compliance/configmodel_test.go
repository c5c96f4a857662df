package compliance

import (
	"strconv"
	"testing"
	"time"
)

// configModel is an account's AWS Config state, served through the AWS
// Config test endpoint (awsJson1_1) the way the service answers: the
// operations a snapshot calls, with their page sizes and limits checked.
type configModel struct {
	account, region string
	packs           []modelPack
	rules           []modelRule
}

type modelPack struct {
	name, id, arn string
	updated       time.Time
}

type modelRule struct {
	name, identifier, pack, status, createdBy, id, owner string
	evaluated                                            time.Time
	resources                                            []Resource
}

func epoch(t time.Time) float64 { return float64(t.Unix()) }

func (m *configModel) rule(name string) (*modelRule, bool) {
	for i := range m.rules {
		if m.rules[i].name == name {
			return &m.rules[i], true
		}
	}
	return nil, false
}

// packStatus is NON_COMPLIANT when any of the pack's rules is.
func (m *configModel) packStatus(name string) string {
	for _, r := range m.rules {
		if r.pack == name && r.status == StatusNonCompliant {
			return StatusNonCompliant
		}
	}
	return StatusCompliant
}

func (m *configModel) ruleJSON(r modelRule) map[string]any {
	owner := r.owner
	if owner == "" {
		owner = "AWS"
	}
	created := r.createdBy
	if r.pack != "" {
		created = "config-conforms.amazonaws.com"
	}
	out := map[string]any{
		"ConfigRuleName":  r.name,
		"ConfigRuleArn":   "arn:aws:config:" + m.region + ":" + m.account + ":config-rule/" + r.id,
		"ConfigRuleId":    r.id,
		"ConfigRuleState": "ACTIVE",
		"Source":          map[string]any{"Owner": owner, "SourceIdentifier": r.identifier},
	}
	if created != "" {
		out["CreatedBy"] = created
	}
	return out
}

func evaluationJSON(r modelRule, res Resource) map[string]any {
	out := map[string]any{
		"ComplianceType": StatusNonCompliant,
		"EvaluationResultIdentifier": map[string]any{
			"EvaluationResultQualifier": map[string]any{
				"ConfigRuleName": r.name, "ResourceType": res.Type, "ResourceId": res.ID, "EvaluationMode": "DETECTIVE",
			},
			"OrderingTimestamp": epoch(res.RecordedAt.Add(-2 * time.Minute)),
		},
		"ConfigRuleInvokedTime": epoch(res.RecordedAt.Add(-time.Minute)),
		"ResultRecordedTime":    epoch(res.RecordedAt),
	}
	if res.Annotation != "" {
		out["Annotation"] = res.Annotation
	}
	return out
}

func names(req map[string]any, key string) []string {
	var out []string
	if list, ok := req[key].([]any); ok {
		for _, n := range list {
			out = append(out, n.(string))
		}
	}
	return out
}

func pageStart(req map[string]any) int {
	tok, _ := req["NextToken"].(string)
	n, _ := strconv.Atoi(tok)
	return n
}

// serve starts the endpoint and returns a client reading it.
func (m *configModel) serve(t *testing.T) *Client {
	t.Helper()
	limit := func(op string, req map[string]any, max float64) {
		if l, ok := req["Limit"].(float64); ok && (l < 0 || l > max) {
			t.Errorf("%s: Limit %v outside 0-%v", op, l, max)
		}
	}
	few := func(op, key string, list []string, max int) {
		if len(list) > max {
			t.Errorf("%s: %d %s, the service takes at most %d", op, len(list), key, max)
		}
	}
	client, _ := newConfigServer(t, func(op string, req map[string]any) (int, any) {
		switch op {
		case "DescribeConformancePacks":
			limit(op, req, 20)
			var list []map[string]any
			for _, p := range m.packs {
				list = append(list, map[string]any{"ConformancePackName": p.name, "ConformancePackArn": p.arn,
					"ConformancePackId": p.id, "LastUpdateRequestedTime": epoch(p.updated), "ConformancePackInputParameters": []any{}})
			}
			return 200, map[string]any{"ConformancePackDetails": list}
		case "GetConformancePackComplianceSummary":
			limit(op, req, 20)
			packs := names(req, "ConformancePackNames")
			if len(packs) == 0 || len(packs) > 5 {
				t.Errorf("%s: %d pack names, the service takes 1-5", op, len(packs))
			}
			var list []map[string]any
			for _, n := range packs {
				list = append(list, map[string]any{"ConformancePackName": n, "ConformancePackComplianceStatus": m.packStatus(n)})
			}
			return 200, map[string]any{"ConformancePackComplianceSummaryList": list}
		case "DescribeConfigRules":
			want := names(req, "ConfigRuleNames")
			few(op, "ConfigRuleNames", want, 25)
			var list []map[string]any
			if len(want) > 0 {
				for _, n := range want {
					if r, ok := m.rule(n); ok {
						list = append(list, m.ruleJSON(*r))
					}
				}
				return 200, map[string]any{"ConfigRules": list}
			}
			all := m.sortedRuleNames()
			start := pageStart(req)
			end := min(start+25, len(all))
			for _, n := range all[start:end] {
				r, _ := m.rule(n)
				list = append(list, m.ruleJSON(*r))
			}
			out := map[string]any{"ConfigRules": list}
			if end < len(all) {
				out["NextToken"] = strconv.Itoa(end)
			}
			return 200, out
		case "DescribeConformancePackCompliance":
			limit(op, req, 1000)
			pack := req["ConformancePackName"].(string)
			list := []map[string]any{}
			for _, r := range m.rules {
				if r.pack == pack {
					list = append(list, map[string]any{"ConfigRuleName": r.name, "ComplianceType": r.status, "Controls": []any{}})
				}
			}
			return 200, map[string]any{"ConformancePackName": pack, "ConformancePackRuleComplianceList": list}
		case "DescribeComplianceByConfigRule":
			want := names(req, "ConfigRuleNames")
			few(op, "ConfigRuleNames", want, 25)
			list := []map[string]any{}
			for _, n := range want {
				r, ok := m.rule(n)
				if !ok || r.status == StatusInsufficientData {
					continue
				}
				list = append(list, map[string]any{"ConfigRuleName": n, "Compliance": map[string]any{
					"ComplianceType": r.status, "ComplianceContributorCount": map[string]any{"CappedCount": len(r.resources), "CapExceeded": false}}})
			}
			return 200, map[string]any{"ComplianceByConfigRules": list}
		case "DescribeConfigRuleEvaluationStatus":
			limit(op, req, 50)
			want := names(req, "ConfigRuleNames")
			few(op, "ConfigRuleNames", want, 25)
			list := []map[string]any{}
			for _, n := range want {
				r, ok := m.rule(n)
				if !ok {
					continue
				}
				st := map[string]any{"ConfigRuleName": r.name, "ConfigRuleId": r.id,
					"ConfigRuleArn": "arn:aws:config:" + m.region + ":" + m.account + ":config-rule/" + r.id, "FirstEvaluationStarted": true}
				if !r.evaluated.IsZero() {
					st["LastSuccessfulEvaluationTime"] = epoch(r.evaluated)
					st["LastSuccessfulInvocationTime"] = epoch(r.evaluated.Add(-time.Minute))
				}
				list = append(list, st)
			}
			return 200, map[string]any{"ConfigRulesEvaluationStatus": list}
		case "GetConformancePackComplianceDetails":
			limit(op, req, 100)
			filters, _ := req["Filters"].(map[string]any)
			rulesWanted := names(filters, "ConfigRuleNames")
			few(op, "Filters.ConfigRuleNames", rulesWanted, 10)
			if filters["ComplianceType"] != StatusNonCompliant || len(rulesWanted) != 1 {
				t.Errorf("%s: filters %v, want one rule and NON_COMPLIANT", op, filters)
			}
			r, ok := m.rule(rulesWanted[0])
			if !ok || r.pack != req["ConformancePackName"] {
				return apiError("NoSuchConfigRuleInConformancePackException", "no such rule in the pack")
			}
			return 200, m.page(req, r, "ConformancePackRuleEvaluationResults", map[string]any{"ConformancePackName": r.pack})
		case "GetComplianceDetailsByConfigRule":
			limit(op, req, 100)
			r, ok := m.rule(req["ConfigRuleName"].(string))
			if !ok {
				return apiError("NoSuchConfigRuleException", "no such rule")
			}
			if types := names(req, "ComplianceTypes"); len(types) != 1 || types[0] != StatusNonCompliant {
				t.Errorf("%s: ComplianceTypes %v, want NON_COMPLIANT", op, types)
			}
			return 200, m.page(req, r, "EvaluationResults", map[string]any{})
		}
		t.Errorf("unexpected operation %s", op)
		return apiError("InvalidActionException", op)
	})
	return client
}

// page serves a rule's non-compliant resources in pages of Limit.
func (m *configModel) page(req map[string]any, r *modelRule, key string, out map[string]any) map[string]any {
	size := 100
	if l, ok := req["Limit"].(float64); ok && l > 0 {
		size = int(l)
	}
	start := pageStart(req)
	end := min(start+size, len(r.resources))
	list := []map[string]any{}
	for _, res := range r.resources[start:end] {
		list = append(list, evaluationJSON(*r, res))
	}
	out[key] = list
	if end < len(r.resources) {
		out["NextToken"] = strconv.Itoa(end)
	}
	return out
}
