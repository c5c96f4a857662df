package compliance

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Report identity, for readers of -o json and --report json.
const (
	ReportKind    = "secops/isms-p-report"
	ReportVersion = 1
)

// A control's state in a report, beyond the states AWS Config reports for
// rules: PARTIAL when some of its evidence passes and some fails, MANUAL
// when only a person can evidence it and nobody has recorded a verdict yet.
const StatusPartial = "PARTIAL"

// ControlStatuses lists every state a control can be in, worst first.
func ControlStatuses() []string {
	return []string{StatusNonCompliant, StatusPartial, StatusInsufficientData, StatusNotDeployed, StatusManual, StatusCompliant, StatusNotApplicable}
}

// Report is where an account stands against ISMS-P: all 101 controls with
// their status and the evidence behind it (AWS Config rules and the
// resources they found, secops findings, the manual checklist), scores per
// domain and subdomain, and what changed since an earlier snapshot. Every
// output format renders this one model.
type Report struct {
	Kind          string           `json:"kind"`
	SchemaVersion int              `json:"schemaVersion"`
	Framework     ReportFramework  `json:"framework"`
	GeneratedAt   time.Time        `json:"generatedAt"`
	Source        ReportSource     `json:"source"`
	Summary       StatusCounts     `json:"summary"`
	Score         *float64         `json:"score"`
	Domains       []DomainResult   `json:"domains"`
	Controls      []ControlResult  `json:"controls"`
	Findings      *FindingsSummary `json:"findings,omitempty"`
	Manual        *ManualSource    `json:"manual,omitempty"`
	Changes       *Diff            `json:"changes,omitempty"`
	Attribution   []Attribution    `json:"attribution"`
}

// ReportFramework names the control set and the mapping used.
type ReportFramework struct {
	ID             string `json:"id"`
	NameEn         string `json:"name"`
	NameKo         string `json:"nameKo"`
	Version        string `json:"version"`
	MappingVersion string `json:"mappingGenerated"`
	Pack           string `json:"basedOnConformancePack"`
}

// ReportSource says where the evidence came from.
type ReportSource struct {
	TakenAt   time.Time `json:"takenAt"`
	Account   string    `json:"account,omitempty"`
	Partition string    `json:"partition,omitempty"`
	Region    string    `json:"region"`
	Packs     []Pack    `json:"conformancePacks"`
	// Snapshot is the --from file the report was rendered from, if any.
	Snapshot string `json:"snapshotFile,omitempty"`
}

// ManualSource names the manual checklist merged into a report.
type ManualSource struct {
	File    string `json:"file"`
	Entries int    `json:"entries"`
}

// Attribution credits a source of the report's data.
type Attribution struct {
	What    string `json:"what"`
	Source  string `json:"source"`
	Licence string `json:"licence"`
}

// StatusCounts counts controls (or a control's rules) per state.
type StatusCounts struct {
	Compliant        int `json:"compliant"`
	Partial          int `json:"partial"`
	NonCompliant     int `json:"nonCompliant"`
	InsufficientData int `json:"insufficientData"`
	NotDeployed      int `json:"notDeployed"`
	Manual           int `json:"manual"`
	NotApplicable    int `json:"notApplicable"`
}

func (c *StatusCounts) add(status string) {
	switch status {
	case StatusCompliant:
		c.Compliant++
	case StatusPartial:
		c.Partial++
	case StatusNonCompliant:
		c.NonCompliant++
	case StatusNotDeployed:
		c.NotDeployed++
	case StatusManual:
		c.Manual++
	case StatusNotApplicable:
		c.NotApplicable++
	default:
		c.InsufficientData++
	}
}

// Of returns the count of one state.
func (c StatusCounts) Of(status string) int {
	switch status {
	case StatusCompliant:
		return c.Compliant
	case StatusPartial:
		return c.Partial
	case StatusNonCompliant:
		return c.NonCompliant
	case StatusNotDeployed:
		return c.NotDeployed
	case StatusManual:
		return c.Manual
	case StatusNotApplicable:
		return c.NotApplicable
	case StatusInsufficientData:
		return c.InsufficientData
	}
	return 0
}

