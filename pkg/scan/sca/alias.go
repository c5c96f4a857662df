package sca

import (
	"sort"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/vulndb"
)

// matchGroup is the advisories of one bug for one package: the records
// that alias each other (GHSA, CVE, PYSEC, GO, … ids of the same
// vulnerability). They make one finding, as osv-scanner groups them.
type matchGroup struct {
	vulndb.Match          // the representative record: its id names the finding
	related      []string // every other id and alias of the group, sorted
	rated        *vulndb.Vulnerability
}

// groupAliases merges the matches of one package whose ids or aliases
// overlap, directly or through a shared alias. The representative is the
// first id in representativeLess order, so the finding Id does not change
// when a record's severity does; the finding carries the highest severity
// any record of the group gives.
func groupAliases(ms []vulndb.Match, ecosystem, name string) []matchGroup {
	parent := make([]int, len(ms))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, m := range ms {
		for _, id := range append([]string{m.Vuln.ID}, m.Vuln.Aliases...) {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	members := map[int][]int{}
	var roots []int
	for i := range ms {
		r := find(i)
		if _, ok := members[r]; !ok {
			roots = append(roots, r)
		}
		members[r] = append(members[r], i)
	}
	out := make([]matchGroup, 0, len(roots))
	for _, r := range roots {
		idx := members[r]
		rep := idx[0]
		for _, i := range idx[1:] {
			if representativeLess(ms[i].Vuln.ID, ms[rep].Vuln.ID) {
				rep = i
			}
		}
		g := matchGroup{Match: ms[rep], rated: ms[rep].Vuln}
		best := -1
		if rt := ms[rep].Vuln.Rate(ecosystem, name); rt.Source != "" {
			best = findings.SeverityRank(rt.Label)
		}
		ids := map[string]bool{}
		for _, i := range idx {
			v := ms[i].Vuln
			for _, id := range append([]string{v.ID}, v.Aliases...) {
				if id = strings.TrimSpace(id); id != "" && id != ms[rep].Vuln.ID {
					ids[id] = true
				}
			}
			if g.Fixed == "" {
				g.Fixed = ms[i].Fixed
			}
			// A record without any severity data is rated MEDIUM by
			// default; only rated records may raise the group's severity.
			if rt := v.Rate(ecosystem, name); rt.Source != "" && findings.SeverityRank(rt.Label) > best {
				best = findings.SeverityRank(rt.Label)
				g.rated = v
			}
		}
		for id := range ids {
			g.related = append(g.related, id)
		}
		sort.Strings(g.related)
		out = append(out, g)
	}
	return out
}

// representativeLess orders the ids of one group: ecosystem advisories
// (GHSA, GO, PYSEC, RUSTSEC, …) before bare CVE records, then by id.
func representativeLess(a, b string) bool {
	ca, cb := strings.HasPrefix(a, "CVE-"), strings.HasPrefix(b, "CVE-")
	if ca != cb {
		return cb
	}
	return a < b
}
