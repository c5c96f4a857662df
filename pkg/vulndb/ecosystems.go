package vulndb

import (
	"strings"

	"github.com/secops-dev/secops/pkg/suggest"
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
		if d := suggest.Distance(kk, key); d < bestDist {
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