// Total is the number of controls counted.
func (c StatusCounts) Total() int {
	return c.Compliant + c.Partial + c.NonCompliant + c.InsufficientData + c.NotDeployed + c.Manual + c.NotApplicable
}

// Judged is the number of controls with a verdict.
func (c StatusCounts) Judged() int { return c.Compliant + c.Partial + c.NonCompliant }

// score is the share of judged controls whose evidence all passes.
func (c StatusCounts) score() *float64 {
	if c.Judged() == 0 {
		return nil
	}
	s := float64(c.Compliant) * 100 / float64(c.Judged())
	return &s
}

// DomainResult is one of the three ISMS-P domains with its subdomains.
type DomainResult struct {
	ID         string            `json:"id"`
	TitleEn    string            `json:"title"`
	TitleKo    string            `json:"titleKo"`
	Counts     StatusCounts      `json:"controls"`
	Score      *float64          `json:"score"`
	Subdomains []SubdomainResult `json:"subdomains"`
	// Partial is set by Filter when only some subdomains are listed; the
	// counts still cover the whole domain.
	Partial bool `json:"partial,omitempty"`
}

// SubdomainResult is one subdomain (e.g. 2.5) and its score.
type SubdomainResult struct {
	ID      string       `json:"id"`
	TitleEn string       `json:"title"`
	TitleKo string       `json:"titleKo"`
	Counts  StatusCounts `json:"controls"`
	Score   *float64     `json:"score"`
}

// ScoreText renders a score as "67%", or "-" when nothing was judged.
func ScoreText(s *float64) string {
	if s == nil {
		return "-"
	}
	return strconv.FormatFloat(*s, 'f', 0, 64) + "%"
}

// ControlResult is one control: its status and everything behind it.
type ControlResult struct {
	ID        string `json:"id"`
	TitleEn   string `json:"title"`
	TitleKo   string `json:"titleKo"`
	Subdomain string `json:"subdomain"`
	Domain    string `json:"domain"`
	Status    string `json:"status"`
	// Automated is true when the mapping names AWS Config rules for it.
	Automated bool `json:"automated"`
	// SummaryEn/Ko paraphrase what the control asks (from the mapping).
	SummaryEn string `json:"summary,omitempty"`
	SummaryKo string `json:"summaryKo,omitempty"`
	// Rules counts the mapped rules per state.
	Rules StatusCounts `json:"rules"`
	// EvaluatedAt is the latest evaluation of any of its rules.
	EvaluatedAt time.Time         `json:"evaluatedAt,omitzero"`
	Evidence    []RuleEvidence    `json:"evidence"`
	Findings    []ControlFindings `json:"findings,omitempty"`
	Manual      *ManualEntry      `json:"manual,omitempty"`
}

// RuleEvidence is one mapped rule of a control and what AWS Config says
// about it.
type RuleEvidence struct {
	Identifier     string `json:"identifier"`
	ConfigRuleName string `json:"configRuleName"`
	Basis          string `json:"basis"`
	InPack         bool   `json:"inPack"`
	Status         string `json:"status"`
	// Description is the state the rule checks for.
	Description      string         `json:"description"`
	DeployedRules    []DeployedRule `json:"deployedRules,omitempty"`
	EvaluatedAt      time.Time      `json:"evaluatedAt,omitzero"`
	NonCompliant     []Resource     `json:"nonCompliantResources,omitempty"`
	MoreNonCompliant bool           `json:"moreNonCompliant,omitempty"`
}

// DeployedRule is a rule in the account that runs a mapped check.
type DeployedRule struct {
	Name          string    `json:"name"`
	Pack          string    `json:"pack,omitempty"`
	Status        string    `json:"status"`
	LastEvaluated time.Time `json:"lastEvaluated,omitzero"`
}

