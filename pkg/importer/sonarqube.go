package importer

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatSonarQube is a SonarQube Web API answer or a sonar-report export.
const FormatSonarQube Format = "sonarqube"

var sonarQubeTool = tool{format: FormatSonarQube, name: "SonarQube", company: "SonarSource"}

var sonarQubeImporter = importer{
	tool:  sonarQubeTool,
	about: "SonarQube API answers (issues, hotspots) and sonar-report JSON",
	shape: `SonarQube {"issues" or "hotspots", "paging"}`,
	object: func(top keys) bool {
		return top.has("hotspots") && (top.has("paging") || top.has("components")) ||
			top.has("issues") && (top.has("paging") || top.has("components") || top.has("projectName") || top.has("total") || top.has("facets"))
	},
	parse: noSkips(parseSonarQube),
}

// SonarQube's Web API answers and the sonar-report JSON export.
// api/issues/search: https://next.sonarqube.com/sonarqube/web_api/api/issues/search
// api/hotspots/search: https://next.sonarqube.com/sonarqube/web_api/api/hotspots/search
// sonar-report: https://github.com/soprasteria/sonar-report

// SonarIssue is one entry of api/issues/search's "issues" (and of the
// sonar-report export, which keeps the same names).
type SonarIssue struct {
	Key       string `json:"key"`
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	Component string `json:"component"`
	Project   string `json:"project"`
	// Branch and PullRequest are set when the issue is on a branch or a
	// pull request other than the main branch.
	Branch      string `json:"branch"`
	PullRequest string `json:"pullRequest"`
	Line        int    `json:"line"`
	TextRange   *struct {
		StartLine int `json:"startLine"`
		EndLine   int `json:"endLine"`
	} `json:"textRange"`
	Status       string   `json:"status"`
	Resolution   string   `json:"resolution"`
	Message      string   `json:"message"`
	Description  string   `json:"description"`
	Type         string   `json:"type"`
	Tags         []string `json:"tags"`
	Author       string   `json:"author"`
	CreationDate string   `json:"creationDate"`
	UpdateDate   string   `json:"updateDate"`
	Impacts      []struct {
		SoftwareQuality string `json:"softwareQuality"`
		Severity        string `json:"severity"`
	} `json:"impacts"`
	CleanCodeAttribute string `json:"cleanCodeAttribute"`
}

// SonarHotspot is one entry of api/hotspots/search's "hotspots".
type SonarHotspot struct {
	Key                      string `json:"key"`
	Component                string `json:"component"`
	Project                  string `json:"project"`
	Branch                   string `json:"branch"`
	PullRequest              string `json:"pullRequest"`
	SecurityCategory         string `json:"securityCategory"`
	VulnerabilityProbability string `json:"vulnerabilityProbability"`
	Status                   string `json:"status"`
	Resolution               string `json:"resolution"`
	Line                     int    `json:"line"`
	TextRange                *struct {
		StartLine int `json:"startLine"`
		EndLine   int `json:"endLine"`
	} `json:"textRange"`
	Message      string `json:"message"`
	RuleKey      string `json:"ruleKey"`
	Author       string `json:"author"`
	CreationDate string `json:"creationDate"`
	UpdateDate   string `json:"updateDate"`
}

// SonarComponent is one entry of a search answer's "components".
type SonarComponent struct {
	Key       string `json:"key"`
	Path      string `json:"path"`
	LongName  string `json:"longName"`
	Qualifier string `json:"qualifier"`
}

// SonarPage is one page of api/issues/search or api/hotspots/search, or a
// sonar-report export.
type SonarPage struct {
	Total  int `json:"total"`
	Paging *struct {
		PageIndex int `json:"pageIndex"`
		PageSize  int `json:"pageSize"`
		Total     int `json:"total"`
	} `json:"paging"`
	Issues     []SonarIssue     `json:"issues"`
	Hotspots   []SonarHotspot   `json:"hotspots"`
	Components []SonarComponent `json:"components"`

	// sonar-report
	SonarBaseURL   string `json:"sonarBaseURL"`
	SonarComponent string `json:"sonarComponent"`
	ProjectName    string `json:"projectName"`
}

// TotalResults is the number of results the server has for the query.
func (p *SonarPage) TotalResults() int {
	if p.Paging != nil {
		return p.Paging.Total
	}
	return p.Total
}

func parseSonarQube(data []byte) ([]findings.Finding, error) {
	var p SonarPage
	if err := json.Unmarshal(stripBOM(data), &p); err != nil {
		return nil, jsonErr(data, err)
	}
	return sonarFindings(p.SonarBaseURL, p.SonarComponent, p.Issues, p.Hotspots, p.Components), nil
}

// SonarQubeFindings converts issues and hotspots pulled from the SonarQube
// server at serverURL into ASFF findings, exactly as importing the same
// answers from files would, stamped with prov and validated.
func SonarQubeFindings(serverURL string, issues []SonarIssue, hotspots []SonarHotspot, components []SonarComponent, prov findings.Provenance) ([]findings.Finding, error) {
	var rep Report
	err := finishReport(&sonarQubeImporter, &rep, sonarFindings(serverURL, "", issues, hotspots, components), prov)
	return rep.Findings, err
}

