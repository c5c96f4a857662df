package report

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// csvHeader names the CSV columns, one row per finding.
var csvHeader = []string{
	"Id", "ProductArn", "GeneratorId", "SeverityLabel", "Title", "ResourceType", "ResourceId",
	"Path", "StartLine", "WorkflowStatus", "RecordState", "CreatedAt", "UpdatedAt", "Types",
	"VulnerabilityIds", "Target", "FixedIn",
}

// writeCSV writes a header row and one row per finding. Types and
// vulnerability Ids are joined with ';'. The first resource is the one
// shown; ASFF lists the primary resource first.
func writeCSV(w io.Writer, list []findings.Finding) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for i := range list {
		f := &list[i]
		var resType, resID string
		if len(f.Resources) > 0 {
			resType, resID = f.Resources[0].Type, f.Resources[0].Id
		}
		vulnIDs := make([]string, 0, len(f.Vulnerabilities))
		for _, v := range f.Vulnerabilities {
			vulnIDs = append(vulnIDs, v.Id)
		}
		row := []string{
			f.Id, f.ProductArn, f.GeneratorId, f.SeverityLabel(), f.Title, resType, resID,
			f.ProductFields[findings.FieldPath], f.ProductFields[findings.FieldStartLine],
			f.WorkflowStatus(), f.RecordStateOrDefault(), f.CreatedAt, f.UpdatedAt,
			strings.Join(f.Types, ";"), strings.Join(vulnIDs, ";"),
			f.ProductFields[findings.FieldTarget], fixedCell(f),
		}
		for j := range row {
			row[j] = csvSafe(row[j])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses CSV formula injection: a spreadsheet runs a cell that
// starts with =, +, - or @ (and, in some, tab or carriage return) as a
// formula, and finding titles, paths and resource ids come from scanned,
// untrusted input. Such a cell gets a leading single quote, which
// spreadsheets show as text (OWASP "CSV Injection").
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
