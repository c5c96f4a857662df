package compliance

import (
	"context"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// FindingKind is a kind of finding secops gathers (its scanners, imported
// reports, GuardDuty through Security Hub) that gives evidence for ISMS-P
// controls. Controls come from prowler's ISMS-P 2023 file, through the
// prowler checks that test the same thing (Evidence), the way the Config
// rule mapping's prowler-crosswalk pairs were made.
type FindingKind struct {
	Key      string
	TitleEn  string
	TitleKo  string
	Query    findings.Query
	Controls []string
	Basis    string
	Evidence []string
	// Command lists the kind's open findings at HIGH and above.
	Command string
}

// openFinding keeps what needs action: active and not triaged away.
func openFinding(q findings.Query) findings.Query {
	q.RecordState = findings.RecordActive
	q.Statuses = []string{findings.WorkflowNew, findings.WorkflowNotified}
	return q
}

// FindingKinds are the findings an ISMS-P snapshot reads. Open findings at
// HIGH or CRITICAL count as failing evidence for the kind's controls, as
// prowler's guardduty_no_high_severity_findings and
// inspector2_active_findings_exist fail them.
var FindingKinds = []FindingKind{
	{
		Key: "vulnerabilities", TitleEn: "Vulnerabilities (dependencies, images, code, web)", TitleKo: "취약점 (의존성, 이미지, 코드, 웹)",
		Query:    openFinding(findings.Query{TypePrefix: "Software and Configuration Checks/Vulnerabilities"}),
		Controls: []string{"2.10.1", "2.10.2", "2.11.2"},
		Basis:    "prowler-crosswalk",
		Evidence: []string{"prowler:ecr_repositories_scan_vulnerabilities_in_latest_image", "prowler:inspector2_active_findings_exist"},
		Command:  "secops findings --min-severity HIGH --status NEW,NOTIFIED --type 'Software and Configuration Checks/Vulnerabilities'",
	},
	{
		Key: "secrets", TitleEn: "Secrets in code and configuration", TitleKo: "코드·설정 내 비밀정보",
		Query:    openFinding(findings.Query{TypePrefix: "Sensitive Data Identifications/Passwords"}),
		Controls: []string{"2.7.1", "2.10.2"},
		Basis:    "prowler-crosswalk",
		Evidence: []string{"prowler:awslambda_function_no_secrets_in_code", "prowler:ec2_instance_secrets_user_data", "prowler:ecs_task_definitions_no_environment_secrets"},
		Command:  "secops findings --min-severity HIGH --status NEW,NOTIFIED --type 'Sensitive Data Identifications/Passwords'",
	},
	{
		Key: "threats", TitleEn: "GuardDuty threat detections", TitleKo: "GuardDuty 위협 탐지",
		Query:    openFinding(findings.Query{Product: "GuardDuty"}),
		Controls: []string{"2.10.1", "2.10.2", "2.11.3"},
		Basis:    "prowler-crosswalk",
		Evidence: []string{"prowler:guardduty_no_high_severity_findings"},
		Command:  "secops findings --min-severity HIGH --status NEW,NOTIFIED --product GuardDuty",
	},
}

// findingKind looks a kind up by key.
func findingKind(key string) (FindingKind, bool) {
	for _, k := range FindingKinds {
		if k.Key == key {
			return k, true
		}
	}
	return FindingKind{}, false
}

// FindingsReader is the part of a findings store a snapshot reads.
type FindingsReader interface {
	Backend() string
	Query(ctx context.Context, q findings.Query) ([]findings.Finding, error)
}

// FindingsSummary is what a snapshot keeps of the open findings: counts
// per kind and severity, and the most severe few of each kind.
type FindingsSummary struct {
	Backend string         `json:"backend"`
	ReadAt  time.Time      `json:"readAt"`
	Error   string         `json:"error,omitempty"`
	Kinds   []FindingGroup `json:"kinds"`
}

// FindingGroup is one kind's open findings.
type FindingGroup struct {
	Kind       string         `json:"kind"`
	Controls   []string       `json:"controls"`
	Open       int            `json:"open"`
	BySeverity map[string]int `json:"bySeverity"`
	Products   map[string]int `json:"products"`
	Top        []FindingRef   `json:"top"`
}

// FindingRef is one finding as a report lists it.
type FindingRef struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Severity  string `json:"severity"`
	Product   string `json:"product"`
	Resource  string `json:"resource,omitempty"`
	UpdatedAt string `json:"updatedAt,omitempty"`
}

// topFindings is how many findings of each kind a snapshot lists.
const topFindings = 10

// Failing reports whether the group holds open HIGH or CRITICAL findings.
func (g FindingGroup) Failing() bool {
	return g.BySeverity[findings.SeverityHigh]+g.BySeverity[findings.SeverityCritical] > 0
}

// SummariseFindings reads each FindingKind from r. A read that fails ends
// the summary with its error recorded, so a report can say why findings
// are missing instead of showing none.
func SummariseFindings(ctx context.Context, r FindingsReader, now time.Time) *FindingsSummary {
	sum := &FindingsSummary{Backend: r.Backend(), ReadAt: now.UTC().Truncate(time.Second), Kinds: []FindingGroup{}}
	for _, k := range FindingKinds {
		list, err := r.Query(ctx, k.Query)
		if err != nil {
			sum.Error = err.Error()
			sum.Kinds = []FindingGroup{}
			return sum
		}
		sum.Kinds = append(sum.Kinds, groupFindings(k, list))
	}
	return sum
}

func groupFindings(k FindingKind, list []findings.Finding) FindingGroup {
	g := FindingGroup{Kind: k.Key, Controls: append([]string(nil), k.Controls...), Open: len(list),
		BySeverity: map[string]int{}, Products: map[string]int{}, Top: []FindingRef{}}
	findings.SortFindings(list, findings.SortSeverity)
	for i := range list {
		f := &list[i]
		g.BySeverity[f.SeverityLabel()]++
		g.Products[f.ProductName]++
		if len(g.Top) < topFindings {
			ref := FindingRef{ID: f.Id, Title: f.Title, Severity: f.SeverityLabel(), Product: f.ProductName, UpdatedAt: f.UpdatedAt}
			if len(f.Resources) > 0 {
				ref.Resource = f.Resources[0].Id
			}
			g.Top = append(g.Top, ref)
		}
	}
	return g
}

// findingsForControl returns the groups that evidence a control.
func (s *FindingsSummary) findingsForControl(id string) []FindingGroup {
	if s == nil {
		return nil
	}
	var out []FindingGroup
	for _, g := range s.Kinds {
		// Controls come from the kind as secops knows it now, so a
		// snapshot taken before a mapping change reads the new way.
		controls := g.Controls
		if k, ok := findingKind(g.Kind); ok {
			controls = k.Controls
		}
		for _, c := range controls {
			if c == id {
				out = append(out, g)
				break
			}
		}
	}
	return out
}
