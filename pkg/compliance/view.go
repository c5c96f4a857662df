package compliance

import (
	"fmt"
	"sort"
	"strings"
)

// The report documents (HTML, Markdown, Excel) share this presentation of
// a Report: words in the chosen language and evidence grouped for reading.
// It only picks, groups and words what the Report holds.

type view struct {
	L        labels
	Rep      *Report
	Packs    string
	Cards    []statusCard
	Chart    []chartRow
	Domains  []domainView
	Manual   []controlView
	Findings []findingKindView
}

type statusCard struct {
	Status, Text string
	Count        int
}

type chartRow struct {
	ID, Title string
	Domain    bool
	Score     string
	Total     int
	Segments  []chartSegment
}

type chartSegment struct {
	Status, Text string
	Count        int
	// X and Width are in thousandths of the bar.
	X, Width int
}

type domainView struct {
	ID, Title, Other string
	Score            string
	Counts           StatusCounts
	Subdomains       []subdomainView
	Controls         []controlView
}

type subdomainView struct {
	ID, Title string
	Score     string
	Counts    StatusCounts
}

type controlView struct {
	ID, Title, Other   string
	Subdomain          string
	Status, StatusText string
	Summary            string
	Automated          bool
	Rules              StatusCounts
	Failing            []ruleView
	Passing            []string
	NoData             []string
	NotDeployed        []string
	Findings           []findingView
	Manual             *ManualEntry
	ManualStatus       string
	Evaluated          string
	Hints              []Hint
}

type ruleView struct {
	Identifier, Basis, Description, DocURL string
	Deployed                               []string
	Evaluated                              string
	Resources                              []Resource
	More                                   int
	MoreKnown                              bool
}

type findingView struct {
	Title, Severities string
	Open              int
	Failing           bool
	Top               []FindingRef
}

type findingKindView struct {
	Key, Title, Controls, Severities, Products string
	Open                                       int
	Top                                        []FindingRef
}

// maxResourcesShown is how many non-compliant resources a document lists
// per rule; JSON has them all.
const maxResourcesShown = 20

func newView(rep *Report, lang string) *view {
	l := labelsFor(lang)
	v := &view{L: l, Rep: rep}
	var packs []string
	for _, p := range rep.Source.Packs {
		packs = append(packs, p.Name+" ("+p.Status+")")
	}
	v.Packs = strings.Join(packs, ", ")
	if v.Packs == "" {
		v.Packs = l.NoPacks
	}
	// Cards, legend and table columns follow the bars' order.
	for _, s := range chartOrder {
		v.Cards = append(v.Cards, statusCard{Status: s, Text: l.status(s), Count: rep.Summary.Of(s)})
	}
	controls := map[string][]controlView{}
	for _, c := range rep.Controls {
		cv := newControlView(c, l, rep)
		controls[c.Domain] = append(controls[c.Domain], cv)
		if c.Status == StatusManual || c.Manual != nil {
			v.Manual = append(v.Manual, cv)
		}
	}
	for _, d := range rep.Domains {
		dv := domainView{ID: d.ID, Title: l.title(d.TitleEn, d.TitleKo), Other: otherTitle(l, d.TitleEn, d.TitleKo),
			Score: ScoreText(d.Score), Counts: d.Counts, Controls: controls[d.ID]}
		v.Chart = append(v.Chart, newChartRow(d.ID, dv.Title, true, d.Score, d.Counts, l))
		for _, s := range d.Subdomains {
			title := l.title(s.TitleEn, s.TitleKo)
			dv.Subdomains = append(dv.Subdomains, subdomainView{ID: s.ID, Title: title, Score: ScoreText(s.Score), Counts: s.Counts})
			v.Chart = append(v.Chart, newChartRow(s.ID, title, false, s.Score, s.Counts, l))
		}
		v.Domains = append(v.Domains, dv)
	}
	if f := rep.Findings; f != nil {
		for _, g := range f.Kinds {
			k, _ := findingKind(g.Kind)
			v.Findings = append(v.Findings, findingKindView{Key: g.Kind, Title: l.title(k.TitleEn, k.TitleKo),
				Controls: strings.Join(k.Controls, ", "), Severities: severityList(g.BySeverity), Products: productList(g.Products),
				Open: g.Open, Top: g.Top})
		}
	}
	return v
}

func otherTitle(l labels, en, ko string) string {
	if l.Lang == LangKorean {
		return en
	}
	return ko
}

