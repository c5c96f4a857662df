package compliance

import (
	"context"
	"sort"
	"strconv"
	"strings"
)

// ISMSPReport is where an account stands against ISMS-P: each control with
// automated evidence rolled up from its mapped Config rules, a score per
// domain, and the controls that need manual evidence.
type ISMSPReport struct {
	Framework string          `json:"framework"`
	Packs     []string        `json:"conformancePacks"`
	Summary   StatusCounts    `json:"summary"`
	Domains   []DomainScore   `json:"domains"`
	Controls  []ControlResult `json:"controls"`
	Manual    []ManualControl `json:"manualControls"`
}

// ControlResult is one control's roll-up.
type ControlResult struct {
	ID       string             `json:"id"`
	TitleEn  string             `json:"title"`
	TitleKo  string             `json:"titleKo"`
	Domain   string             `json:"domain"`
	Status   string             `json:"status"`
	Counts   StatusCounts       `json:"rules"`
	Evidence []RuleEvidenceItem `json:"evidence"`
}

// RuleEvidenceItem is one mapped rule of a control and what AWS Config says
// about it in this account.
type RuleEvidenceItem struct {
	Identifier    string   `json:"identifier"`
	Basis         string   `json:"basis"`
	Status        string   `json:"status"`
	DeployedRules []string `json:"deployedRules,omitempty"`
}

// StatusCounts counts states.
type StatusCounts struct {
	Compliant        int `json:"compliant"`
	NonCompliant     int `json:"nonCompliant"`
	InsufficientData int `json:"insufficientData"`
	NotDeployed      int `json:"notDeployed"`
	Manual           int `json:"manual,omitempty"`
}

func (c *StatusCounts) add(status string) {
	switch status {
	case StatusCompliant:
		c.Compliant++
	case StatusNonCompliant:
		c.NonCompliant++
	case StatusNotDeployed:
		c.NotDeployed++
	case StatusManual:
		c.Manual++
	default:
		c.InsufficientData++
	}
}

// DomainScore is a domain's share of compliant controls among the
// controls with a verdict (COMPLIANT or NON_COMPLIANT).
type DomainScore struct {
	Domain  string       `json:"domain"`
	TitleEn string       `json:"title"`
	TitleKo string       `json:"titleKo"`
	Counts  StatusCounts `json:"controls"`
	// Score is a percentage (0–100); nil when no control has a verdict.
	Score *float64 `json:"score"`
}

// ScoreText renders the score as "67%" or "-".
func (d DomainScore) ScoreText() string {
	if d.Score == nil {
		return "-"
	}
	return strconv.FormatFloat(*d.Score, 'f', 0, 64) + "%"
}

// ISMSP reads every rule in the Region and evaluates the embedded ISMS-P
// mapping against it.
func (c *Client) ISMSP(ctx context.Context) (*ISMSPReport, error) {
	m, err := LoadISMSP()
	if err != nil {
		return nil, err
	}
	rules, err := c.AllRules(ctx)
	if err != nil {
		return nil, err
	}
	return m.Evaluate(rules), nil
}

