package sast

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// The parts of SARIF 2.1.0 that a Semgrep report fills.
type sarifLog struct {
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool struct {
		Driver struct {
			Name  string      `json:"name"`
			Rules []sarifRule `json:"rules"`
		} `json:"driver"`
	} `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	ShortDescription sarifMessage `json:"shortDescription"`
	FullDescription  sarifMessage `json:"fullDescription"`
	HelpURI          string       `json:"helpUri"`
	Default          struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
	Properties sarifProperties `json:"properties"`
}

type sarifProperties struct {
	Tags             []string        `json:"tags"`
	Precision        string          `json:"precision"`
	SecuritySeverity json.RawMessage `json:"security-severity"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine   int `json:"startLine"`
			EndLine     int `json:"endLine"`
			StartColumn int `json:"startColumn"`
		} `json:"region"`
	} `json:"physicalLocation"`
}

// parseSARIF turns a Semgrep SARIF report into findings. Paths in the
// report are relative to the scan root (Semgrep runs there); results
// without a location are still findings, about the root.
func parseSARIF(data []byte) ([]findings.Finding, error) {
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, fmt.Errorf("read Semgrep SARIF: %w", err)
	}
	if log.Version != "2.1.0" {
		return nil, fmt.Errorf("read Semgrep SARIF: version %q, want 2.1.0", log.Version)
	}
	var out []findings.Finding
	for _, run := range log.Runs {
		rules := map[string]sarifRule{}
		for _, r := range run.Tool.Driver.Rules {
			rules[r.ID] = r
		}
		for _, r := range run.Results {
			out = append(out, sarifFinding(r, rules[r.RuleID]))
		}
	}
	return out, nil
}

func sarifFinding(r sarifResult, rule sarifRule) findings.Finding {
	file, line, endLine, col := ".", 0, 0, 0
	if len(r.Locations) > 0 {
		pl := r.Locations[0].PhysicalLocation
		file = cleanURI(pl.ArtifactLocation.URI)
		line, endLine, col = pl.Region.StartLine, pl.Region.EndLine, pl.Region.StartColumn
	}
	if endLine < line {
		endLine = line
	}
	ruleID := r.RuleID
	if ruleID == "" {
		ruleID = "unknown"
	}
	level := r.Level
	if level == "" {
		level = rule.Default.Level
	}
	sev := sarifSeverity(level, rule.Properties.SecuritySeverity)
	msg := strings.TrimSpace(r.Message.Text)
	if msg == "" {
		msg = strings.TrimSpace(rule.ShortDescription.Text)
	}
	if msg == "" {
		msg = ruleID
	}
	title := rule.ShortDescription.Text
	if title == "" || strings.HasPrefix(title, "Semgrep Finding:") {
		title = firstLine(msg)
	}
	f := findings.Finding{
		Id:          findings.NewID(GeneratorSemgrep, file, strconv.Itoa(line)+":"+strconv.Itoa(col), ruleID),
		GeneratorId: GeneratorSemgrep,
		Types:       []string{"Software and Configuration Checks/Vulnerabilities"},
		Title:       findings.Truncate(ruleID+": "+title, 256),
		Description: findings.Truncate(fmt.Sprintf("Semgrep rule %s at %s line %d: %s", ruleID, file, line, msg), 1024),
		Severity:    findings.NewSeverity(sev, level),
		Resources:   []findings.Resource{{Type: "Other", Id: file}},
		ProductFields: map[string]string{
			findings.FieldPath:    file,
			findings.FieldRuleID:  ruleID,
			findings.FieldScanner: "semgrep",
		},
	}
	if line > 0 {
		f.ProductFields[findings.FieldStartLine] = strconv.Itoa(line)
		f.ProductFields[findings.FieldEndLine] = strconv.Itoa(endLine)
	}
	for _, tag := range rule.Properties.Tags {
		if strings.HasPrefix(tag, "CWE-") {
			id, _, _ := strings.Cut(tag, ":")
			f.ProductFields["secops/CWE"] = id
			break
		}
	}
	if rule.HelpURI != "" {
		f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{Text: findings.Truncate("See the rule's documentation: "+ruleID, 512), Url: rule.HelpURI}}
	}
	return f
}

// sarifSeverity prefers GitHub's numeric security-severity (a CVSS-like
// score), then the SARIF level.
func sarifSeverity(level string, secSev json.RawMessage) string {
	if len(secSev) > 0 {
		s := strings.Trim(string(secSev), `"`)
		if score, err := strconv.ParseFloat(s, 64); err == nil && score >= 0 && score <= 10 {
			return findings.LabelForCVSS(score)
		}
	}
	switch level {
	case "error":
		return findings.SeverityHigh
	case "warning":
		return findings.SeverityMedium
	case "note":
		return findings.SeverityLow
	}
	return findings.SeverityInformational
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

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
