package sonarqube

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
	"github.com/secops-dev/secops/pkg/scan"
)

// Source pulls one project's issues and hotspots through the scan
// pipeline.
type Source struct {
	Options Options
	// Pull is the puller (default Pull); tests replace it.
	Pull func(ctx context.Context, o Options) ([]findings.Finding, error)
}

var _ scan.Source = (*Source)(nil)

// IgnoreDir is the working directory.
func (s *Source) IgnoreDir() string { return "" }

// Scan pulls the findings; they are one part, "sonarqube". Only a pull of
// everything that is open may archive the project's older findings: a
// filtered pull is narrowed, one capped at SonarQube's 10,000 results is
// incomplete.
func (s *Source) Scan(ctx context.Context, env scan.Env) (*scan.Scanned, error) {
	o := s.Options
	pull := s.Pull
	if pull == nil {
		pull = Pull
	}
	var warnings []string
	o.Warn = func(msg string) { warnings = append(warnings, msg) }
	o.Provenance = env.Provenance
	o.Provenance.ProductName = "SonarQube"
	what := "issues"
	if o.Hotspots {
		what = "issues and security hotspots"
	}
	env.Progress.Step("pulling %s of %s from %s", what, o.ProjectKey, o.URL)
	start := time.Now()
	list, err := pull(ctx, o)
	if err != nil {
		return nil, err
	}
	part := scan.Part{Name: "sonarqube", GeneratorIds: []string{importer.Generator(importer.FormatSonarQube)}, Duration: time.Since(start)}
	part.Findings, part.Warnings = list, warnings
	part.Incomplete = len(warnings) > 0
	part.Coverage.Add(len(list), "issue")
	if !sameSet(o.Types, DefaultTypes) || !sameSet(o.Statuses, DefaultStatuses) || !o.Hotspots || !strings.EqualFold(o.HotspotStatus, "TO_REVIEW") {
		part.Narrowed = "--types, --statuses or --hotspot-status narrowed the pull"
	}
	target := importer.SonarTarget(o.ProjectKey, o.Branch, o.PullRequest)
	if env.Target != "" {
		target = env.Target
	}
	notes := []string{fmt.Sprintf("Pulled %d findings from SonarQube project %s.", len(list), o.ProjectKey)}
	return &scan.Scanned{Target: target, Parts: []scan.Part{part}, Notes: notes}, nil
}

// sameSet compares flag values with a default list, ignoring case and order.
func sameSet(a, b []string) bool {
	if len(a) == 0 {
		return true
	}
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, strings.ToUpper(strings.TrimSpace(x))) {
			return false
		}
	}
	return true
}