// sonarLabel maps SonarQube's severities (legacy BLOCKER…INFO, and the
// software-quality impact severities HIGH/MEDIUM/LOW of 10.x) to labels,
// one step down from their names as SonarQube's own documentation ranks
// them: a BLOCKER is critical, a MAJOR code smell is not high.
func sonarLabel(word string) (string, bool) {
	switch strings.ToUpper(word) {
	case "BLOCKER":
		return findings.SeverityCritical, true
	case "CRITICAL", "HIGH":
		return findings.SeverityHigh, true
	case "MAJOR", "MEDIUM":
		return findings.SeverityMedium, true
	case "MINOR", "LOW":
		return findings.SeverityLow, true
	case "INFO":
		return findings.SeverityInformational, true
	}
	return "", false
}

// sonarFindings converts issues and hotspots; project names the project
// when the results do not (sonar-report's sonarComponent).
func sonarFindings(serverURL, project string, issues []SonarIssue, hotspots []SonarHotspot, components []SonarComponent) []findings.Finding {
	paths := map[string]string{}
	for _, c := range components {
		if c.Path != "" {
			paths[c.Key] = c.Path
		}
	}
	projectKey := func(p, component string) string {
		if p != "" {
			return p
		}
		if project != "" {
			return project
		}
		return projectOf(component)
	}
	path := func(component string) string {
		if p, ok := paths[component]; ok {
			return p
		}
		if _, p, ok := strings.Cut(component, ":"); ok {
			return p
		}
		return component
	}
	base := strings.TrimRight(serverURL, "/")
	out := make([]findings.Finding, 0, len(issues)+len(hotspots))
	for _, is := range issues {
		// line is what the API states; a closed issue keeps its textRange
		// but has no line any more.
		start, end := is.Line, 0
		if is.TextRange != nil && start != 0 {
			end = is.TextRange.EndLine
		}
		// Keys are unique on a server, but exports in the wild repeat them
		// for different issues: the message keeps those apart.
		f := newFinding(sonarQubeTool, is.Component, fmt.Sprintf("%s:%d\x00%s", is.Key, start, is.Message), is.Rule)
		word := is.Severity
		label, ok := sonarLabel(word)
		if !ok {
			// SonarQube 10 without legacy severity: the worst impact.
			for _, im := range is.Impacts {
				if l, ok2 := sonarLabel(im.Severity); ok2 && findings.SeverityRank(l) > findings.SeverityRank(label) {
					label, ok = l, true
				}
			}
		}
		if !ok {
			label = findings.SeverityMedium
		}
		f.Severity = severity(label, is.Severity)
		switch is.Type {
		case "VULNERABILITY":
			f.Types = []string{"Software and Configuration Checks/Vulnerabilities"}
		case "BUG":
			f.Types = []string{"Software and Configuration Checks/Code Quality/Bug"}
		case "CODE_SMELL":
			f.Types = []string{"Software and Configuration Checks/Code Quality/Code Smell"}
		default:
			f.Types = []string{"Software and Configuration Checks/Code Quality"}
		}
		f.Title = firstNonEmpty(is.Message, is.Description, is.Rule)
		f.Description = strings.TrimSpace(is.Message + "\n\n" + fmt.Sprintf("Rule %s on %s", is.Rule, is.Component))
		if start > 0 {
			f.Description += fmt.Sprintf(" line %d", start)
		}
		if is.Description != "" && is.Description != is.Message {
			f.Description += ": " + is.Description
		}
		f.Description += "."
		f.Workflow = sonarWorkflow(is.Status, is.Resolution)
		if f.Workflow.Status == findings.WorkflowResolved {
			// Closed in SonarQube: archived, which a store applies even to
			// a finding it already holds (the workflow is the user's).
			f.RecordState = findings.RecordArchived
		}
		if base != "" && is.Key != "" {
			f.SourceUrl = fmt.Sprintf("%s/project/issues?id=%s&open=%s", base, url.QueryEscape(projectKey(is.Project, is.Component)), url.QueryEscape(is.Key))
		}
		f.ProductFields[findings.FieldRuleID] = is.Rule
		f.ProductFields[findings.FieldPath] = path(is.Component)
		f.ProductFields[findings.FieldStartLine] = itoa(start)
		f.ProductFields[findings.FieldEndLine] = itoa(end)
		f.ProductFields[findings.FieldTarget] = SonarTarget(projectKey(is.Project, is.Component), is.Branch, is.PullRequest)
		f.ProductFields["sonarqube/Key"] = is.Key
		f.ProductFields["sonarqube/Component"] = is.Component
		f.ProductFields["sonarqube/Type"] = is.Type
		f.ProductFields["sonarqube/Status"] = is.Status
		f.ProductFields["sonarqube/Resolution"] = is.Resolution
		var impacts []string
		for _, im := range is.Impacts {
			impacts = append(impacts, im.SoftwareQuality+":"+im.Severity)
		}
		f.ProductFields["sonarqube/Impacts"] = strings.Join(impacts, ",")
		f.ProductFields["sonarqube/Tags"] = strings.Join(is.Tags, ",")
		f.CreatedAt, f.UpdatedAt = sonarTime(is.CreationDate), sonarTime(is.UpdateDate)
		f.FirstObservedAt = f.CreatedAt
		f.Resources = []findings.Resource{{Type: resourceFile, Id: firstNonEmpty(is.Component, is.Project, "unknown component")}}
		out = append(out, f)
	}
	for _, h := range hotspots {
		start, end := h.Line, 0
		if h.TextRange != nil && start != 0 {
			end = h.TextRange.EndLine
		}
		f := newFinding(sonarQubeTool, h.Component, fmt.Sprintf("%s:%d\x00%s", h.Key, start, h.Message), h.RuleKey)
		label, ok := sonarLabel(h.VulnerabilityProbability)
		if !ok {
			label = findings.SeverityMedium
		}
		f.Severity = severity(label, h.VulnerabilityProbability)
		f.Types = []string{"Software and Configuration Checks/Vulnerabilities/Security Hotspot"}
		f.Title = firstNonEmpty(h.Message, h.RuleKey)
		f.Description = fmt.Sprintf("Security hotspot to review (%s, rule %s) on %s", h.SecurityCategory, h.RuleKey, h.Component)
		if start > 0 {
			f.Description += fmt.Sprintf(" line %d", start)
		}
		f.Description += ": " + h.Message
		f.Workflow = sonarWorkflow(h.Status, h.Resolution)
		if f.Workflow.Status == findings.WorkflowResolved {
			f.RecordState = findings.RecordArchived
		}
		if base != "" && h.Key != "" {
			f.SourceUrl = fmt.Sprintf("%s/security_hotspots?id=%s&hotspots=%s", base, url.QueryEscape(projectKey(h.Project, h.Component)), url.QueryEscape(h.Key))
		}
		f.ProductFields[findings.FieldRuleID] = h.RuleKey
		f.ProductFields[findings.FieldPath] = path(h.Component)
		f.ProductFields[findings.FieldStartLine] = itoa(start)
		f.ProductFields[findings.FieldEndLine] = itoa(end)
		f.ProductFields[findings.FieldTarget] = SonarTarget(projectKey(h.Project, h.Component), h.Branch, h.PullRequest)
		f.ProductFields["sonarqube/Key"] = h.Key
		f.ProductFields["sonarqube/Component"] = h.Component
		f.ProductFields["sonarqube/Type"] = "SECURITY_HOTSPOT"
		f.ProductFields["sonarqube/Status"] = h.Status
		f.ProductFields["sonarqube/Resolution"] = h.Resolution
		f.ProductFields["sonarqube/SecurityCategory"] = h.SecurityCategory
		f.CreatedAt, f.UpdatedAt = sonarTime(h.CreationDate), sonarTime(h.UpdateDate)
		f.FirstObservedAt = f.CreatedAt
		f.Resources = []findings.Resource{{Type: resourceFile, Id: firstNonEmpty(h.Component, h.Project, "unknown component")}}
		out = append(out, f)
	}
	return out
}

