package compliance

import (
	"fmt"
	"sort"
	"time"
)

// Diff is what changed between an earlier snapshot and this one: controls
// whose verdict got worse or better, controls that gained or lost their
// verdict, and the non-compliant resources that appeared or went away.
type Diff struct {
	Since     time.Time        `json:"since"`
	Warnings  []string         `json:"warnings,omitempty"`
	Regressed []ControlChange  `json:"regressed"`
	Improved  []ControlChange  `json:"improved"`
	Changed   []ControlChange  `json:"changed"`
	New       []ResourceChange `json:"newNonCompliantResources"`
	Resolved  []ResourceChange `json:"resolvedResources"`
	Unchanged int              `json:"unchangedControls"`
}

// ControlChange is one control's status then and now.
type ControlChange struct {
	ID      string `json:"id"`
	TitleEn string `json:"title"`
	TitleKo string `json:"titleKo"`
	From    string `json:"from"`
	To      string `json:"to"`
}

// ResourceChange is a resource a mapped rule found non-compliant in one
// snapshot and not in the other.
type ResourceChange struct {
	Identifier string   `json:"identifier"`
	Rule       string   `json:"rule"`
	Type       string   `json:"type"`
	ID         string   `json:"id"`
	Annotation string   `json:"annotation,omitempty"`
	RecordedAt string   `json:"recordedAt,omitempty"`
	Controls   []string `json:"controls"`
}

// verdictRank orders the states that are verdicts; the others are not
// better or worse than a verdict, only different.
var verdictRank = map[string]int{StatusNonCompliant: 0, StatusPartial: 1, StatusCompliant: 2}

func diffReports(m *Mapping, prev, cur *Report, old, now *Snapshot) *Diff {
	d := &Diff{Since: old.TakenAt, Regressed: []ControlChange{}, Improved: []ControlChange{}, Changed: []ControlChange{},
		New: []ResourceChange{}, Resolved: []ResourceChange{}}
	if old.Account != now.Account && old.Account != "" && now.Account != "" {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the earlier snapshot is of account %s, this one of %s", old.Account, now.Account))
	}
	if old.Region != now.Region {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the earlier snapshot is of Region %s, this one of %s", old.Region, now.Region))
	}
	if !old.TakenAt.Before(now.TakenAt) {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the earlier snapshot (%s) is not older than this one (%s)", old.TakenAt.Format(time.RFC3339), now.TakenAt.Format(time.RFC3339)))
	}
	before := map[string]string{}
	for _, c := range prev.Controls {
		before[c.ID] = c.Status
	}
	for _, c := range cur.Controls {
		from := before[c.ID]
		if from == c.Status {
			d.Unchanged++
			continue
		}
		ch := ControlChange{ID: c.ID, TitleEn: c.TitleEn, TitleKo: c.TitleKo, From: from, To: c.Status}
		rf, okf := verdictRank[from]
		rt, okt := verdictRank[c.Status]
		switch {
		case okf && okt && rt < rf:
			d.Regressed = append(d.Regressed, ch)
		case okf && okt && rt > rf:
			d.Improved = append(d.Improved, ch)
		default:
			d.Changed = append(d.Changed, ch)
		}
	}
	oldRes, newRes := m.nonCompliantResources(old), m.nonCompliantResources(now)
	for key, r := range newRes {
		if _, ok := oldRes[key]; !ok {
			d.New = append(d.New, r)
		}
	}
	for key, r := range oldRes {
		if _, ok := newRes[key]; !ok {
			d.Resolved = append(d.Resolved, r)
		}
	}
	for _, list := range []*[]ResourceChange{&d.New, &d.Resolved} {
		sort.Slice(*list, func(i, j int) bool {
			a, b := (*list)[i], (*list)[j]
			if a.Identifier != b.Identifier {
				return a.Identifier < b.Identifier
			}
			if a.Type != b.Type {
				return a.Type < b.Type
			}
			return a.ID < b.ID
		})
	}
	for _, r := range old.Rules {
		if r.MoreNonCompliant {
			d.Warnings = append(d.Warnings, fmt.Sprintf("rule %s had more than %d non-compliant resources in the earlier snapshot: the resolved list may be incomplete", r.Name, MaxResourcesPerRule))
		}
	}
	return d
}

// nonCompliantResources keys the non-compliant resources of mapped rules by
// what the rule checks (not its deployed name, which changes when a pack is
// deployed again), the resource type and id.
func (m *Mapping) nonCompliantResources(s *Snapshot) map[string]ResourceChange {
	out := map[string]ResourceChange{}
	for _, r := range s.Rules {
		rule, ok := m.Rule(r.Identifier)
		if !ok {
			continue
		}
		for _, x := range r.NonCompliant {
			key := r.Identifier + "\x00" + x.Type + "\x00" + x.ID
			if _, dup := out[key]; dup {
				continue
			}
			rc := ResourceChange{Identifier: r.Identifier, Rule: r.Name, Type: x.Type, ID: x.ID, Annotation: x.Annotation, Controls: rule.Controls}
			if !x.RecordedAt.IsZero() {
				rc.RecordedAt = x.RecordedAt.UTC().Format(time.RFC3339)
			}
			out[key] = rc
		}
	}
	return out
}