// ControlFindings are the open findings of one kind behind a control.
type ControlFindings struct {
	Kind       string         `json:"kind"`
	TitleEn    string         `json:"title"`
	TitleKo    string         `json:"titleKo"`
	Open       int            `json:"open"`
	BySeverity map[string]int `json:"bySeverity"`
	// Failing is true with open HIGH or CRITICAL findings.
	Failing bool         `json:"failing"`
	Top     []FindingRef `json:"top"`
}

// ReportOptions tune BuildReport.
type ReportOptions struct {
	// Manual is the team's checklist (--manual), or nil.
	Manual *Checklist
	// Previous is an earlier snapshot to compare with (--diff), or nil.
	Previous *Snapshot
	// SnapshotFile names the --from file in the report.
	SnapshotFile string
	// GeneratedAt stamps the report.
	GeneratedAt time.Time
}

// ISMSP reads every rule in the Region and evaluates the embedded ISMS-P
// mapping against it.
func (c *Client) ISMSP(ctx context.Context) (*Report, error) {
	s, err := c.Snapshot(ctx, SnapshotOptions{})
	if err != nil {
		return nil, err
	}
	return BuildReport(s, ReportOptions{GeneratedAt: s.TakenAt})
}

// BuildReport evaluates a snapshot against the embedded catalogue and
// mapping.
func BuildReport(s *Snapshot, o ReportOptions) (*Report, error) {
	cat, err := LoadCatalogue()
	if err != nil {
		return nil, err
	}
	m, err := LoadISMSP()
	if err != nil {
		return nil, err
	}
	return m.Evaluate(cat, s, o), nil
}

// Evaluate rolls a snapshot up into the ISMS-P view. Deployed rules join
// the mapping on their Source.SourceIdentifier; several deployed rules with
// the same identifier (a pack's and Security Hub's) combine, any
// NON_COMPLIANT one winning.
func (m *Mapping) Evaluate(cat *Catalogue, s *Snapshot, o ReportOptions) *Report {
	rep := &Report{
		Kind: ReportKind, SchemaVersion: ReportVersion,
		Framework: ReportFramework{
			ID: m.Framework.ID, NameEn: m.Framework.NameEn, NameKo: m.Framework.NameKo, Version: "2023",
			MappingVersion: m.Generated, Pack: m.ConformancePack.Title,
		},
		GeneratedAt: o.GeneratedAt.UTC(),
		Source: ReportSource{
			TakenAt: s.TakenAt, Account: s.Account, Partition: s.Partition, Region: s.Region,
			Packs: s.Packs, Snapshot: o.SnapshotFile,
		},
		Findings:    s.Findings,
		Attribution: attribution(cat, m),
	}
	if rep.Source.Packs == nil {
		rep.Source.Packs = []Pack{}
	}
	controls := m.evaluateControls(cat, s, o.Manual)
	for _, d := range cat.Domains {
		dr := DomainResult{ID: d.ID, TitleEn: d.TitleEn, TitleKo: d.TitleKo}
		for _, sd := range d.Subdomains {
			sr := SubdomainResult{ID: sd.ID, TitleEn: sd.TitleEn, TitleKo: sd.TitleKo}
			for _, e := range sd.Controls {
				cr := controls[e.ID]
				sr.Counts.add(cr.Status)
				dr.Counts.add(cr.Status)
				rep.Summary.add(cr.Status)
				rep.Controls = append(rep.Controls, cr)
			}
			sr.Score = sr.Counts.score()
			dr.Subdomains = append(dr.Subdomains, sr)
		}
		dr.Score = dr.Counts.score()
		rep.Domains = append(rep.Domains, dr)
	}
	rep.Score = rep.Summary.score()
	if o.Manual != nil {
		rep.Manual = &ManualSource{File: o.Manual.File, Entries: len(o.Manual.Controls)}
	}
	if o.Previous != nil {
		prev := m.Evaluate(cat, o.Previous, ReportOptions{Manual: o.Manual, GeneratedAt: o.GeneratedAt})
		rep.Changes = diffReports(m, prev, rep, o.Previous, s)
	}
	return rep
}