// SonarTarget names what a SonarQube finding was found in, for
// ProductFields secops/Target: the project key, with "@branch" or
// "#pull-request" when the analysis was not of the main branch.
func SonarTarget(project, branch, pullRequest string) string {
	switch {
	case pullRequest != "":
		return project + "#" + pullRequest
	case branch != "":
		return project + "@" + branch
	}
	return project
}

func projectOf(component string) string {
	p, _, _ := strings.Cut(component, ":")
	return p
}

// sonarWorkflow maps an issue or hotspot status to the ASFF workflow: what
// SonarQube users closed or accepted is not new.
func sonarWorkflow(status, resolution string) *findings.Workflow {
	switch strings.ToUpper(resolution) {
	case "FALSE-POSITIVE", "WONTFIX", "SAFE", "ACKNOWLEDGED":
		return &findings.Workflow{Status: findings.WorkflowSuppressed}
	case "FIXED", "REMOVED":
		return &findings.Workflow{Status: findings.WorkflowResolved}
	}
	switch strings.ToUpper(status) {
	case "CLOSED", "RESOLVED":
		return &findings.Workflow{Status: findings.WorkflowResolved}
	case "ACCEPTED":
		return &findings.Workflow{Status: findings.WorkflowSuppressed}
	case "CONFIRMED":
		return &findings.Workflow{Status: findings.WorkflowNotified}
	}
	return &findings.Workflow{Status: findings.WorkflowNew}
}

// sonarTime reads SonarQube's "2024-02-13T09:15:26+0000" timestamps.
func sonarTime(s string) string {
	t := asffTime(s)
	if t == "" {
		return ""
	}
	return t
}
