package report

import (
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// SARIF output follows SARIF 2.1.0 (OASIS) and what GitHub code scanning
// needs to accept an upload: one run, a distinct automationDetails.id per
// tool, rules with security-severity, artifact locations relative to the
// repository root, and at most MaxSARIFResults results per run.

const (
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion   = "2.1.0"
	// sarifSrcRoot is the uriBaseId of paths relative to the scanned
	// directory; GitHub resolves it to the repository root.
	sarifSrcRoot = "%SRCROOT%"
	// defaultToolName names the driver when Options.ToolName is empty.
	defaultToolName = "secops"
	toolInfoURI     = "https://github.com/secops-dev/secops"
	// fingerprintKey is the partialFingerprints key holding the finding Id,
	// so GitHub tracks an alert across uploads by the same identity secops
	// uses for the finding.
	fingerprintKey = "secopsFindingId/v1"
)

// MaxSARIFResults is the most results GitHub code scanning accepts in one
// run. Above it the highest-severity findings are kept and the run says how
// many were left out in a notification.
const MaxSARIFResults = 25000

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	AutomationDetails  *sarifAutomation                 `json:"automationDetails,omitempty"`
	Invocations        []sarifInvocation                `json:"invocations,omitempty"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult                    `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	FullDescription      *sarifMessage      `json:"fullDescription,omitempty"`
	Help                 *sarifMessage      `json:"help,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Precision        string   `json:"precision,omitempty"`
	Tags             []string `json:"tags,omitempty"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string       `json:"level"`
	Message sarifMessage `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          *sarifResultProps `json:"properties,omitempty"`
}

type sarifResultProps struct {
	Severity string `json:"secops-severity,omitempty"`
	// Finding is the ASFF finding the result stands for, so that
	// `secops findings import` of this log recognises secops's findings and
	// keeps them as they are (Id and ProductArn included) instead of
	// making a second finding of each. What only a user sets (workflow,
	// note, user-defined fields, verification state) stays in the store.
	Finding *findings.Finding `json:"secops-finding,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI         string        `json:"uri,omitempty"`
	URIBaseID   string        `json:"uriBaseId,omitempty"`
	Description *sarifMessage `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine,omitempty"`
}

type sarifLogicalLocation struct {
	Name string `json:"name,omitempty"`
	Kind string `json:"kind,omitempty"`
}

// writeSARIF writes one SARIF run for the findings.
func writeSARIF(w io.Writer, list []findings.Finding, o Options) error {
	return encodeIndented(w, buildSARIF(list, o, MaxSARIFResults))
}

// buildSARIF turns findings into a SARIF log of at most limit results. It
// only maps fields; the one choice it makes is which findings to keep when
// there are more than limit (the most severe, in their given order
// otherwise).
func buildSARIF(list []findings.Finding, o Options, limit int) sarifLog {
	tool := o.ToolName
	if tool == "" {
		tool = defaultToolName
	}
	kept, dropped := capResults(list, limit)

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           tool,
			Version:        o.ToolVersion,
			InformationURI: toolInfoURI,
			Rules:          []sarifRule{},
		}},
		AutomationDetails: &sarifAutomation{ID: automationID(tool)},
		Results:           make([]sarifResult, 0, len(kept)),
	}
	if dropped > 0 {
		run.Invocations = []sarifInvocation{{
			ExecutionSuccessful: true,
			ToolExecutionNotifications: []sarifNotification{{
				Level: "warning",
				Message: sarifMessage{Text: fmt.Sprintf(
					"%d of %d findings were left out: GitHub code scanning accepts at most %d results per run. The most severe are kept; narrow the findings (by severity, product or resource) to see the rest.",
					dropped, len(list), limit)},
			}},
		}}
	}

	ruleIndex := map[string]int{}
	for i := range kept {
		f := &kept[i]
		id := ruleID(f)
		idx, ok := ruleIndex[id]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			ruleIndex[id] = idx
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, newRule(id, f))
		} else {
			mergeRule(&run.Tool.Driver.Rules[idx], f)
		}
		res := sarifResult{
			RuleID:              id,
			RuleIndex:           idx,
			Level:               sarifLevel(f.SeverityLabel()),
			Message:             sarifMessage{Text: resultMessage(f)},
			Locations:           sarifLocations(f),
			PartialFingerprints: map[string]string{fingerprintKey: f.Id},
		}
		res.Properties = &sarifResultProps{Severity: f.SeverityLabel(), Finding: withoutTriage(f)}
		if usesSrcRoot(res.Locations) {
			run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{
				sarifSrcRoot: {Description: &sarifMessage{Text: "The directory that was scanned."}},
			}
		}
		run.Results = append(run.Results, res)
	}
	return sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}}
}

// withoutTriage is a copy of f without what a user set on it.
func withoutTriage(f *findings.Finding) *findings.Finding {
	c := *f
	c.Workflow, c.WorkflowState, c.Note, c.UserDefinedFields, c.VerificationState = nil, "", nil, nil, ""
	return &c
}

