package compliance

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
)

func TestISMSPFromRecordedConfig(t *testing.T) {
	c := newRecordedConfig(t, "ismsp")
	rep, err := c.ISMSP(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Worked out by hand from the recorded responses and the mapping.
	want := map[string]string{
		"1.2.1": "COMPLIANT", // association check COMPLIANT, EC2_INSTANCE_MANAGED_BY_SSM not deployed
		"2.1.3": "COMPLIANT", // stopped-instance COMPLIANT, volume-inuse INSUFFICIENT_DATA
		"2.3.3": "NON_COMPLIANT",
		"2.5.1": "COMPLIANT", // iam-policy-in-use (outside packs)
		"2.5.2": "NOT_DEPLOYED", "2.5.3": "NOT_DEPLOYED",
		"2.5.4": "NON_COMPLIANT", // the pack's password policy rule fails although Security Hub's passes
		"2.5.5": "COMPLIANT", "2.5.6": "COMPLIANT",
		"2.6.1": "NOT_DEPLOYED", "2.6.2": "NOT_DEPLOYED", "2.6.4": "NOT_DEPLOYED", "2.6.6": "NOT_DEPLOYED",
		"2.6.7": "INSUFFICIENT_DATA",
		"2.7.1": "COMPLIANT", "2.7.2": "NOT_DEPLOYED",
		"2.8.5": "COMPLIANT", "2.8.6": "COMPLIANT",
		"2.9.1": "NOT_DEPLOYED", "2.9.2": "NOT_DEPLOYED", "2.9.3": "NOT_DEPLOYED",
		"2.9.4": "NON_COMPLIANT", "2.9.7": "INSUFFICIENT_DATA",
		"2.10.1": "NON_COMPLIANT",
		"2.10.2": "PARTIAL", // 3 rules COMPLIANT, 2 NON_COMPLIANT
		"2.10.5": "NOT_DEPLOYED", "2.10.8": "NOT_DEPLOYED",
		"2.10.9": "INSUFFICIENT_DATA", // GuardDuty rule deployed, Config has no result yet
		"2.11.1": "COMPLIANT", "2.11.2": "NOT_DEPLOYED", "2.11.3": "NON_COMPLIANT",
		"2.12.1": "NOT_DEPLOYED",
	}
	var order []string
	manual := 0
	for _, c := range rep.Controls {
		order = append(order, c.ID)
		if w, ok := want[c.ID]; ok {
			if c.Status != w || !c.Automated {
				t.Errorf("control %s: %s, want %s (evidence %+v)", c.ID, c.Status, w, c.Evidence)
			}
			continue
		}
		// Every other control has no Config rule: it needs manual evidence.
		if c.Status != StatusManual || c.Automated || len(c.Evidence) != 0 {
			t.Errorf("control %s: %s, want MANUAL", c.ID, c.Status)
		}
		manual++
	}
	if len(order) != 101 || order[0] != "1.1.1" || order[100] != "3.5.3" || manual != 69 {
		t.Errorf("%d controls (%s … %s), %d manual; want all 101, 69 manual", len(order), order[0], order[len(order)-1], manual)
	}
	for i := 1; i < len(order); i++ {
		if !lessID(order[i-1], order[i]) {
			t.Errorf("controls not in numeric order: %s before %s", order[i-1], order[i])
		}
	}
	// 2.10.2 has compliant and non-compliant rules: PARTIAL.
	wantSummary := StatusCounts{Compliant: 9, Partial: 1, NonCompliant: 5, InsufficientData: 3, NotDeployed: 14, Manual: 69}
	if rep.Summary != wantSummary {
		t.Errorf("summary %+v, want %+v", rep.Summary, wantSummary)
	}
	scores := map[string]string{}
	for _, d := range rep.Domains {
		scores[d.ID] = ScoreText(d.Score)
		for _, s := range d.Subdomains {
			scores[s.ID] = ScoreText(s.Score)
		}
	}
	wantScores := map[string]string{
		"1": "100%", "2": "57%", "3": "-", // 2: 8 of 14 judged controls
		"1.1": "-", "1.2": "100%", "2.1": "100%", "2.2": "-", "2.3": "0%", "2.5": "75%", "2.6": "-", "2.7": "100%",
		"2.8": "100%", "2.9": "0%", "2.10": "0%", "2.11": "50%", "2.12": "-", "3.5": "-",
	}
	for d, s := range wantScores {
		if scores[d] != s {
			t.Errorf("domain %s score %s, want %s", d, scores[d], s)
		}
	}
	var packs []string
	for _, p := range rep.Source.Packs {
		packs = append(packs, p.Name)
	}
	if len(packs) != 6 || !strings.Contains(strings.Join(packs, ","), "Operational-Best-Practices-for-KISMS") || rep.Source.Account != "123456789012" {
		t.Errorf("packs %v, account %q", packs, rep.Source.Account)
	}
	// 2.5.4's evidence names both deployed copies of IAM_PASSWORD_POLICY.
	c254, _ := rep.Control("2.5.4")
	ev := c254.Evidence[0]
	var deployed []string
	for _, d := range ev.DeployedRules {
		deployed = append(deployed, d.Name)
	}
	if ev.Identifier != "IAM_PASSWORD_POLICY" || ev.Status != StatusNonCompliant ||
		strings.Join(deployed, ",") != "iam-password-policy-conformance-pack-x7k2q9wmz,securityhub-iam-password-policy-3f9a1c" {
		t.Errorf("2.5.4 evidence: %+v", ev)
	}

	f := rep.Filter("2.5")
	if len(f.Controls) != 6 || len(f.Domains) != 1 || !f.Domains[0].Partial || len(f.Domains[0].Subdomains) != 1 || ScoreText(f.Domains[0].Subdomains[0].Score) != "75%" {
		t.Errorf("filter 2.5: %d controls, domains %+v", len(f.Controls), f.Domains)
	}
	if f := rep.Filter("2.1"); len(f.Controls) != 3 || f.Controls[0].ID != "2.1.1" || f.Controls[1].Status != StatusManual || f.Summary.Manual != 2 || f.Summary.Compliant != 1 {
		t.Errorf("filter 2.1: %+v", f.Summary)
	}
	if g := rep.Filter("2.10.2"); len(g.Controls) != 1 || len(g.Domains) != 1 || g.Domains[0].Subdomains[0].ID != "2.10" {
		t.Errorf("filter 2.10.2: %+v", g.Domains)
	}
	if g := rep.Filter("2"); len(g.Controls) != 64 || g.Domains[0].Partial || len(g.Domains[0].Subdomains) != 12 {
		t.Errorf("filter 2: %d controls", len(g.Controls))
	}
}

func TestResourcesByRuleRecorded(t *testing.T) {
	c := newRecordedConfig(t, "resources")
	got, err := c.Resources(context.Background(), ResourcesQuery{Rule: "cloud-trail-cloud-watch-logs-enabled-conformance-pack-x7k2q9wmz"})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range got {
		lines = append(lines, fmt.Sprintf("%s %s %s %q %s", r.Status, r.ResourceType, r.ResourceID, r.Annotation, r.RecordedAt.UTC().Format("2006-01-02T15:04:05Z")))
	}
	want := []string{
		`NON_COMPLIANT AWS::CloudTrail::Trail arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/management-events "The trail does not deliver logs to CloudWatch Logs." 2025-11-26T23:35:00Z`,
		`COMPLIANT AWS::CloudTrail::Trail arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/org-trail "" 2025-11-26T23:35:00Z`,
		`NON_COMPLIANT AWS::CloudTrail::Trail arn:aws:cloudtrail:ap-northeast-2:123456789012:trail/data-events "The trail does not deliver logs to CloudWatch Logs." 2025-11-26T23:36:00Z`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestResourcesByPackRecorded(t *testing.T) {
	c := newRecordedConfig(t, "packresources")
	got, err := c.Resources(context.Background(), ResourcesQuery{
		Rule: "iam-password-policy-conformance-pack-x7k2q9wmz", Pack: "Operational-Best-Practices-for-KISMS", Status: StatusNonCompliant,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ResourceType != "AWS::::Account" || got[0].ResourceID != "123456789012" ||
		got[0].Status != StatusNonCompliant || got[0].Annotation != "MinimumPasswordLength is 8, below 12." {
		t.Errorf("got %+v", got)
	}
}

// TestBatchingAndPaging checks the limits the service imposes: ≤ 5 pack
// names per summary call, ≤ 25 rule names per DescribeConfigRules and
// DescribeComplianceByConfigRule call, Limit 1000 for pack rules, and
// NextToken followed to the end.
func TestBatchingAndPaging(t *testing.T) {
	const packs, rules = 12, 60
	var summaryBatches, describeBatches []int
	handler := func(op string, req map[string]any) (int, any) {
		switch op {
		case "DescribeConformancePacks":
			if req["Limit"] != float64(20) {
				t.Errorf("DescribeConformancePacks Limit %v, want 20", req["Limit"])
			}
			start := 0
			if tok, ok := req["NextToken"].(string); ok {
				fmt.Sscanf(tok, "p%d", &start)
			}
			var details []map[string]any
			for i := start; i < min(start+5, packs); i++ {
				details = append(details, map[string]any{"ConformancePackName": fmt.Sprintf("pack-%02d", i)})
			}
			out := map[string]any{"ConformancePackDetails": details}
			if start+5 < packs {
				out["NextToken"] = fmt.Sprintf("p%d", start+5)
			}
			return 200, out
		case "GetConformancePackComplianceSummary":
			names := req["ConformancePackNames"].([]any)
			summaryBatches = append(summaryBatches, len(names))
			var list []map[string]any
			for _, n := range names {
				list = append(list, map[string]any{"ConformancePackName": n, "ConformancePackComplianceStatus": "COMPLIANT"})
			}
			return 200, map[string]any{"ConformancePackComplianceSummaryList": list}
		case "DescribeConformancePackCompliance":
			if req["Limit"] != float64(1000) || req["ConformancePackName"] != "big-pack" {
				t.Errorf("DescribeConformancePackCompliance %v", req)
			}
			if f, ok := req["Filters"]; ok {
				t.Errorf("INSUFFICIENT_DATA must be filtered locally, sent Filters %v", f)
			}
			var list []map[string]any
			for i := range rules {
				status := "COMPLIANT"
				if i%3 == 0 {
					status = "INSUFFICIENT_DATA"
				}
				list = append(list, map[string]any{"ConfigRuleName": fmt.Sprintf("rule-%02d", i), "ComplianceType": status})
			}
			return 200, map[string]any{"ConformancePackName": "big-pack", "ConformancePackRuleComplianceList": list}
		case "DescribeConfigRules":
			names := req["ConfigRuleNames"].([]any)
			describeBatches = append(describeBatches, len(names))
			var list []map[string]any
			for _, n := range names {
				list = append(list, map[string]any{"ConfigRuleName": n, "Source": map[string]any{"Owner": "AWS", "SourceIdentifier": "ID_" + n.(string)}})
			}
			return 200, map[string]any{"ConfigRules": list}
		case "DescribeComplianceByConfigRule":
			names := req["ConfigRuleNames"].([]any)
			describeBatches = append(describeBatches, -len(names))
			return 200, map[string]any{"ComplianceByConfigRules": []any{}}
		}
		return apiError("InvalidActionException", op)
	}
	c, _ := newConfigServer(t, handler)
	ctx := context.Background()
	got, err := c.Packs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != packs || got[11].Name != "pack-11" || got[11].Status != "COMPLIANT" {
		t.Errorf("packs: %d, last %+v", len(got), got[len(got)-1])
	}
	if fmt.Sprint(summaryBatches) != "[5 5 2]" {
		t.Errorf("summary batches %v, want [5 5 2]", summaryBatches)
	}
	rs, err := c.PackRules(ctx, "big-pack", StatusInsufficientData)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 20 || rs[0].Identifier != "ID_rule-00" || rs[0].Pack != "big-pack" {
		t.Errorf("pack rules: %d, first %+v", len(rs), rs[0])
	}
	if fmt.Sprint(describeBatches) != "[20]" {
		t.Errorf("DescribeConfigRules batches %v, want [20]", describeBatches)
	}
	describeBatches = nil
	names := make([]string, rules)
	for i := range names {
		names[i] = fmt.Sprintf("rule-%02d", i)
	}
	if _, err := c.ConfigRules(ctx, names); err != nil {
		t.Fatal(err)
	}
	status, err := c.RuleCompliance(ctx, names[:30])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(describeBatches) != "[25 25 10 -25 -5]" {
		t.Errorf("batches %v, want [25 25 10 -25 -5]", describeBatches)
	}
	if status["rule-29"] != StatusInsufficientData {
		t.Errorf("a rule without a result is %q, want INSUFFICIENT_DATA", status["rule-29"])
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	tests := []struct {
		name string
		code string
		call func(*Client) error
		want []string
	}{
		{"access denied", "AccessDeniedException", func(c *Client) error { _, err := c.Packs(context.Background()); return err },
			[]string{"access denied", "config:DescribeConformancePacks"}},
		{"no such pack", "NoSuchConformancePackException", func(c *Client) error {
			_, err := c.PackRules(context.Background(), "nope", "")
			return err
		}, []string{`conformance pack "nope" does not exist`, "secops compliance"}},
		{"no such rule", "NoSuchConfigRuleException", func(c *Client) error {
			_, err := c.Resources(context.Background(), ResourcesQuery{Rule: "nope"})
			return err
		}, []string{`config rule "nope" does not exist`, "secops compliance rules"}},
		{"expired token", "ExpiredTokenException", func(c *Client) error { _, err := c.ISMSP(context.Background()); return err },
			[]string{"credentials were rejected", "--profile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newConfigServer(t, func(op string, req map[string]any) (int, any) { return apiError(tt.code, "denied by test") })
			err := tt.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("no credentials", func(t *testing.T) {
		cfg := aws.Config{Region: "ap-northeast-2", RetryMaxAttempts: 1,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{}, errors.New("no credential source")
			})}
		c := New(configservice.NewFromConfig(cfg, func(o *configservice.Options) { o.BaseEndpoint = aws.String("http://127.0.0.1:1") }), cfg.Region)
		_, err := c.Packs(context.Background())
		if !errors.Is(err, ErrNoCredentials) {
			t.Fatalf("got %v, want ErrNoCredentials", err)
		}
	})
}

func TestResourcesQueryValidate(t *testing.T) {
	tests := []struct {
		q       ResourcesQuery
		wantErr string
	}{
		{ResourcesQuery{Rule: "r"}, ""},
		{ResourcesQuery{Rule: "r", Status: StatusNotApplicable}, ""},
		{ResourcesQuery{Rule: "r", Pack: "p", Status: StatusNonCompliant}, ""},
		{ResourcesQuery{Rule: "r", Pack: "p", Status: StatusNotApplicable}, "conformance packs report only COMPLIANT and NON_COMPLIANT results; leave out --pack"},
		{ResourcesQuery{Rule: "r", Status: StatusInsufficientData}, "cannot filter resources on INSUFFICIENT_DATA"},
		{ResourcesQuery{Rule: "r", Status: "BROKEN"}, `status "BROKEN": use COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE`},
	}
	for _, tt := range tests {
		err := tt.q.Validate()
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%+v: err = %v, want %q", tt.q, err, tt.wantErr)
		}
	}
	// Nothing is sent for a query Config would refuse.
	c := New(nil, "ap-northeast-2")
	if _, err := c.Resources(context.Background(), ResourcesQuery{Rule: "r", Pack: "p", Status: StatusNotApplicable}); err == nil {
		t.Error("Resources sent a pack query with NOT_APPLICABLE")
	}
}

// lessID orders dotted control ids numerically: 2.9.7 before 2.10.1.
func lessID(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(strings.TrimSpace(as[i]))
		y, erry := strconv.Atoi(strings.TrimSpace(bs[i]))
		if errx != nil || erry != nil {
			if as[i] != bs[i] {
				return as[i] < bs[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}
