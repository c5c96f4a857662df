package sca

import (
	"context"
	"slices"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/vulndb"
)

// fixedSource answers every query with the same matches.
type fixedSource []vulndb.Match

func (s fixedSource) MatchAll(_ context.Context, qs []vulndb.PackageQuery) ([][]vulndb.Match, error) {
	out := make([][]vulndb.Match, len(qs))
	for i := range qs {
		out[i] = s
	}
	return out, nil
}

func rec(id, severity string, aliases ...string) *vulndb.Vulnerability {
	v := &vulndb.Vulnerability{ID: id, Modified: "2024-01-01T00:00:00Z", Aliases: aliases}
	if severity != "" {
		v.DatabaseSpecific = []byte(`{"severity":"` + severity + `"}`)
	}
	return v
}

// The same bug published under several ids (GHSA, CVE, PYSEC, GO) is one
// finding per package, as osv-scanner groups them: the ids that alias each
// other, directly or through a shared alias, make one finding carrying the
// others as related vulnerabilities and the highest severity among them.
func TestAliasesMakeOneFinding(t *testing.T) {
	tests := []struct {
		name    string
		matches []vulndb.Match
		want    map[string][]string // rule id -> related ids
		label   map[string]string   // rule id -> severity label
	}{
		{
			name: "GHSA and CVE alias each other",
			matches: []vulndb.Match{
				{Vuln: rec("GHSA-aaaa-bbbb-cccc", "MODERATE", "CVE-2021-23337"), Fixed: "4.17.21"},
				{Vuln: rec("CVE-2021-23337", "", "GHSA-aaaa-bbbb-cccc"), Fixed: "4.17.21"},
			},
			want:  map[string][]string{"GHSA-aaaa-bbbb-cccc": {"CVE-2021-23337"}},
			label: map[string]string{"GHSA-aaaa-bbbb-cccc": "MEDIUM"},
		},
		{
			name: "one-sided alias, highest severity kept",
			matches: []vulndb.Match{
				{Vuln: rec("PYSEC-2021-1", "", "GHSA-xxxx-yyyy-zzzz"), Fixed: "3.2.1"},
				{Vuln: rec("GHSA-xxxx-yyyy-zzzz", "HIGH", "CVE-2021-0001"), Fixed: "3.2.1"},
			},
			want:  map[string][]string{"GHSA-xxxx-yyyy-zzzz": {"CVE-2021-0001", "PYSEC-2021-1"}},
			label: map[string]string{"GHSA-xxxx-yyyy-zzzz": "HIGH"},
		},
		{
			name: "shared CVE alias groups transitively",
			matches: []vulndb.Match{
				{Vuln: rec("GO-2022-0001", "", "CVE-2022-1"), Fixed: "1.2.0"},
				{Vuln: rec("GHSA-gggg-hhhh-iiii", "CRITICAL", "CVE-2022-1"), Fixed: "1.2.0"},
				{Vuln: rec("GO-2023-0002", "LOW"), Fixed: "1.3.0"},
			},
			want: map[string][]string{
				"GHSA-gggg-hhhh-iiii": {"CVE-2022-1", "GO-2022-0001"},
				"GO-2023-0002":        nil,
			},
			label: map[string]string{"GHSA-gggg-hhhh-iiii": "CRITICAL", "GO-2023-0002": "LOW"},
		},
		{
			name: "unrelated advisories stay apart",
			matches: []vulndb.Match{
				{Vuln: rec("GHSA-1111-2222-3333", "HIGH"), Fixed: "1.0.1"},
				{Vuln: rec("GHSA-4444-5555-6666", "LOW"), Fixed: "1.0.2"},
			},
			want:  map[string][]string{"GHSA-1111-2222-3333": nil, "GHSA-4444-5555-6666": nil},
			label: map[string]string{"GHSA-1111-2222-3333": "HIGH", "GHSA-4444-5555-6666": "LOW"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkgs := []Package{{Ecosystem: "npm", Name: "lodash", Version: "4.17.20", Path: "package-lock.json", Line: 7}}
			fs, warns, err := MatchPackages(context.Background(), fixedSource(tc.matches), pkgs, FindingContext{Target: "/src"})
			if err != nil || len(warns) > 0 {
				t.Fatalf("MatchPackages: %v %v", err, warns)
			}
			got := map[string][]string{}
			for _, f := range fs {
				rule := f.ProductFields[findings.FieldRuleID]
				got[rule] = f.Vulnerabilities[0].RelatedVulnerabilities
				if f.Vulnerabilities[0].Id != rule {
					t.Errorf("%s: vulnerability id %s", rule, f.Vulnerabilities[0].Id)
				}
				if l := f.Severity.Label; l != tc.label[rule] {
					t.Errorf("%s: severity %s, want %s", rule, l, tc.label[rule])
				}
			}
			if len(got) != len(tc.want) || len(fs) != len(tc.want) {
				t.Fatalf("got findings %v, want %v", got, tc.want)
			}
			for id, rel := range tc.want {
				if g, ok := got[id]; !ok || !slices.Equal(g, rel) {
					t.Errorf("finding %s: related %v (present %v), want %v", id, g, ok, rel)
				}
			}
		})
	}
}
