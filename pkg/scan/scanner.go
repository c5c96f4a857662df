package scan

import (
	"context"
	"fmt"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan/ignore"
)

// Scanner finds problems in a directory tree.
type Scanner interface {
	// Name is the short name users pick with --scanners: sca, secrets, sast.
	Name() string
	// GeneratorIds lists the GeneratorId values the scanner's findings
	// carry, so a complete scan can archive what it no longer reports.
	GeneratorIds() []string
	// Scan scans the tree at root. Files it cannot read are reported in
	// Result.Skipped, not as an error; an error means the scan as a whole
	// failed and nothing it found may archive older findings. The
	// findings returned belong to the caller, which completes them in
	// place: a scanner builds a new list for every scan.
	Scan(ctx context.Context, root string, prov findings.Provenance) (Result, error)
}

// Result is what one scanner found.
type Result struct {
	Findings []findings.Finding
	// Coverage says what the scanner examined. A scanner that examined
	// nothing (and found nothing) is reported as "nothing to scan", never
	// as "ok".
	Coverage Coverage
	// Skipped lists what the scanner passed over and why: malformed
	// lockfiles, binary or huge files, symlink loops, unreadable dirs.
	Skipped []Skipped
	// Warnings are things the user should know, such as an old database.
	Warnings []string
	// Notes say what the scanner left out on purpose, and how to bring it
	// in (vendored trees, a standard library of unknown version).
	Notes []string
	// Excluded are the paths left out because the user asked
	// (--skip-path): findings of earlier scans there are kept.
	Excluded []string
	// Incomplete is true when part of the target could not be scanned in a
	// way that makes missing findings meaningless (e.g. advisories could
	// not be fetched). Incomplete results never archive older findings.
	Incomplete bool
}

// SkipPaths are globs of paths, relative to the scan root, that a
// directory scan leaves out (--skip-path): "testdata" and "testdata/**"
// both leave out the directory and all below it.
type SkipPaths []string

// Match reports whether the slash path rel is left out.
func (s SkipPaths) Match(rel string) bool {
	for _, g := range s {
		if ignore.MatchGlob(g, rel) {
			return true
		}
	}
	return false
}

// Skipped is one path a scanner passed over.
type Skipped struct {
	Path   string
	Reason string
}

// Coverage is what a scanner examined: counts of things ("3 lockfiles",
// "1,204 packages"), and when it examined nothing, why and what to do.
type Coverage struct {
	Counts []Count
	// Hint explains an empty or partial coverage and what to do about it,
	// e.g. "gosec covers Go; add --semgrep-config for other languages".
	Hint string
}

// Count is one line item of a Coverage.
type Count struct {
	N    int
	Noun string // singular: "lockfile", "package", "page"
}

// Add appends n of noun.
func (c *Coverage) Add(n int, noun string) {
	c.Counts = append(c.Counts, Count{N: n, Noun: noun})
}

// Examined reports whether anything was examined.
func (c Coverage) Examined() bool {
	for _, n := range c.Counts {
		if n.N > 0 {
			return true
		}
	}
	return false
}

// String is "3 lockfiles, 1,204 packages".
func (c Coverage) String() string {
	parts := make([]string, 0, len(c.Counts))
	for _, n := range c.Counts {
		parts = append(parts, Plural(n.N, n.Noun))
	}
	return strings.Join(parts, ", ")
}

// Plural is "1 file", "2 files", "1,204 packages".
func Plural(n int, noun string) string {
	if n != 1 {
		switch {
		case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey"):
			noun = noun[:len(noun)-1] + "ies"
		case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "sh"), strings.HasSuffix(noun, "ch"):
			noun += "es"
		default:
			noun += "s"
		}
	}
	return Thousands(n) + " " + noun
}

// Thousands writes n with comma separators: 1,204.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
