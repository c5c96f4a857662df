package scan

import (
	"context"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/progress"
)

// Source is one kind of thing to scan: a directory (SCA, secrets, SAST),
// a container image, a running web application (the built-in DAST or
// ZAP), a SonarQube project. Every source goes through the same pipeline
// (Run): ignore file, store, stored workflow, gate.
type Source interface {
	// IgnoreDir is where the default ignore file (.secopsignore) is
	// looked for: a directory scan's root, "" (the working directory) for
	// the others.
	IgnoreDir() string
	// Scan runs the scan. An error means nothing was scanned at all; a
	// scanner that failed partway is reported in its Part, next to what
	// the others found.
	Scan(ctx context.Context, env Env) (*Scanned, error)
}

// Env is what every source gets from the pipeline.
type Env struct {
	// Provenance stamps the findings.
	Provenance findings.Provenance
	Progress   *progress.Reporter
	// Target overrides the name the source gives what it scans (--target).
	Target string
}

// Scanned is what a source returns.
type Scanned struct {
	// Target names what was scanned: the repository, image reference, URL
	// or project. A complete scan archives the older findings of the same
	// target and generators that it no longer reports.
	Target string
	// Parts are the source's scanners, one summary row each.
	Parts []Part
	// Notes are further summary lines (the DAST per-check counts).
	Notes []string
}

// Part is what one scanner of a source did.
type Part struct {
	Name         string
	GeneratorIds []string
	Result
	// Narrowed says why a part that ran to completion still may not
	// archive anything: the user narrowed it (passive checks only, an
	// --include pattern, a filtered pull). Empty for a full scan.
	Narrowed string
	// Err is set when the scanner failed; what it found before is kept
	// but archives nothing.
	Err      error
	Duration time.Duration
}
