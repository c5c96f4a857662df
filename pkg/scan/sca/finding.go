package sca

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/vulndb"
)

// VulnerabilityType is the ASFF type of every SCA finding.
const VulnerabilityType = "Software and Configuration Checks/Vulnerabilities/CVE"

// maxReferenceUrls bounds the links copied from an advisory.
const maxReferenceUrls = 20

// FieldVersionSource says where the version of a package that is not in a
// lockfile came from (the Go standard library's: a toolchain directive,
// --go-version, a binary's build info).
const FieldVersionSource = "secops/VersionSource"

// FindingContext says who reports the findings and what they are about.
type FindingContext struct {
	Generator string // default Generator ("secops/sca")
	Scanner   string // secops/Scanner; default Name ("sca")
	Target    string // secops/Target: the absolute root path or image reference
	Prov      findings.Provenance
	// Resource names the ASFF resource of a package. Default
	// ManifestResource.
	Resource func(Package) findings.Resource
	// Subject is the resource part of the finding Id (the version and the
	// advisory are the others). Default "<manifest>#<package>".
	Subject func(Package) string
}

// ManifestResource is the resource of a package found in a manifest:
// "Other" with Id "<manifest>#<package>@<version>".
func ManifestResource(p Package) findings.Resource {
	return findings.Resource{Type: "Other", Id: p.Path + "#" + p.Name + "@" + p.Version}
}

func (fc FindingContext) withDefaults() FindingContext {
	if fc.Generator == "" {
		fc.Generator = Generator
	}
	if fc.Scanner == "" {
		fc.Scanner = Name
	}
	if fc.Resource == nil {
		fc.Resource = ManifestResource
	}
	if fc.Subject == nil {
		fc.Subject = func(p Package) string { return p.Path + "#" + p.Name }
	}
	return fc
}

// MatchPackages looks every package up in src and returns one validated
// finding per package, version and advisory, sorted by resource and
// advisory.
func MatchPackages(ctx context.Context, src Source, pkgs []Package, fc FindingContext) ([]findings.Finding, []string, error) {
	fc = fc.withDefaults()

	// Query each distinct package version once.
	type key struct{ eco, name, version string }
	index := map[key]int{}
	var queries []vulndb.PackageQuery
	for _, p := range pkgs {
		k := key{p.Ecosystem, p.matchName(), p.matchVersion()}
		if _, ok := index[k]; !ok {
			index[k] = len(queries)
			queries = append(queries, vulndb.PackageQuery{Ecosystem: p.Ecosystem, Name: k.name, Version: k.version})
		}
	}
	matches, err := src.MatchAll(ctx, queries)
	if err != nil {
		return nil, nil, fmt.Errorf("sca: look up advisories: %w", err)
	}
	var out []findings.Finding
	var warnings []string
	if c, ok := src.(*vulndb.Client); ok {
		if ps := c.Problems(); len(ps) > 0 {
			warnings = append(warnings, fmt.Sprintf("OSV API: %d advisory record(s) could not be fetched and were left out (first: %s: %s)", len(ps), ps[0].Path, ps[0].Reason))
		}
	}
	// A package version installed at several places of one lockfile is
	// one finding with every line, the first as its location: the order
	// packages come out of a lockfile must not move it between scans.
	at := map[string]int{}
	lines := map[string][]int{}
	groups := make([][]matchGroup, len(queries))
	texts := advisoryTexts{}
	for _, p := range pkgs {
		qi := index[key{p.Ecosystem, p.matchName(), p.matchVersion()}]
		if groups[qi] == nil {
			groups[qi] = groupAliases(matches[qi], p.Ecosystem, p.matchName())
			rateFromAliases(ctx, src, groups[qi], p.Ecosystem, p.matchName())
		}
		for _, g := range groups[qi] {
			f := newFinding(p, g, fc, texts)
			if i, ok := at[f.Id]; ok {
				if i >= 0 {
					lines[f.Id] = addLines(lines[f.Id], p)
				}
				continue
			}
			if err := f.Validate(); err != nil {
				at[f.Id] = -1
				warnings = append(warnings, fmt.Sprintf("dropped an invalid finding for %s %s: %v", p.Name, g.Vuln.ID, err))
				continue
			}
			at[f.Id] = len(out)
			lines[f.Id] = addLines(nil, p)
			out = append(out, f)
		}
	}
	for id, ls := range lines {
		if len(ls) < 2 {
			continue
		}
		slices.Sort(ls)
		f := &out[at[id]]
		f.ProductFields[findings.FieldStartLine] = strconv.Itoa(ls[0])
		parts := make([]string, len(ls))
		for i, l := range ls {
			parts[i] = strconv.Itoa(l)
		}
		f.ProductFields[findings.FieldLines] = strings.Join(parts, ",")
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Resources[0].Id != b.Resources[0].Id {
			return a.Resources[0].Id < b.Resources[0].Id
		}
		return a.ProductFields[findings.FieldRuleID] < b.ProductFields[findings.FieldRuleID]
	})
	return out, warnings, nil
}