// capResults keeps at most limit findings, the most severe first, keeping
// the given order among findings of the same severity.
func capResults(list []findings.Finding, limit int) (kept []findings.Finding, dropped int) {
	if len(list) <= limit {
		return list, 0
	}
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return findings.SeverityRank(list[b].SeverityLabel()) - findings.SeverityRank(list[a].SeverityLabel())
	})
	keep := order[:limit]
	slices.Sort(keep)
	kept = make([]findings.Finding, 0, limit)
	for _, i := range keep {
		kept = append(kept, list[i])
	}
	return kept, len(list) - limit
}

var nonSlug = regexp.MustCompile(`[^a-z0-9._-]+`)

// automationID is the run's automationDetails.id, "secops/<tool>/": GitHub
// takes what comes before the last "/" as the upload's category, so uploads
// from different secops tools do not replace each other.
func automationID(tool string) string {
	slug := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(tool), "-"), "-")
	if slug == "" {
		slug = defaultToolName
	}
	if slug == defaultToolName {
		return "secops/"
	}
	return "secops/" + slug + "/"
}

// ruleID is the rule a finding belongs to: the scanner's rule, else the
// vulnerability, else the generator.
func ruleID(f *findings.Finding) string {
	if r := f.ProductFields[findings.FieldRuleID]; r != "" {
		return r
	}
	if len(f.Vulnerabilities) > 0 && f.Vulnerabilities[0].Id != "" {
		return f.Vulnerabilities[0].Id
	}
	return f.GeneratorId
}

func newRule(id string, f *findings.Finding) sarifRule {
	r := sarifRule{
		ID:                   id,
		ShortDescription:     sarifMessage{Text: nonEmpty(clean(f.Title), id)},
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(f.SeverityLabel())},
		Properties: sarifRuleProps{
			SecuritySeverity: securitySeverity(f),
			Tags:             ruleTags(f),
		},
	}
	if f.Description != "" {
		r.FullDescription = &sarifMessage{Text: f.Description}
	}
	if rec := recommendation(f); rec != nil {
		if rec.Text != "" {
			r.Help = &sarifMessage{Text: rec.Text}
		}
		r.HelpURI = absoluteURL(rec.Url)
	}
	return r
}

// mergeRule folds another finding of the same rule in: the rule is as
// severe as its most severe finding.
func mergeRule(r *sarifRule, f *findings.Finding) {
	s := securitySeverity(f)
	if parseScore(s) > parseScore(r.Properties.SecuritySeverity) {
		r.Properties.SecuritySeverity = s
		r.DefaultConfiguration.Level = sarifLevel(f.SeverityLabel())
	}
}

func parseScore(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func recommendation(f *findings.Finding) *findings.Recommendation {
	if f.Remediation == nil {
		return nil
	}
	return f.Remediation.Recommendation
}

// absoluteURL is s as a well-formed absolute URL, or "" when s is not one
// (SARIF's helpUri must be absolute).
func absoluteURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return ""
	}
	return u.String()
}

// sarifLevel maps a severity label to a result level.
func sarifLevel(label string) string {
	switch label {
	case findings.SeverityCritical, findings.SeverityHigh:
		return "error"
	case findings.SeverityMedium:
		return "warning"
	}
	return "note"
}

// Scores GitHub reads from security-severity: over 9.0 is critical, 7.0 to
// 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low. A label without a CVSS score
// gets a score inside its band (the same ones Trivy uses).
var labelScore = map[string]float64{
	findings.SeverityCritical:      9.5,
	findings.SeverityHigh:          8.0,
	findings.SeverityMedium:        5.5,
	findings.SeverityLow:           2.0,
	findings.SeverityInformational: 0.0,
}

// securitySeverity is the numeric severity GitHub ranks alerts by: the
// highest CVSS base score of the finding when it agrees with the finding's
// label (a user may have re-rated the finding), else the label's score.
func securitySeverity(f *findings.Finding) string {
	if f.HasUnknownSeverity() {
		// No number is better than an invented one: GitHub then ranks the
		// alert by its level.
		return ""
	}
	label := f.SeverityLabel()
	best := -1.0
	for _, v := range f.Vulnerabilities {
		for _, c := range v.Cvss {
			if c.BaseScore != nil && *c.BaseScore > best && *c.BaseScore <= 10 {
				best = *c.BaseScore
			}
		}
	}
	if best >= 0 && findings.LabelForCVSS(best) == label {
		return strconv.FormatFloat(best, 'f', 1, 64)
	}
	return strconv.FormatFloat(labelScore[label], 'f', 1, 64)
}

