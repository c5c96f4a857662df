package importer

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatGosec is gosec's JSON report.
const FormatGosec Format = "gosec"

var gosecTool = tool{format: FormatGosec, name: "gosec", company: "Securego"}

var gosecImporter = importer{
	tool:  gosecTool,
	about: "gosec JSON",
	shape: `gosec {"Issues", "Stats"}`,
	object: func(top keys) bool {
		return top.has("Issues") && (top.has("Stats") || top.has("Golang errors") || top.has("GosecVersion"))
	},
	parse: parseGosec,
}

// gosec's JSON report (gosec -fmt=json).
// https://github.com/securego/gosec#output-formats
type gosecReport struct {
	Issues       []gosecIssue `json:"Issues"`
	GosecVersion string       `json:"GosecVersion"`
	// Files gosec could not type-check, so did not analyse.
	GolangErrors map[string][]struct {
		Error string `json:"error"`
	} `json:"Golang errors"`
}

type gosecIssue struct {
	Severity   string `json:"severity"`
	Confidence string `json:"confidence"`
	CWE        *struct {
		ID    string `json:"id"`
		IDOld string `json:"ID"`
		URL   string `json:"url"`
	} `json:"cwe"`
	RuleID       string `json:"rule_id"`
	Details      string `json:"details"`
	File         string `json:"file"`
	Line         string `json:"line"`
	Column       string `json:"column"`
	NoSec        bool   `json:"nosec"`
	Suppressions []struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification"`
	} `json:"suppressions"`
}

func parseGosec(data []byte, skip skipper) ([]findings.Finding, error) {
	var r gosecReport
	if err := json.Unmarshal(stripBOM(data), &r); err != nil {
		return nil, jsonErr(data, err)
	}
	out := make([]findings.Finding, 0, len(r.Issues))
	for _, is := range r.Issues {
		// The code snippet is left out on purpose: for G101 (hard-coded
		// credentials) it holds the credential.
		start, end, _ := strings.Cut(is.Line, "-")
		f := newFinding(gosecTool, is.File, is.Line+":"+is.Column, is.RuleID)
		label, ok := labelFromWord(is.Severity)
		if !ok {
			label = findings.SeverityMedium
		}
		f.Severity = severity(label, is.Severity)
		if c := confidence(is.Confidence); c != nil {
			f.Confidence = c
		}
		f.Types = []string{typeCodeQuality}
		f.Title = fmt.Sprintf("%s: %s", is.RuleID, is.Details)
		f.Description = fmt.Sprintf("%s (rule %s, confidence %s) in %s line %s.", is.Details, is.RuleID, is.Confidence, is.File, is.Line)
		cwe := ""
		if is.CWE != nil {
			if id := firstNonEmpty(is.CWE.ID, is.CWE.IDOld); id != "" {
				cwe = "CWE-" + id
				f.Description += " " + cwe + "."
			}
			if is.CWE.URL != "" {
				f.SourceUrl = is.CWE.URL
			}
		}
		f.ProductFields[findings.FieldRuleID] = is.RuleID
		f.ProductFields[findings.FieldPath] = is.File
		f.ProductFields[findings.FieldStartLine] = start
		f.ProductFields[findings.FieldEndLine] = end
		f.ProductFields["gosec/Line"] = is.Line
		f.ProductFields["gosec/Column"] = is.Column
		f.ProductFields["gosec/CWE"] = cwe
		f.ProductFields["gosec/Confidence"] = is.Confidence
		f.ProductFields["secops/ToolVersion"] = r.GosecVersion
		if is.NoSec || len(is.Suppressions) > 0 {
			f.Workflow = &findings.Workflow{Status: findings.WorkflowSuppressed}
			if len(is.Suppressions) > 0 {
				f.ProductFields["gosec/Suppression"] = is.Suppressions[0].Kind + ": " + is.Suppressions[0].Justification
			}
		}
		f.Resources = []findings.Resource{{Type: resourceFile, Id: firstNonEmpty(is.File, "unknown file")}}
		out = append(out, f)
	}
	if len(r.GolangErrors) > 0 {
		var files []string
		for file, errs := range r.GolangErrors {
			what := firstNonEmpty(strings.Trim(file, "-"), "(the package)")
			if len(errs) > 0 {
				what += ": " + firstLine(lastLine(errs[0].Error))
			}
			files = append(files, what)
		}
		skip(len(files), "files gosec could not analyse (Golang errors), so their problems are not in the report: "+listSome(sorted(files), 3))
	}
	return out, nil
}

// lastLine is the last non-blank line of s: Go's errors start with a
// "# package" header line.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// confidence maps a tool's confidence word to ASFF's 0-100 Confidence.
func confidence(word string) *int32 {
	var c int32
	switch strings.ToUpper(strings.TrimSpace(word)) {
	case "HIGH", "CONFIRMED", "3", "4":
		c = 90
	case "MEDIUM", "2":
		c = 60
	case "LOW", "1":
		c = 30
	case "FALSE POSITIVE", "FALSEPOSITIVE", "0":
		c = 0
	default:
		return nil
	}
	return &c
}