// addLines adds the lines of p to ls, once each.
func addLines(ls []int, p Package) []int {
	for _, l := range append([]int{p.Line}, p.Lines...) {
		if l > 0 && !slices.Contains(ls, l) {
			ls = append(ls, l)
		}
	}
	return ls
}

// recordSource is an advisory source that can read one record by id: the
// offline database can.
type recordSource interface {
	Record(ctx context.Context, ecosystem, id string) (*vulndb.Vulnerability, error)
}

// rateFromAliases gives a group that no matched record rates the severity
// of an alias the database holds (a PYSEC or GO record without a rating
// whose GHSA alias has a CVSS vector), when that alias is about the same
// package.
func rateFromAliases(ctx context.Context, src Source, groups []matchGroup, ecosystem, name string) {
	rs, ok := src.(recordSource)
	if !ok {
		return
	}
	for i := range groups {
		g := &groups[i]
		if g.rated.Rate(ecosystem, name).Source != "" {
			continue
		}
		best := -1
		for _, id := range g.related {
			v, err := rs.Record(ctx, ecosystem, id)
			if err != nil || !v.Names(ecosystem, name) {
				continue
			}
			if rt := v.Rate(ecosystem, name); rt.Source != "" && findings.SeverityRank(rt.Label) > best {
				best, g.rated = findings.SeverityRank(rt.Label), v
			}
		}
	}
}

// NewFinding builds the ASFF finding of one advisory affecting one package.
func NewFinding(p Package, m vulndb.Match, fc FindingContext) findings.Finding {
	return newFinding(p, matchGroup{Match: m, related: relatedIDs(m.Vuln), rated: m.Vuln}, fc, nil)
}

// advisoryText is what every finding of one advisory says alike.
type advisoryText struct {
	description string // empty when the record has no text of its own
	references  []string
	url         string
}

// advisoryTexts shares that text between the findings of one match: a
// scan of many lockfiles holds the same advisory's description hundreds
// of times otherwise.
type advisoryTexts map[*vulndb.Vulnerability]*advisoryText

func (t advisoryTexts) of(v *vulndb.Vulnerability) *advisoryText {
	if a := t[v]; a != nil {
		return a
	}
	a := &advisoryText{references: referenceURLs(v), url: osvURL(v.ID)}
	if d := recordDescription(v); d != "" {
		a.description = findings.Truncate(d, 1024)
	}
	if t != nil {
		t[v] = a
	}
	return a
}