func (m *Mapping) evaluateControls(cat *Catalogue, s *Snapshot, manual *Checklist) map[string]ControlResult {
	byIdent := s.rulesByIdentifier()
	mapped := map[string]Control{}
	for _, c := range m.Controls {
		mapped[c.ID] = c
	}
	summaries := map[string][2]string{}
	for _, c := range m.UnmappedControls {
		summaries[c.ID] = [2]string{c.SummaryEn, c.SummaryKo}
	}
	out := map[string]ControlResult{}
	for _, e := range cat.Controls() {
		cr := ControlResult{
			ID: e.ID, TitleEn: e.TitleEn, TitleKo: e.TitleKo,
			Subdomain: SubdomainOf(e.ID), Domain: DomainOf(e.ID), Evidence: []RuleEvidence{},
		}
		cr.SummaryEn, cr.SummaryKo = summaries[e.ID][0], summaries[e.ID][1]
		var pass, fail int
		if mc, ok := mapped[e.ID]; ok {
			cr.Automated = true
			cr.SummaryEn, cr.SummaryKo = mc.SummaryEn, mc.SummaryKo
			for _, mr := range mc.Rules {
				ev := m.ruleEvidence(mr, byIdent[mr.Identifier])
				cr.Rules.add(ev.Status)
				if ev.EvaluatedAt.After(cr.EvaluatedAt) {
					cr.EvaluatedAt = ev.EvaluatedAt
				}
				cr.Evidence = append(cr.Evidence, ev)
			}
			pass, fail = cr.Rules.Compliant, cr.Rules.NonCompliant
		}
		for _, g := range s.Findings.findingsForControl(e.ID) {
			k, _ := findingKind(g.Kind)
			cf := ControlFindings{Kind: g.Kind, TitleEn: k.TitleEn, TitleKo: k.TitleKo, Open: g.Open,
				BySeverity: g.BySeverity, Failing: g.Failing(), Top: g.Top}
			if cf.Failing {
				fail++
			}
			cr.Findings = append(cr.Findings, cf)
		}
		if entry, ok := manual.entry(e.ID); ok {
			cr.Manual = &entry
			switch entry.Status {
			case ManualCompliant:
				pass++
			case ManualNonCompliant:
				fail++
			case ManualPartial:
				pass++
				fail++
			}
		}
		cr.Status = controlStatus(cr, pass, fail)
		out[e.ID] = cr
	}
	return out
}

// controlStatus rolls a control's evidence up: NOT_APPLICABLE when the
// team declared it out of scope; PARTIAL when some evidence passes and some
// fails; NON_COMPLIANT or COMPLIANT when it all fails or passes; without a
// verdict, INSUFFICIENT_DATA or NOT_DEPLOYED for a control with Config
// rules, MANUAL for one only a person can evidence.
func controlStatus(cr ControlResult, pass, fail int) string {
	switch {
	case cr.Manual != nil && cr.Manual.Status == ManualNotApplicable:
		return StatusNotApplicable
	case pass > 0 && fail > 0:
		return StatusPartial
	case fail > 0:
		return StatusNonCompliant
	case pass > 0:
		return StatusCompliant
	case !cr.Automated:
		return StatusManual
	case cr.Rules.InsufficientData > 0:
		return StatusInsufficientData
	}
	return StatusNotDeployed
}

func (m *Mapping) ruleEvidence(mr ControlRule, deployed []SnapshotRule) RuleEvidence {
	ev := RuleEvidence{Identifier: mr.Identifier, ConfigRuleName: mr.ConfigRuleName, Basis: mr.Basis, InPack: mr.InPack}
	if r, ok := m.Rule(mr.Identifier); ok {
		ev.Description = r.Description
	}
	var states []string
	for _, d := range deployed {
		ev.DeployedRules = append(ev.DeployedRules, DeployedRule{Name: d.Name, Pack: d.Pack, Status: d.Status, LastEvaluated: d.LastEvaluated})
		states = append(states, d.Status)
		if d.LastEvaluated.After(ev.EvaluatedAt) {
			ev.EvaluatedAt = d.LastEvaluated
		}
		for _, r := range d.NonCompliant {
			// Two deployed copies of a rule find the same resource: list it once.
			if !containsResource(ev.NonCompliant, r) {
				ev.NonCompliant = append(ev.NonCompliant, r)
			}
		}
		ev.MoreNonCompliant = ev.MoreNonCompliant || d.MoreNonCompliant
	}
	ev.Status = combineRule(states)
	return ev
}

