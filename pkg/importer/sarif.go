package importer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatSARIF is SARIF 2.1.0, which many tools write.
const FormatSARIF Format = "sarif"

// GeneratorSemgrep is the GeneratorId of Semgrep's findings, whether
// secops scan ran Semgrep or its SARIF is imported: one converter, so a
// Semgrep result is the same finding either way.
const GeneratorSemgrep = "secops/sast/semgrep"

var sarifImporter = importer{
	tool:  tool{format: FormatSARIF, name: "SARIF"},
	about: "SARIF 2.1.0 (Semgrep, CodeQL, Checkov, gosec …)",
	shape: `SARIF {"version", "runs": [...]}`,
	object: func(top keys) bool {
		return top.has("runs") && (top.has("version") || top.has("$schema"))
	},
	parse: noSkips(parseSARIF),
}

// SARIF 2.1.0, the subset an importer needs.
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
type sarifLog struct {
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool struct {
		Driver     sarifComponent   `json:"driver"`
		Extensions []sarifComponent `json:"extensions"`
	} `json:"tool"`
	Results   []sarifResult `json:"results"`
	Artifacts []struct {
		Location *sarifArtifactLocation `json:"location"`
	} `json:"artifacts"`
}

type sarifComponent struct {
	Name            string      `json:"name"`
	FullName        string      `json:"fullName"`
	Version         string      `json:"version"`
	SemanticVersion string      `json:"semanticVersion"`
	InformationURI  string      `json:"informationUri"`
	Organization    string      `json:"organization"`
	Rules           []sarifRule `json:"rules"`
}

type sarifMessage struct {
	Text      string   `json:"text"`
	Markdown  string   `json:"markdown"`
	ID        string   `json:"id"`
	Arguments []string `json:"arguments"`
}

type sarifRule struct {
	ID                   string                  `json:"id"`
	Name                 string                  `json:"name"`
	ShortDescription     *sarifMessage           `json:"shortDescription"`
	FullDescription      *sarifMessage           `json:"fullDescription"`
	Help                 *sarifMessage           `json:"help"`
	HelpURI              string                  `json:"helpUri"`
	MessageStrings       map[string]sarifMessage `json:"messageStrings"`
	DefaultConfiguration *struct {
		Level string   `json:"level"`
		Rank  *float64 `json:"rank"`
	} `json:"defaultConfiguration"`
	Properties map[string]json.RawMessage `json:"properties"`
}

type sarifArtifactLocation struct {
	URI   string `json:"uri"`
	Index *int   `json:"index"`
}

type sarifResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Rule      *struct {
		ID            string `json:"id"`
		Index         *int   `json:"index"`
		ToolComponent *struct {
			Name  string `json:"name"`
			Index *int   `json:"index"`
		} `json:"toolComponent"`
	} `json:"rule"`
	Kind          string       `json:"kind"`
	BaselineState string       `json:"baselineState"`
	Level         string       `json:"level"`
	Rank          *float64     `json:"rank"`
	Message       sarifMessage `json:"message"`
	Locations     []struct {
		PhysicalLocation *struct {
			ArtifactLocation *sarifArtifactLocation `json:"artifactLocation"`
			Region           *struct {
				StartLine   int `json:"startLine"`
				EndLine     int `json:"endLine"`
				StartColumn int `json:"startColumn"`
				EndColumn   int `json:"endColumn"`
			} `json:"region"`
		} `json:"physicalLocation"`
		LogicalLocations []struct {
			FullyQualifiedName string `json:"fullyQualifiedName"`
			Name               string `json:"name"`
		} `json:"logicalLocations"`
	} `json:"locations"`
	Suppressions []struct {
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		State         string `json:"state"`
		Justification string `json:"justification"`
	} `json:"suppressions"`
	Fingerprints        map[string]string          `json:"fingerprints"`
	PartialFingerprints map[string]string          `json:"partialFingerprints"`
	Properties          map[string]json.RawMessage `json:"properties"`
}

