package image

import (
	"context"
	"fmt"
	"time"

	"github.com/secops-dev/secops/pkg/scan"
)

// Source scans one image through the scan pipeline.
type Source struct {
	Ref     string
	Options Options
}

var _ scan.Source = (*Source)(nil)

// IgnoreDir is the working directory: an image has no scan root.
func (s *Source) IgnoreDir() string { return "" }

// Scan scans the image; its findings are one part, named "image".
func (s *Source) Scan(ctx context.Context, env scan.Env) (*scan.Scanned, error) {
	opts := s.Options
	opts.Progress, opts.Provenance, opts.Target = env.Progress, env.Provenance, env.Target
	start := time.Now()
	res, err := Scan(ctx, s.Ref, opts)
	if err != nil && res.Findings == nil {
		return nil, fmt.Errorf("scan image: %w", err)
	}
	target := s.Ref
	if env.Target != "" {
		target = env.Target
	}
	part := scan.Part{Name: Name, GeneratorIds: []string{Generator}, Result: res, Err: err, Duration: time.Since(start)}
	return &scan.Scanned{Target: target, Parts: []scan.Part{part}}, nil
}