// Evaluate rolls deployed rule states up into the ISMS-P view. Deployed
// rules join the mapping on their Source.SourceIdentifier; several deployed
// rules with the same identifier (a pack's and Security Hub's) combine.
func (m *Mapping) Evaluate(deployed []RuleStatus) *ISMSPReport {
	byIdent := map[string][]RuleStatus{}
	packs := map[string]bool{}
	for _, r := range deployed {
		if r.Identifier != "" {
			byIdent[r.Identifier] = append(byIdent[r.Identifier], r)
		}
		if r.Pack != "" {
			packs[r.Pack] = true
		}
	}
	rep := &ISMSPReport{Framework: m.Framework.NameEn, Packs: sortedSet(packs)}
	domains := map[string]*DomainScore{}
	domain := func(id, en, ko string) *DomainScore {
		d := domains[id]
		if d == nil {
			d = &DomainScore{Domain: id}
			domains[id] = d
		}
		if d.TitleEn == "" {
			d.TitleEn, d.TitleKo = en, ko
		}
		return d
	}
	for _, c := range m.Controls {
		cr := ControlResult{ID: c.ID, TitleEn: c.TitleEn, TitleKo: c.TitleKo, Domain: c.Domain}
		for _, mr := range c.Rules {
			ev := RuleEvidenceItem{Identifier: mr.Identifier, Basis: mr.Basis}
			var states []string
			for _, d := range byIdent[mr.Identifier] {
				ev.DeployedRules = append(ev.DeployedRules, d.Name)
				states = append(states, d.Status)
			}
			ev.Status = combineRule(states)
			cr.Counts.add(ev.Status)
			cr.Evidence = append(cr.Evidence, ev)
		}
		cr.Status = rollUp(cr.Counts)
		rep.Controls = append(rep.Controls, cr)
		rep.Summary.add(cr.Status)
		domain(c.Domain, c.DomainEn, c.DomainKo).Counts.add(cr.Status)
	}
	for _, mc := range m.UnmappedControls {
		rep.Manual = append(rep.Manual, mc)
		rep.Summary.add(StatusManual)
		domain(mc.Domain, "", "").Counts.add(StatusManual)
	}
	for _, d := range domains {
		if d.TitleEn == "" {
			d.TitleEn, d.TitleKo = domainTitles[d.Domain][0], domainTitles[d.Domain][1]
		}
		if judged := d.Counts.Compliant + d.Counts.NonCompliant; judged > 0 {
			s := float64(d.Counts.Compliant) * 100 / float64(judged)
			d.Score = &s
		}
		rep.Domains = append(rep.Domains, *d)
	}
	sort.Slice(rep.Domains, func(i, j int) bool { return lessID(rep.Domains[i].Domain, rep.Domains[j].Domain) })
	sort.SliceStable(rep.Controls, func(i, j int) bool { return lessID(rep.Controls[i].ID, rep.Controls[j].ID) })
	sort.SliceStable(rep.Manual, func(i, j int) bool { return lessID(rep.Manual[i].ID, rep.Manual[j].ID) })
	return rep
}

// domainTitles name the ISMS-P 2023 domains that hold only manual controls
// in the mapping, so their rows are not blank (names as in prowler's
// kisa_isms_p_2023 files, the mapping's title source).
var domainTitles = map[string][2]string{
	"2.2": {"Human Resource Security", "인적 보안"},
	"2.4": {"Physical Security", "물리 보안"},
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

// rollUp is a control's state: NON_COMPLIANT if any mapped rule is;
// COMPLIANT if every evaluated rule is (and at least one was evaluated);
// INSUFFICIENT_DATA if rules are deployed but none has a verdict;
// NOT_DEPLOYED if none of its rules is in the account.
func rollUp(c StatusCounts) string {
	switch {
	case c.NonCompliant > 0:
		return StatusNonCompliant
	case c.Compliant > 0:
		return StatusCompliant
	case c.InsufficientData > 0:
		return StatusInsufficientData
	}
	return StatusNotDeployed
}

// Filter keeps the controls of one domain ("2.6") or one control
// ("2.6.1"), and the domain scores and manual controls that go with them.
func (r *ISMSPReport) Filter(prefix string) *ISMSPReport {
	if prefix == "" {
		return r
	}
	in := func(id string) bool { return id == prefix || strings.HasPrefix(id, prefix+".") }
	out := &ISMSPReport{Framework: r.Framework, Packs: r.Packs}
	for _, c := range r.Controls {
		if in(c.ID) {
			out.Controls = append(out.Controls, c)
			out.Summary.add(c.Status)
		}
	}
	for _, mc := range r.Manual {
		if in(mc.ID) {
			out.Manual = append(out.Manual, mc)
			out.Summary.add(StatusManual)
		}
	}
	for _, d := range r.Domains {
		if in(d.Domain) || strings.HasPrefix(prefix, d.Domain+".") {
			out.Domains = append(out.Domains, d)
		}
	}
	return out
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

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