func containsResource(list []Resource, r Resource) bool {
	for _, x := range list {
		if x.Type == r.Type && x.ID == r.ID {
			return true
		}
	}
	return false
}

// combineRule merges the states of the deployed rules sharing one
// identifier: any NON_COMPLIANT wins, then COMPLIANT, then no data.
func combineRule(states []string) string {
	if len(states) == 0 {
		return StatusNotDeployed
	}
	out := StatusInsufficientData
	for _, s := range states {
		switch s {
		case StatusNonCompliant:
			return StatusNonCompliant
		case StatusCompliant:
			out = StatusCompliant
		}
	}
	return out
}

func attribution(cat *Catalogue, m *Mapping) []Attribution {
	return []Attribution{
		{
			What:    "ISMS-P 2023 control ids, Korean and English titles, domains",
			Source:  cat.Source.Repo + " " + strings.Join(cat.Source.Paths, ", ") + " @ " + cat.Source.Commit,
			Licence: cat.Source.Licence,
		},
		{
			What:    "AWS Config rules of the " + m.ConformancePack.Title + " conformance pack",
			Source:  m.ConformancePack.Repo + " " + m.ConformancePack.Path + " @ " + m.ConformancePack.LastChangeCommit,
			Licence: "CC0-1.0",
		},
		{
			What:    "AWS's K-ISMS control ids per Config rule",
			Source:  "aws-cloudformation/aws-guard-rules-registry mappings/rule_set_k_isms.json",
			Licence: "Apache-2.0",
		},
		{
			What:    "Rule-to-control crosswalk through prowler checks (basis prowler-crosswalk); findings-to-control kinds",
			Source:  cat.Source.Repo + " prowler/compliance/aws/kisa_isms_p_2023_aws.json",
			Licence: cat.Source.Licence,
		},
	}
}

// Filter keeps the controls of one domain ("2"), subdomain ("2.6") or
// control ("2.6.1"), and the domain and subdomain rows that hold them.
// Summary and scores are left as they are for the rows kept.
func (r *Report) Filter(prefix string) *Report {
	if prefix == "" {
		return r
	}
	in := func(id string) bool { return id == prefix || strings.HasPrefix(id, prefix+".") }
	out := *r
	out.Controls, out.Domains, out.Summary = nil, nil, StatusCounts{}
	for _, c := range r.Controls {
		if in(c.ID) {
			out.Controls = append(out.Controls, c)
			out.Summary.add(c.Status)
		}
	}
	for _, d := range r.Domains {
		var subs []SubdomainResult
		for _, s := range d.Subdomains {
			if in(s.ID) || s.ID == SubdomainOf(prefix) {
				subs = append(subs, s)
			}
		}
		if len(subs) == 0 {
			continue
		}
		d.Partial = !in(d.ID)
		d.Subdomains = subs
		out.Domains = append(out.Domains, d)
	}
	out.Score = out.Summary.score()
	return &out
}

// EvidencePacks names the conformance packs whose rules give evidence for
// some control.
func (r *Report) EvidencePacks() []string {
	packs := map[string]bool{}
	for _, c := range r.Controls {
		for _, e := range c.Evidence {
			for _, d := range e.DeployedRules {
				if d.Pack != "" {
					packs[d.Pack] = true
				}
			}
		}
	}
	return sortedSet(packs)
}

// Control returns a control of the report by id.
func (r *Report) Control(id string) (ControlResult, bool) {
	for _, c := range r.Controls {
		if c.ID == id {
			return c, true
		}
	}
	return ControlResult{}, false
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