func parseSARIF(data []byte) ([]findings.Finding, error) {
	var log sarifLog
	if err := json.Unmarshal(stripBOM(data), &log); err != nil {
		return nil, jsonErr(data, err)
	}
	var out []findings.Finding
	for ri := range log.Runs {
		run := &log.Runs[ri]
		for i := range run.Results {
			if f, ok := secopsFinding(run, &run.Results[i]); ok {
				out = append(out, f)
				continue
			}
			out = append(out, sarifFinding(run, &run.Results[i]))
		}
	}
	return out, nil
}

// What secops's own SARIF (pkg/report) writes to say a result is one of
// its findings.
const (
	secopsInformationURI = "https://github.com/secops-dev/secops"
	secopsFindingKey     = "secops-finding"
	secopsFingerprintKey = "secopsFindingId/v1"
	secopsSeverityKey    = "secops-severity"
)

// secopsFinding recognises a result of secops's own SARIF export and gives
// back the finding it stands for, as it was: each result carries it whole
// (but for what only a user sets, which stays in the store). Logs written
// before results carried it name the finding's Id in a partial
// fingerprint: that Id is kept, with its generator and severity label.
func secopsFinding(run *sarifRun, res *sarifResult) (findings.Finding, bool) {
	if run.Tool.Driver.InformationURI != secopsInformationURI {
		return findings.Finding{}, false
	}
	if raw, ok := res.Properties[secopsFindingKey]; ok {
		var f findings.Finding
		if json.Unmarshal(raw, &f) == nil && f.Id != "" && f.ProductArn != "" {
			return f, true
		}
	}
	id := res.PartialFingerprints[secopsFingerprintKey]
	if id == "" {
		return findings.Finding{}, false
	}
	f := sarifFinding(run, res)
	f.Id = id
	if i := strings.LastIndexByte(id, '/'); i > 0 {
		// secops's Ids are the generator, a slash and a hash.
		f.GeneratorId = id[:i]
	}
	var label string
	if json.Unmarshal(res.Properties[secopsSeverityKey], &label) == nil && findings.SeverityRank(label) >= 0 {
		f.Severity = severity(label, "")
	}
	return f, true
}

// rule finds the reportingDescriptor of a result: by index in the driver or
// the extension it names, else by id in any component.
func (run *sarifRun) rule(res *sarifResult) *sarifRule {
	comps := append([]sarifComponent{run.Tool.Driver}, run.Tool.Extensions...)
	comp := &comps[0]
	idx := res.RuleIndex
	if res.Rule != nil {
		if tc := res.Rule.ToolComponent; tc != nil {
			if tc.Index != nil && *tc.Index >= 0 && *tc.Index+1 < len(comps) {
				comp = &comps[*tc.Index+1]
			} else if tc.Name != "" {
				for i := range comps {
					if comps[i].Name == tc.Name {
						comp = &comps[i]
					}
				}
			}
		}
		if idx == nil {
			idx = res.Rule.Index
		}
	}
	if idx != nil && *idx >= 0 && *idx < len(comp.Rules) {
		return &comp.Rules[*idx]
	}
	id := res.ruleID()
	for ci := range comps {
		for i := range comps[ci].Rules {
			if id != "" && comps[ci].Rules[i].ID == id {
				return &comps[ci].Rules[i]
			}
		}
	}
	return nil
}

func (res *sarifResult) ruleID() string {
	if res.RuleID != "" {
		return res.RuleID
	}
	if res.Rule != nil {
		return res.Rule.ID
	}
	return ""
}

// text renders a SARIF message: its text, else the rule's message string
// it names, with {0}-style arguments filled in.
func (m *sarifMessage) render(rule *sarifRule) string {
	s := firstNonEmpty(m.Text, m.Markdown)
	if s == "" && m.ID != "" && rule != nil {
		if ms, ok := rule.MessageStrings[m.ID]; ok {
			s = firstNonEmpty(ms.Text, ms.Markdown)
		}
	}
	for i, a := range m.Arguments {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", a)
	}
	return s
}

func msgText(m *sarifMessage) string {
	if m == nil {
		return ""
	}
	return firstNonEmpty(m.Text, m.Markdown)
}

