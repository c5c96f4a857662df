package vulndb

import (
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"
)

// Version is a package version parsed with its ecosystem's own ordering.
// A zero Version (Parsed == nil) can only match through `versions` lists.
type Version struct {
	Raw       string
	Ecosystem string
	Parsed    semantic.Version
}

// ParseVersion parses version with the ordering of ecosystem (PEP 440 for
// PyPI, Maven's ComparableVersion, Gem::Version, SemVer for Go/npm/crates.io,
// dpkg and apk orderings, …). Go versions may carry go.mod's "v" prefix.
func ParseVersion(ecosystem, version string) Version {
	eco := BaseEcosystem(ecosystem)
	raw := version
	if eco == "Go" {
		version = strings.TrimPrefix(version, "v")
		raw = version
	}
	v := Version{Raw: raw, Ecosystem: eco}
	if p, err := semantic.Parse(version, eco); err == nil {
		v.Parsed = p
	}
	return v
}

// compare compares v with the event version s: -1, 0, +1. ok is false when
// s cannot be compared in v's ecosystem.
func (v Version) compare(s string) (int, bool) {
	if v.Parsed == nil {
		return 0, false
	}
	if v.Ecosystem == "Go" {
		s = strings.TrimPrefix(s, "v")
	}
	c, err := v.Parsed.CompareStr(s)
	if err != nil {
		return 0, false
	}
	return c, true
}

// BaseEcosystem drops a release suffix: "Debian:12" → "Debian".
func BaseEcosystem(ecosystem string) string {
	if i := strings.IndexByte(ecosystem, ':'); i >= 0 {
		return ecosystem[:i]
	}
	return ecosystem
}

// NormalizeName puts a package name into the form the index uses: PyPI
// names per PEP 503 (lower case, runs of -_. become -), Maven coordinates
// as group:artifact, Go module paths and other names unchanged but trimmed.
func NormalizeName(ecosystem, name string) string {
	name = strings.TrimSpace(name)
	switch BaseEcosystem(ecosystem) {
	case "PyPI":
		return normalizePyPI(name)
	case "Maven":
		return strings.ReplaceAll(name, "/", ":")
	case "Go":
		return strings.TrimSuffix(name, "/")
	}
	return name
}

