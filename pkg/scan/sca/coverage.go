package sca

import (
	"fmt"
	"sort"
	"strings"

	"github.com/secops-dev/secops/pkg/vulndb"
)

// CoverageWarnings says which ecosystems of pkgs an offline database holds
// no advisories for: those packages were not checked at all, which must
// not read as "no vulnerabilities". The OSV API covers every ecosystem, so
// other sources give none.
func CoverageWarnings(src Source, pkgs []Package) ([]string, error) {
	db, ok := src.(*vulndb.DB)
	if !ok {
		return nil, nil
	}
	have, err := db.Ecosystems()
	if err != nil {
		return nil, fmt.Errorf("sca: %w", err)
	}
	held := map[string]bool{}
	for _, e := range have {
		held[e] = true
	}
	missing := map[string]int{}
	for _, p := range pkgs {
		if base := vulndb.BaseEcosystem(p.Ecosystem); !held[base] {
			missing[base]++
		}
	}
	names := make([]string, 0, len(missing))
	for e := range missing {
		names = append(names, e)
	}
	sort.Strings(names)
	var out []string
	for _, e := range names {
		arg := e
		if strings.ContainsAny(arg, " '") {
			arg = "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
		}
		out = append(out, fmt.Sprintf("vulnerability database %s has no advisories for %s: %d package(s) were not checked; run `secops db update --ecosystems %s`", db.Dir(), e, missing[e], arg))
	}
	return out, nil
}
