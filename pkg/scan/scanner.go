package scan

import (
	"context"

	"github.com/secops-dev/secops/pkg/findings"
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
	// failed and nothing it found may archive older findings.
	Scan(ctx context.Context, root string, prov findings.Provenance) (Result, error)
}

// Result is what one scanner found.
type Result struct {
	Findings []findings.Finding
	// Skipped lists what the scanner passed over and why: malformed
	// lockfiles, binary or huge files, symlink loops, unreadable dirs.
	Skipped []Skipped
	// Warnings are things the user should know, such as an old database.
	Warnings []string
	// Incomplete is true when part of the target could not be scanned in a
	// way that makes missing findings meaningless (e.g. advisories could
	// not be fetched). Incomplete results never archive older findings.
	Incomplete bool
}

// Skipped is one path a scanner passed over.
type Skipped struct {
	Path   string
	Reason string
}
