package zap

import (
	"context"
	"fmt"
	"time"

	"github.com/secops-dev/secops/pkg/scan"
)

// Source drives ZAP through the scan pipeline.
type Source struct {
	Client  *Client
	Options Options
	// MaxDuration stops the scan after this long, keeping the alerts
	// fetched so far (0: no limit).
	MaxDuration time.Duration
}

var _ scan.Source = (*Source)(nil)

// IgnoreDir is the working directory: a web application has no scan root.
func (s *Source) IgnoreDir() string { return "" }

// Scan runs ZAP and converts its alerts; they are one part, "zap". A scan
// that stops early keeps what it fetched, as an incomplete part.
func (s *Source) Scan(ctx context.Context, env scan.Env) (*scan.Scanned, error) {
	if s.MaxDuration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.MaxDuration)
		defer cancel()
	}
	opts := s.Options
	opts.Progress = env.Progress
	start := time.Now()
	alerts, scanErr := Scan(ctx, s.Client, opts)
	if scanErr != nil && alerts == nil {
		return nil, scanErr
	}
	target := opts.Target
	if env.Target != "" {
		target = env.Target
	}
	list, err := ToFindings(alerts, opts.Target, env.Provenance)
	if err != nil {
		return nil, fmt.Errorf("convert ZAP alerts: %w", err)
	}
	part := scan.Part{Name: "zap", GeneratorIds: []string{GeneratorID}, Duration: time.Since(start)}
	part.Findings = list
	part.Coverage.Add(len(alerts), "alert")
	if opts.SkipActive {
		part.Narrowed = "passive scan only"
	}
	if scanErr != nil {
		part.Err = fmt.Errorf("ZAP scan stopped: %w; the alerts fetched so far are shown and kept", scanErr)
	}
	notes := []string{fmt.Sprintf("ZAP reported %d alerts on %s: %d findings after de-duplication.", len(alerts), opts.Target, len(list))}
	return &scan.Scanned{Target: target, Parts: []scan.Part{part}, Notes: notes}, nil
}