func sarifFinding(run *sarifRun, res *sarifResult) findings.Finding {
	rule := run.rule(res)
	ruleID := res.ruleID()
	if ruleID == "" && rule != nil {
		ruleID = rule.ID
	}
	toolName := firstNonEmpty(run.Tool.Driver.Name, run.Tool.Driver.FullName, "SARIF")

	var uri string
	var line, endLine, column, endColumn int
	var logical string
	if len(res.Locations) > 0 {
		for _, ll := range res.Locations[0].LogicalLocations {
			if logical = firstNonEmpty(ll.FullyQualifiedName, ll.Name); logical != "" {
				break
			}
		}
	}
	if len(res.Locations) > 0 && res.Locations[0].PhysicalLocation != nil {
		pl := res.Locations[0].PhysicalLocation
		if al := pl.ArtifactLocation; al != nil {
			uri = al.URI
			if uri == "" && al.Index != nil && *al.Index >= 0 && *al.Index < len(run.Artifacts) && run.Artifacts[*al.Index].Location != nil {
				uri = run.Artifacts[*al.Index].Location.URI
			}
		}
		if pl.Region != nil {
			line, endLine, column, endColumn = pl.Region.StartLine, pl.Region.EndLine, pl.Region.StartColumn, pl.Region.EndColumn
			if endLine == 0 {
				// An absent endLine is the startLine (SARIF 2.1.0 §3.30.7).
				endLine = line
			}
		}
	}
	message := res.Message.render(rule)

	// Effective level, SARIF 2.1.0 §3.27.10: the result's level, else the
	// rule's default level, else "warning"; results that are not failures
	// have level "none".
	level := res.Level
	if level == "" {
		switch {
		case res.Kind != "" && res.Kind != "fail":
			level = "none"
		case rule != nil && rule.DefaultConfiguration != nil && rule.DefaultConfiguration.Level != "":
			level = rule.DefaultConfiguration.Level
		default:
			level = "warning"
		}
	}
	label, _ := labelFromWord(level)
	if label == "" {
		label = findings.SeverityMedium
	}
	// GitHub code scanning's security-severity (a CVSS-like score on the
	// rule or the result) is more precise than the level.
	if score, ok := securitySeverity(res.Properties); ok {
		label = findings.LabelForCVSS(score)
	} else if rule != nil {
		if score, ok := securitySeverity(rule.Properties); ok {
			label = findings.LabelForCVSS(score)
		}
	}
	// Without any stated level, the result's rank (0-100, §3.27.20) is the
	// best indication of how much it matters.
	_, scored := securitySeverity(res.Properties)
	ruleLevel := rule != nil && rule.DefaultConfiguration != nil && rule.DefaultConfiguration.Level != ""
	if res.Level == "" && !ruleLevel && !scored && res.Rank != nil && *res.Rank >= 0 && *res.Rank <= 100 && level != "none" {
		label = findings.LabelForNormalized(int32(*res.Rank))
	}

	location := fmt.Sprintf("%s:%d:%d", uri, line, column)
	fp := firstFingerprint(res.Fingerprints, res.PartialFingerprints)
	if fp == "" {
		fp = message
		// gitleaks reports the same leak once per commit it is in.
		var commit string
		if json.Unmarshal(res.Properties["commit"], &commit) == nil && commit != "" {
			fp += "\x00" + commit
		}
	}
	resource := firstNonEmpty(uri, toolName)
	t := tool{format: FormatSARIF, name: toolName, company: firstNonEmpty(run.Tool.Driver.Organization, toolName)}
	if isSemgrep(toolName) {
		t.generator = GeneratorSemgrep
	}
	f := newFinding(t, resource, location+"\x00"+fp, ruleID)
	f.Severity = severity(label, level)
	f.Types = []string{typeCodeQuality}
	title := ""
	if rule != nil {
		title = firstNonEmpty(msgText(rule.ShortDescription), rule.Name)
	}
	if namesOnlyRule(title, ruleID) {
		title = firstNonEmpty(firstLine(message), title, ruleID)
	}
	f.Title = title
	desc := message
	if rule != nil {
		if full := msgText(rule.FullDescription); full != "" && full != message {
			desc = strings.TrimSpace(desc + "\n\n" + full)
		}
	}
	f.Description = desc
	if rule != nil {
		help := msgText(rule.Help)
		if help != "" || rule.HelpURI != "" {
			f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{Text: help, Url: rule.HelpURI}}
		}
	}
	f.ProductFields[findings.FieldRuleID] = ruleID
	f.ProductFields[findings.FieldPath] = uri
	f.ProductFields[findings.FieldStartLine] = itoa(line)
	f.ProductFields[findings.FieldEndLine] = itoa(endLine)
	// Columns and the logical location tell apart results on one line or
	// in one function (see separate).
	f.ProductFields["sarif/StartColumn"] = itoa(column)
	f.ProductFields["sarif/EndColumn"] = itoa(endColumn)
	f.ProductFields["sarif/LogicalLocation"] = logical
	f.ProductFields["secops/ToolVersion"] = firstNonEmpty(run.Tool.Driver.Version, run.Tool.Driver.SemanticVersion)
	if rule != nil {
		f.ProductFields["secops/CWE"] = cweTag(rule.Properties)
	}
	if res.Kind != "" && res.Kind != "fail" {
		f.ProductFields["sarif/Kind"] = res.Kind
	}
	if len(res.Suppressions) > 0 {
		// A suppression without a status is accepted (§3.35.3).
		s := res.Suppressions[0]
		st := firstNonEmpty(s.Status, s.State, "accepted")
		f.ProductFields["sarif/Suppression"] = s.Kind + ":" + st
		if st == "accepted" {
			f.Workflow = &findings.Workflow{Status: findings.WorkflowSuppressed}
			f.WorkflowState = "SUPPRESSED"
		}
	}
	if res.BaselineState != "" {
		f.ProductFields["sarif/BaselineState"] = res.BaselineState
	}
	if res.BaselineState == "absent" {
		// In the baseline, gone from this run: fixed (§3.27.24).
		f.RecordState = findings.RecordArchived
		f.Workflow = &findings.Workflow{Status: findings.WorkflowResolved}
	}
	f.Resources = []findings.Resource{{Type: resourceFile, Id: resource}}
	return f
}

