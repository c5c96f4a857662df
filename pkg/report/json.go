package report

import (
	"encoding/json"
	"io"

	"github.com/secops-dev/secops/pkg/findings"
)

// writeJSON writes the findings as an indented JSON array of ASFF findings,
// the shape `aws securityhub get-findings` users know; an empty list is [].
// Attribute order follows findings.Finding, so output is stable.
func writeJSON(w io.Writer, list []findings.Finding) error {
	if list == nil {
		list = []findings.Finding{}
	}
	return encodeIndented(w, list)
}

// asffDocument is the BatchImportFindings request body.
type asffDocument struct {
	Findings []findings.Finding `json:"Findings"`
}

// writeASFF writes {"Findings": [...]}, which
// `aws securityhub batch-import-findings --cli-input-json file://out.json`
// accepts as it is. Security Hub takes at most 100 findings per call, so a
// longer list has to be split before it is sent that way (`secops findings
// push` does this itself).
func writeASFF(w io.Writer, list []findings.Finding) error {
	if list == nil {
		list = []findings.Finding{}
	}
	return encodeIndented(w, asffDocument{Findings: list})
}

// encodeIndented writes v as two-space indented JSON without escaping <, >
// and & (URLs and code snippets stay readable).
func encodeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