// ruleTags are "security" (which GitHub needs to treat the rule as a
// security rule) and the last part of each ASFF type.
func ruleTags(f *findings.Finding) []string {
	tags := []string{"security"}
	for _, t := range f.Types {
		tag := strings.TrimSpace(t[strings.LastIndex(t, "/")+1:])
		if tag != "" && !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	return tags
}

// resultMessage is the finding's title, with the package and its fix for
// vulnerabilities.
func resultMessage(f *findings.Finding) string {
	msg := nonEmpty(clean(f.Title), f.Id)
	if p := firstPackage(f); p != nil && p.Name != "" {
		msg += " (" + packageRef(p)
		if p.FixedInVersion != "" {
			msg += ", fixed in " + p.FixedInVersion
		}
		msg += ")"
	}
	return msg
}

// sarifLocations places a result: its code location; else, for a
// vulnerability, the manifest or lock file that pulls the package in; else
// the resource (an AWS resource, an image, a URL).
//
// Every location has a physical location with a line, because GitHub code
// scanning rejects the whole upload when one result has only a logical
// location ("expected a physical location") or none at all
// (github/codeql-action#1738). A finding about something that is not a
// file in the repository therefore points at the resource id as its
// artifact, line 1, as Trivy does for images, and names the resource again
// as a logical location.
func sarifLocations(f *findings.Finding) []sarifLocation {
	if p := f.ProductFields[findings.FieldPath]; p != "" && f.ProductFields[findings.FieldLines] != "" {
		// One package installed at several places of a lockfile: every
		// place, in order.
		var locs []sarifLocation
		for _, l := range strings.Split(f.ProductFields[findings.FieldLines], ",") {
			if n := lineNumber(l); n > 0 {
				locs = append(locs, sarifLocation{PhysicalLocation: &sarifPhysicalLocation{ArtifactLocation: artifactLocation(p), Region: &sarifRegion{StartLine: n}}})
			}
		}
		if len(locs) > 0 {
			return locs
		}
	}
	if p := f.ProductFields[findings.FieldPath]; p != "" {
		loc := sarifPhysicalLocation{ArtifactLocation: artifactLocation(p), Region: &sarifRegion{StartLine: 1}}
		if start := lineNumber(f.ProductFields[findings.FieldStartLine]); start > 0 {
			loc.Region.StartLine = start
			if end := lineNumber(f.ProductFields[findings.FieldEndLine]); end >= start {
				loc.Region.EndLine = end
			}
		}
		return []sarifLocation{{PhysicalLocation: &loc}}
	}
	pkg := firstPackage(f)
	var logical []sarifLogicalLocation
	if pkg != nil && pkg.Name != "" {
		logical = append(logical, sarifLogicalLocation{Name: packageRef(pkg), Kind: "module"})
	}
	if pkg != nil && pkg.FilePath != "" {
		loc := sarifPhysicalLocation{ArtifactLocation: artifactLocation(pkg.FilePath), Region: &sarifRegion{StartLine: 1}}
		return []sarifLocation{{PhysicalLocation: &loc, LogicalLocations: logical}}
	}
	id := primaryResource(f)
	if id == "" {
		id = f.Id
	}
	logical = append([]sarifLogicalLocation{{Name: id, Kind: "resource"}}, logical...)
	loc := sarifPhysicalLocation{ArtifactLocation: resourceLocation(id), Region: &sarifRegion{StartLine: 1}}
	return []sarifLocation{{PhysicalLocation: &loc, LogicalLocations: logical}}
}

// resourceLocation is a resource id as an artifact location: ids that are
// URIs already (URLs, ARNs) stay as they are, anything else (an image
// reference) is escaped as a relative reference.
func resourceLocation(id string) sarifArtifactLocation {
	if u, err := url.Parse(id); err == nil && u.Scheme != "" && !isWindowsAbs(id) {
		return sarifArtifactLocation{URI: u.String()}
	}
	return sarifArtifactLocation{URI: (&url.URL{Path: id}).String()}
}

// artifactLocation turns a file path into a SARIF artifact location: a
// relative URI under %SRCROOT% for relative paths, a file:// URI for
// absolute ones.
func artifactLocation(p string) sarifArtifactLocation {
	p = strings.ReplaceAll(p, `\`, "/")
	if isWindowsAbs(p) {
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: "/" + p}).String()}
	}
	if strings.HasPrefix(p, "/") {
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: path.Clean(p)}).String()}
	}
	p = strings.TrimPrefix(path.Clean(p), "./")
	return sarifArtifactLocation{URI: (&url.URL{Path: p}).String(), URIBaseID: sarifSrcRoot}
}

func isWindowsAbs(p string) bool {
	return len(p) >= 3 && p[1] == ':' && p[2] == '/' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z')
}

func usesSrcRoot(locs []sarifLocation) bool {
	for _, l := range locs {
		if l.PhysicalLocation != nil && l.PhysicalLocation.ArtifactLocation.URIBaseID == sarifSrcRoot {
			return true
		}
	}
	return false
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}