// newFinding builds the finding of a group of aliased advisories: named by
// the representative, with the group's other ids as related
// vulnerabilities and the severity of its highest-rated record.
func newFinding(p Package, g matchGroup, fc FindingContext, texts advisoryTexts) findings.Finding {
	fc = fc.withDefaults()
	m := g.Match
	v := m.Vuln
	text := texts.of(v)
	desc := text.description
	if desc == "" {
		desc = findings.Truncate(fmt.Sprintf("%s affects %s %s (%s).", v.ID, p.Name, p.Version, p.Ecosystem), 1024)
	}
	res := fc.Resource(p)
	rating := g.rated.Rate(p.Ecosystem, p.matchName())
	shown := DisplayID(v)
	fix := "no fix published"
	if m.Fixed != "" {
		fix = "fixed in " + m.Fixed
	}
	f := findings.Finding{
		Id:          findings.NewID(fc.Generator, fc.Subject(p), p.Version, v.ID),
		GeneratorId: fc.Generator,
		Types:       []string{VulnerabilityType},
		Title:       findings.Truncate(fmt.Sprintf("%s: %s %s (%s)", shown, shortName(p), p.Version, fix), 256),
		Description: desc,
		SourceUrl:   text.url,
		Severity: &findings.Severity{
			Label:      rating.Label,
			Normalized: ptr(findings.NormalizedForLabel(rating.Label)),
			Original:   severityOriginal(rating),
		},
		Resources: []findings.Resource{res},
		ProductFields: map[string]string{
			findings.FieldPath:    p.Path,
			findings.FieldRuleID:  v.ID,
			findings.FieldTarget:  fc.Target,
			findings.FieldScanner: fc.Scanner,
		},
	}
	if rating.Source == "" {
		// Neither the advisory nor an alias of it in the database rates
		// it: say so rather than guess MEDIUM.
		f.Severity = findings.UnknownSeverity()
	}
	if p.Line > 0 {
		f.ProductFields[findings.FieldStartLine] = strconv.Itoa(p.Line)
	}
	if p.VersionSource != "" {
		f.ProductFields[FieldVersionSource] = p.VersionSource
	}
	rec := "Upgrade " + p.Name + " to " + m.Fixed + " or later."
	if m.Fixed == "" {
		rec = "No fixed version of " + p.Name + " is published: remove or replace it, or suppress " + v.ID + " with a reason and an expiry date."
	}
	f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{Text: findings.Truncate(rec, 512), Url: text.url}}

	fixAvail := "NO"
	if m.Fixed != "" {
		fixAvail = "YES"
	}
	vuln := findings.Vulnerability{
		Id:                     v.ID,
		RelatedVulnerabilities: g.related,
		VulnerablePackages: []findings.SoftwarePackage{{
			Name:            p.Name,
			Version:         p.Version,
			PackageManager:  p.Ecosystem,
			FilePath:        p.Path,
			Epoch:           p.Epoch,
			Architecture:    p.Arch,
			FixedInVersion:  m.Fixed,
			SourceLayerHash: p.LayerHash,
		}},
		Vendor: &findings.VulnerabilityVendor{
			Name:            "OSV",
			Url:             text.url,
			VendorSeverity:  g.rated.GHSASeverity(),
			VendorCreatedAt: asffTime(v.Published),
			VendorUpdatedAt: asffTime(v.Modified),
		},
		FixAvailable:  fixAvail,
		ReferenceUrls: text.references,
	}
	for _, sc := range rating.Scores {
		base := sc.Base
		vuln.Cvss = append(vuln.Cvss, findings.Cvss{Version: sc.Version, BaseScore: &base, BaseVector: sc.Vector, Source: "OSV"})
	}
	f.Vulnerabilities = []findings.Vulnerability{vuln}
	fc.Prov.Stamp(&f)
	return f
}

// DisplayID is the name a reader knows the advisory by: its CVE alias when
// it has one, else its own id.
func DisplayID(v *vulndb.Vulnerability) string {
	if strings.HasPrefix(v.ID, "CVE-") {
		return v.ID
	}
	for _, a := range v.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			return a
		}
	}
	return v.ID
}

func relatedIDs(v *vulndb.Vulnerability) []string {
	var out []string
	for _, a := range v.Aliases {
		if a != v.ID {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// shortName shortens Maven coordinates to the artifact for titles.
func shortName(p Package) string {
	if vulndb.BaseEcosystem(p.Ecosystem) == "Maven" {
		if i := strings.LastIndexByte(p.Name, ':'); i >= 0 {
			return p.Name[i+1:]
		}
	}
	return p.Name
}

// recordDescription is the advisory's summary and details, or "" when it
// has neither.
func recordDescription(v *vulndb.Vulnerability) string {
	var parts []string
	if s := strings.TrimSpace(v.Summary); s != "" {
		parts = append(parts, s)
	}
	if d := strings.TrimSpace(v.Details); d != "" && d != strings.TrimSpace(v.Summary) {
		parts = append(parts, d)
	}
	return strings.Join(parts, "\n\n")
}

func severityOriginal(r vulndb.Rating) string {
	switch {
	case strings.HasPrefix(r.Source, "CVSS_V"):
		for _, sc := range r.Scores {
			if "CVSS_V"+sc.Version[:1] == r.Source {
				return strconv.FormatFloat(sc.Base, 'f', 1, 64)
			}
		}
	case r.Source == "GHSA":
		return r.Label
	}
	return "UNKNOWN"
}

func referenceURLs(v *vulndb.Vulnerability) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range v.References {
		if r.URL == "" || seen[r.URL] {
			continue
		}
		seen[r.URL] = true
		out = append(out, r.URL)
		if len(out) == maxReferenceUrls {
			break
		}
	}
	return out
}

func osvURL(id string) string { return "https://osv.dev/vulnerability/" + id }

// asffTime keeps an RFC 3339 timestamp and drops anything else.
func asffTime(s string) string {
	if _, err := findings.ParseTime(s); err != nil {
		return ""
	}
	return s
}

func ptr[T any](v T) *T { return &v }
