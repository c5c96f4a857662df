package sast

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
)

// parseSARIF turns a Semgrep SARIF report into findings through the same
// converter as an imported SARIF report (importer.ParseReport), so a
// Semgrep result is the same finding either way. Paths in the report are
// relative to the scan root (Semgrep runs there) and are kept so: never
// absolute, never above the root.
func parseSARIF(ctx context.Context, data []byte, prov findings.Provenance) ([]findings.Finding, error) {
	var head struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("read Semgrep SARIF: %w", err)
	}
	if head.Version != "2.1.0" {
		return nil, fmt.Errorf("read Semgrep SARIF: version %q, want 2.1.0", head.Version)
	}
	rep, err := importer.ParseReport(ctx, importer.FormatSARIF, data, prov)
	if err != nil {
		return nil, fmt.Errorf("read Semgrep SARIF: %w", err)
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.GeneratorId != GeneratorSemgrep {
			return nil, fmt.Errorf("read Semgrep SARIF: a run of %q, not Semgrep", f.ProductName)
		}
		f.ProductFields[findings.FieldScanner] = "semgrep"
		file := "."
		if p := f.ProductFields[findings.FieldPath]; p != "" {
			file = cleanURI(p)
		}
		f.ProductFields[findings.FieldPath] = file
		f.Resources = []findings.Resource{{Type: "Other", Id: file}}
	}
	return rep.Findings, nil
}

// cleanURI makes a SARIF artifact URI a slash path relative to the root.
func cleanURI(uri string) string {
	if u, err := url.Parse(uri); err == nil && (u.Scheme == "" || u.Scheme == "file") {
		if u.Path != "" {
			uri = u.Path
		}
	}
	p := path.Clean("/" + uri)
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return "."
	}
	return p
}
