package localstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// utcLayout writes times as fixed-width UTC text, which sorts and compares
// as the times themselves for years 0000-9999.
const utcLayout = "2006-01-02T15:04:05.000000000Z"

// row is a finding as the findings table holds it.
type row struct {
	productArn, id, shortKey    string
	severityLabel               string
	severityRank                int
	productLower, generatorID   string
	recordState, workflowStatus string
	updatedAt                   string
	updatedUTC                  any // string, or nil when UpdatedAt does not parse
	title, target               string
	doc                         []byte
	types, resources            []string
}

// rowOf derives the indexed columns of f and encodes its document.
func rowOf(f *findings.Finding) (row, error) {
	// Finding.MarshalJSON directly: json.Marshal would re-scan its output.
	doc, err := f.MarshalJSON()
	if err != nil {
		return row{}, fmt.Errorf("encode finding %s: %w", f.Id, err)
	}
	r := row{
		productArn:     f.ProductArn,
		id:             f.Id,
		shortKey:       shortKey(f.Id),
		severityLabel:  f.SeverityLabel(),
		productLower:   strings.ToLower(f.ProductName),
		generatorID:    f.GeneratorId,
		recordState:    f.RecordStateOrDefault(),
		workflowStatus: f.WorkflowStatus(),
		updatedAt:      f.UpdatedAt,
		title:          f.Title,
		target:         f.ProductFields[findings.FieldTarget],
		doc:            doc,
		types:          f.Types,
	}
	r.severityRank = findings.SeverityRank(r.severityLabel)
	if t, err := findings.ParseTime(f.UpdatedAt); err == nil {
		r.updatedUTC = utcText(t)
	}
	for _, res := range f.Resources {
		r.resources = append(r.resources, res.Id)
	}
	return r, nil
}

// utcText is t in the updated_utc column's form.
func utcText(t time.Time) string { return t.UTC().Format(utcLayout) }

// shortKey is the part of an Id that findings.ShortID abbreviates.
func shortKey(id string) string { return findings.LookupKey(id) }

// prefixUpper is the smallest string above every string that starts with
// prefix, for range scans on an index. UTF-8 text never holds the byte 0xFF.
func prefixUpper(prefix string) string { return prefix + "\xff" }

func decode(doc []byte) (findings.Finding, error) {
	var f findings.Finding
	if err := json.Unmarshal(doc, &f); err != nil {
		return f, fmt.Errorf("decode stored finding: %w (the store may be damaged)", err)
	}
	return f, nil
}