func newChartRow(id, title string, domain bool, score *float64, c StatusCounts, l labels) chartRow {
	r := chartRow{ID: id, Title: title, Domain: domain, Score: ScoreText(score), Total: c.Total()}
	if r.Total == 0 {
		return r
	}
	x := 0
	for i, s := range chartOrder {
		n := c.Of(s)
		if n == 0 {
			continue
		}
		w := n * 1000 / r.Total
		if i == len(chartOrder)-1 || x+w > 1000 {
			w = 1000 - x
		}
		r.Segments = append(r.Segments, chartSegment{Status: s, Text: l.status(s), Count: n, X: x, Width: w})
		x += w
	}
	// Rounding leaves the bar a little short: the last segment takes it.
	if n := len(r.Segments); n > 0 && x < 1000 {
		r.Segments[n-1].Width += 1000 - x
	}
	return r
}

// chartOrder stacks the bars from good to bad to undecided.
var chartOrder = []string{StatusCompliant, StatusPartial, StatusNonCompliant, StatusInsufficientData, StatusNotDeployed, StatusManual, StatusNotApplicable}

func newControlView(c ControlResult, l labels, rep *Report) controlView {
	cv := controlView{
		ID: c.ID, Title: l.title(c.TitleEn, c.TitleKo), Other: otherTitle(l, c.TitleEn, c.TitleKo), Subdomain: c.Subdomain,
		Status: c.Status, StatusText: l.status(c.Status), Summary: l.title(c.SummaryEn, c.SummaryKo), Automated: c.Automated,
		Rules: c.Rules, Manual: c.Manual, Hints: l.remediation(c, rep.GeneratedAt),
	}
	if !c.EvaluatedAt.IsZero() {
		cv.Evaluated = l.time(c.EvaluatedAt)
	}
	if c.Manual != nil {
		cv.ManualStatus = manualStatusText(l, c.Manual.Status)
	}
	for _, e := range c.Evidence {
		switch e.Status {
		case StatusNonCompliant:
			rv := ruleView{Identifier: e.Identifier, Basis: l.basis(e.Basis), Description: e.Description, DocURL: l.ruleDocURL(e.ConfigRuleName)}
			for _, d := range e.DeployedRules {
				rv.Deployed = append(rv.Deployed, d.Name)
			}
			if !e.EvaluatedAt.IsZero() {
				rv.Evaluated = l.time(e.EvaluatedAt)
			}
			rv.Resources = e.NonCompliant
			if len(rv.Resources) > maxResourcesShown {
				rv.More = len(rv.Resources) - maxResourcesShown
				rv.Resources = rv.Resources[:maxResourcesShown]
			}
			rv.MoreKnown = !e.MoreNonCompliant
			cv.Failing = append(cv.Failing, rv)
		case StatusCompliant:
			cv.Passing = append(cv.Passing, e.Identifier)
		case StatusInsufficientData:
			cv.NoData = append(cv.NoData, e.Identifier)
		default:
			cv.NotDeployed = append(cv.NotDeployed, e.Identifier)
		}
	}
	for _, g := range c.Findings {
		cv.Findings = append(cv.Findings, findingView{Title: l.title(g.TitleEn, g.TitleKo), Severities: severityList(g.BySeverity),
			Open: g.Open, Failing: g.Failing, Top: firstN(g.Top, 3)})
	}
	return cv
}

func firstN(list []FindingRef, n int) []FindingRef {
	if len(list) > n {
		return list[:n]
	}
	return list
}

func manualStatusText(l labels, s string) string {
	switch s {
	case ManualCompliant:
		return l.status(StatusCompliant)
	case ManualPartial:
		return l.status(StatusPartial)
	case ManualNonCompliant:
		return l.status(StatusNonCompliant)
	case ManualNotApplicable:
		return l.status(StatusNotApplicable)
	}
	if l.Lang == LangKorean {
		return "확인 중"
	}
	return "Pending"
}

// severityList is "2 CRITICAL, 5 HIGH, 1 MEDIUM", highest first.
func severityList(by map[string]int) string {
	return severityText(by)
}

// productList is "secops 12, Inspector 3", most first then by name.
func productList(by map[string]int) string {
	type pc struct {
		name string
		n    int
	}
	var list []pc
	for k, n := range by {
		list = append(list, pc{k, n})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].n != list[j].n {
			return list[i].n > list[j].n
		}
		return list[i].name < list[j].name
	})
	var parts []string
	for _, p := range list {
		name := p.name
		if name == "" {
			name = "?"
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, p.n))
	}
	return strings.Join(parts, ", ")
}