// isSemgrep tells Semgrep's runs by their driver: "Semgrep OSS", "Semgrep
// Pro", "semgrep" in older versions.
func isSemgrep(driver string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(driver)), "semgrep")
}

// namesOnlyRule reports whether a rule's short description says nothing
// but the rule's id, as Semgrep's "Semgrep Finding: <rule id>" does: the
// result's message is then the better title.
func namesOnlyRule(title, ruleID string) bool {
	title = strings.TrimSpace(title)
	return title == "" || title == ruleID || (ruleID != "" && strings.HasSuffix(title, ": "+ruleID))
}

// cweTag reads the weakness a rule's tags name, as Semgrep and others
// write it ("CWE-78: Improper Neutralization …"), as "CWE-78".
func cweTag(props map[string]json.RawMessage) string {
	var tags []string
	if json.Unmarshal(props["tags"], &tags) != nil {
		return ""
	}
	for _, tag := range tags {
		id, _, _ := strings.Cut(strings.TrimSpace(tag), ":")
		if n, ok := strings.CutPrefix(id, "CWE-"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			return id
		}
	}
	return ""
}

func firstFingerprint(maps ...map[string]string) string {
	for _, m := range maps {
		if len(m) == 0 {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		keys = sorted(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+"="+m[k])
		}
		return strings.Join(parts, ";")
	}
	return ""
}

// securitySeverity reads the "security-severity" property GitHub code
// scanning defines: a score from 0.0 to 10.0, written as a string.
func securitySeverity(props map[string]json.RawMessage) (float64, bool) {
	raw, ok := props["security-severity"]
	if !ok {
		return 0, false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 || v > 10 {
		return 0, false
	}
	return v, true
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