func normalizePyPI(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// ecosystemMatches reports whether an advisory's affected ecosystem covers
// a package's ecosystem. "Debian:12" covers only "Debian:12"; an advisory
// or package ecosystem without a release ("Debian") covers every release.
func ecosystemMatches(affected, pkg string) bool {
	affected, pkg = releaseOf(affected), releaseOf(pkg)
	if affected == pkg {
		return true
	}
	if BaseEcosystem(affected) != BaseEcosystem(pkg) {
		return false
	}
	return !strings.Contains(affected, ":") || !strings.Contains(pkg, ":")
}

// releaseOf drops the ":LTS" that Ubuntu's advisories add to long-term
// releases ("Ubuntu:22.04:LTS"): an image's os-release says only "22.04".
// "Ubuntu:Pro:22.04:LTS" stays distinct: its fixes need Ubuntu Pro.
func releaseOf(ecosystem string) string {
	if BaseEcosystem(ecosystem) == "Ubuntu" {
		return strings.TrimSuffix(ecosystem, ":LTS")
	}
	return ecosystem
}

// covers reports whether this affected entry is about the named package.
func (a *Affected) covers(ecosystem, normName string) bool {
	return ecosystemMatches(a.Package.Ecosystem, ecosystem) &&
		NormalizeName(a.Package.Ecosystem, a.Package.Name) == normName
}

// Names reports whether the record has an affected entry for the package
// name in ecosystem, whatever the versions.
func (v *Vulnerability) Names(ecosystem, name string) bool {
	norm := NormalizeName(ecosystem, name)
	for i := range v.Affected {
		if v.Affected[i].covers(ecosystem, norm) {
			return true
		}
	}
	return false
}

// Affects reports whether version of the package name in ecosystem is
// affected by the record. Withdrawn records never match; GIT ranges are
// ignored; a version matches when it is listed in `versions` or inside an
// ECOSYSTEM or SEMVER range, compared with the ecosystem's own ordering.
func (v *Vulnerability) Affects(ecosystem, name string, version Version) bool {
	if v.IsWithdrawn() {
		return false
	}
	norm := NormalizeName(ecosystem, name)
	for i := range v.Affected {
		a := &v.Affected[i]
		if a.covers(ecosystem, norm) && a.affects(version) {
			return true
		}
	}
	return false
}

func (a *Affected) affects(v Version) bool {
	if slices.Contains(a.Versions, v.Raw) {
		return true
	}
	for i := range a.Ranges {
		r := &a.Ranges[i]
		if r.Type != RangeEcosystem && r.Type != RangeSemver {
			continue
		}
		if r.contains(v) {
			return true
		}
	}
	return false
}

type sortedEvent struct {
	kind    byte // 'i' introduced, 'f' fixed, 'l' last_affected, 'x' limit
	version string
	zero    bool
	cmp     int // compare(v, version)
}

// contains evaluates the range's events in version order, whatever order
// the record lists them in: an introduced at or below v turns the range on,
// a fixed or limit at or below v turns it off, a last_affected below v
// turns it off.
func (r *Range) contains(v Version) bool {
	if v.Parsed == nil {
		return false
	}
	events := make([]sortedEvent, 0, len(r.Events))
	for _, e := range r.Events {
		var se sortedEvent
		switch {
		case e.Introduced != "":
			se = sortedEvent{kind: 'i', version: e.Introduced, zero: e.Introduced == "0"}
		case e.Fixed != "":
			se = sortedEvent{kind: 'f', version: e.Fixed}
		case e.LastAffected != "":
			se = sortedEvent{kind: 'l', version: e.LastAffected}
		case e.Limit != "":
			if e.Limit == "*" {
				continue
			}
			se = sortedEvent{kind: 'x', version: e.Limit}
		default:
			continue
		}
		if se.zero {
			se.cmp = 1
		} else {
			c, ok := v.compare(se.version)
			if !ok {
				continue
			}
			se.cmp = c
		}
		events = append(events, se)
	}
	// Order the events by version. Comparing each event with v places it
	// below, at or above v; events below or at v are the ones that decide,
	// and among those the highest wins. Sort those by version between
	// themselves with the ecosystem's ordering.
	var decisive []sortedEvent
	for _, e := range events {
		switch e.kind {
		case 'i', 'f', 'x':
			if e.cmp >= 0 {
				decisive = append(decisive, e)
			}
		case 'l':
			if e.cmp > 0 {
				decisive = append(decisive, e)
			} else {
				// v ≤ last_affected: v is inside if an introduced at or
				// below v precedes it; record it as a no-op for ordering.
				continue
			}
		}
	}
	if len(decisive) == 0 {
		return false
	}
	eco := v.Ecosystem
	slices.SortStableFunc(decisive, func(a, b sortedEvent) int {
		return compareEventVersions(eco, a, b)
	})
	last := decisive[len(decisive)-1]
	if last.kind == 'i' {
		return true
	}
	// Several events may share the highest version (introduced X, fixed X):
	// a closing event at the same version wins.
	return false
}

// compareEventVersions orders two event versions within one ecosystem;
// introduced "0" is lowest. At equal versions an introduced sorts before a
// closing event, so the closing one decides.
func compareEventVersions(eco string, a, b sortedEvent) int {
	c := 0
	switch {
	case a.zero && b.zero:
		c = 0
	case a.zero:
		c = -1
	case b.zero:
		c = 1
	default:
		if r, ok := ParseVersion(eco, a.version).compare(b.version); ok {
			c = r
		}
	}
	if c != 0 {
		return c
	}
	rank := func(k byte) int {
		if k == 'i' {
			return 0
		}
		return 1
	}
	return rank(a.kind) - rank(b.kind)
}

// fixedFor returns the lowest fixed version of the ranges that contain
// version for the named package, or "".
func fixedFor(v *Vulnerability, ecosystem, name, version string) string {
	pv := ParseVersion(ecosystem, version)
	norm := NormalizeName(ecosystem, name)
	var best string
	for i := range v.Affected {
		a := &v.Affected[i]
		if !a.covers(ecosystem, norm) {
			continue
		}
		for j := range a.Ranges {
			r := &a.Ranges[j]
			if r.Type == RangeGit || !r.contains(pv) {
				continue
			}
			for _, e := range r.Events {
				if e.Fixed == "" {
					continue
				}
				c, ok := pv.compare(e.Fixed)
				if !ok || c >= 0 {
					continue // a fix at or below v is not the way out
				}
				if best == "" {
					best = e.Fixed
					continue
				}
				pb := ParseVersion(ecosystem, e.Fixed)
				if cb, ok := pb.compare(best); ok && cb < 0 {
					best = e.Fixed
				}
			}
		}
	}
	return best
}
