package dast

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/secops-dev/secops/pkg/scan"
)

// Source runs the built-in scanner through the scan pipeline.
type Source struct {
	Options Options
	// Wait first waits up to this long for the target to accept
	// connections (an app just started).
	Wait time.Duration
}

var _ scan.Source = (*Source)(nil)

// IgnoreDir is the working directory: a web application has no scan root.
func (s *Source) IgnoreDir() string { return "" }

// Scan crawls and checks the target; its findings are one part, "dast".
func (s *Source) Scan(ctx context.Context, env scan.Env) (*scan.Scanned, error) {
	opts := s.Options
	if s.Wait > 0 {
		env.Progress.Step("waiting up to %s for %s", s.Wait, opts.Target)
		if err := WaitForTarget(ctx, opts.Target, s.Wait); err != nil {
			return nil, err
		}
	}
	opts.Progress = env.Progress
	res, err := Scan(ctx, opts)
	if err != nil {
		return nil, err
	}
	list, err := res.Findings(env.Provenance)
	if err != nil {
		return nil, err
	}
	part := scan.Part{Name: "dast", GeneratorIds: []string{GeneratorID}, Duration: res.Stats.Duration}
	part.Findings, part.Warnings, part.Incomplete = list, res.Warnings, res.Incomplete
	part.Coverage.Add(res.Stats.Pages, "page")
	part.Coverage.Add(res.Stats.Parameters, "parameter")
	part.Coverage.Add(res.Stats.Requests, "request")
	switch {
	case opts.PassiveOnly:
		part.Narrowed = "passive checks only"
	case len(opts.Include) > 0 || len(opts.Exclude) > 0:
		part.Narrowed = "--include/--exclude narrowed the crawl"
	}
	limit := fmt.Sprintf("limit %.0f/s", res.Stats.Rate)
	if res.Stats.Rate <= 0 {
		limit = "no rate limit"
	}
	notes := []string{fmt.Sprintf("Scanned %s: %d requests in %s (%s), %d pages, %d parameters, %d findings.",
		res.Target, res.Stats.Requests, res.Stats.Duration.Round(100*time.Millisecond), limit, res.Stats.Pages, res.Stats.Parameters, len(list))}
	notes = append(notes, perCheck(res.Stats.PerCheck)...)
	if lines := res.Stats.CoverageLines(); len(lines) > 0 {
		notes = append(notes, "Parameters tested per check and location:")
		for _, l := range lines {
			notes = append(notes, "  "+l)
		}
	}
	target := res.Target
	if env.Target != "" {
		target = env.Target
	}
	return &scan.Scanned{Target: target, Parts: []scan.Part{part}, Notes: notes}, nil
}

func perCheck(m map[string]int) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, fmt.Sprintf("  %-32s %d", id, m[id]))
	}
	return out
}
