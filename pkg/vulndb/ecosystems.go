package vulndb

import (
	"strings"
)

// knownEcosystems are the ecosystem names of OSV's exports
// (<bucket>/ecosystems.txt), used to suggest a spelling when the bucket
// has no export for a name.
var knownEcosystems = []string{
	"AlmaLinux", "Alpaquita", "Alpine", "Android", "BellSoft Hardened Containers",
	"Bioconductor", "Bitnami", "CRAN", "Chainguard", "CleanStart", "ConanCenter",
	"Debian", "Echo", "GHC", "GIT", "GitHub Actions", "Go", "Hackage", "Hex",
	"Julia", "Linux", "Mageia", "Maven", "MinimOS", "NuGet", "OSS-Fuzz",
	"Packagist", "Photon OS", "Pub", "PyPI", "Red Hat", "Rocky Linux",
	"RubyGems", "SUSE", "SwiftURL", "Ubuntu", "VSCode", "Wolfi", "crates.io",
	"npm", "openEuler", "openSUSE",
}

// SuggestEcosystem returns the OSV spelling closest to eco (its release
// suffix kept: "debian:12" → "Debian:12"), or "" when none is close or eco
// is already spelled right.
func SuggestEcosystem(eco string) string {
	base, suffix := eco, ""
	if i := strings.IndexByte(eco, ':'); i >= 0 {
		base, suffix = eco[:i], eco[i:]
	}
	key := squash(base)
	best, bestDist := "", 3
	for _, k := range knownEcosystems {
		if k == base {
			return ""
		}
		kk := squash(k)
		if kk == key || strings.TrimSuffix(kk, "io") == key {
			return k + suffix
		}
		if d := editDistance(kk, key); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" || bestDist > len(key)/3 {
		return ""
	}
	return best + suffix
}

// squash lower-cases a name and drops separators: "Red Hat", "redhat" and
// "red-hat" squash alike.
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == ' ' || r == '-' || r == '_' || r == '.' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
