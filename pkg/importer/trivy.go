package importer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatTrivy is Trivy's JSON report.
const FormatTrivy Format = "trivy"

var trivyTool = tool{format: FormatTrivy, name: "Trivy", company: "Aqua Security"}

var trivyImporter = importer{
	tool:  trivyTool,
	about: "Trivy JSON (images, file systems, repositories, Kubernetes)",
	shape: `Trivy {"SchemaVersion", "Results": [...]}`,
	object: func(top keys) bool {
		return top.has("SchemaVersion") && (top.has("Results") || top.has("ArtifactName") || top.has("ArtifactType")) ||
			top.has("ClusterName") && (top.has("Resources") || top.has("Vulnerabilities") || top.has("Misconfigurations"))
	},
	// Before 0.20 Trivy wrote a bare list of results.
	array: func(first keys) bool {
		return first.has("Target") && (first.has("Vulnerabilities") || first.has("Type") || first.has("Misconfigurations"))
	},
	parse: parseTrivy,
}

// Trivy's JSON report, SchemaVersion 2, plus the pre-0.20 bare list of
// results and the `trivy k8s` report that nests results under resources.
// https://trivy.dev/latest/docs/configuration/reporting/#json
type trivyReport struct {
	SchemaVersion int           `json:"SchemaVersion"`
	ArtifactName  string        `json:"ArtifactName"`
	ArtifactType  string        `json:"ArtifactType"`
	Results       []trivyResult `json:"Results"`
	Trivy         *struct {
		Version string `json:"Version"`
	} `json:"Trivy"`

	// trivy k8s
	ClusterName       string          `json:"ClusterName"`
	Resources         []trivyResource `json:"Resources"`
	Vulnerabilities   []trivyResource `json:"Vulnerabilities"`
	Misconfigurations []trivyResource `json:"Misconfigurations"`
}

type trivyResource struct {
	Namespace string        `json:"Namespace"`
	Kind      string        `json:"Kind"`
	Name      string        `json:"Name"`
	Results   []trivyResult `json:"Results"`
}

type trivyResult struct {
	Target            string               `json:"Target"`
	Class             string               `json:"Class"`
	Type              string               `json:"Type"`
	Vulnerabilities   []trivyVulnerability `json:"Vulnerabilities"`
	Misconfigurations []trivyMisconfig     `json:"Misconfigurations"`
	Secrets           []trivySecret        `json:"Secrets"`
	Licenses          []trivyLicense       `json:"Licenses"`
	// Output of Trivy modules, in a shape of their own.
	CustomResources []json.RawMessage `json:"CustomResources"`
}

type trivyLicense struct {
	Severity   string  `json:"Severity"`
	Category   string  `json:"Category"`
	PkgName    string  `json:"PkgName"`
	FilePath   string  `json:"FilePath"`
	Name       string  `json:"Name"`
	Confidence float64 `json:"Confidence"`
	Link       string  `json:"Link"`
}

type trivyVulnerability struct {
	VulnerabilityID  string   `json:"VulnerabilityID"`
	VendorIDs        []string `json:"VendorIDs"`
	PkgID            string   `json:"PkgID"`
	PkgName          string   `json:"PkgName"`
	PkgPath          string   `json:"PkgPath"`
	InstalledVersion string   `json:"InstalledVersion"`
	FixedVersion     string   `json:"FixedVersion"`
	Status           string   `json:"Status"`
	Layer            *struct {
		Digest string `json:"Digest"`
		DiffID string `json:"DiffID"`
	} `json:"Layer"`
	SeveritySource string `json:"SeveritySource"`
	PrimaryURL     string `json:"PrimaryURL"`
	DataSource     *struct {
		ID   string `json:"ID"`
		Name string `json:"Name"`
		URL  string `json:"URL"`
	} `json:"DataSource"`
	Title            string               `json:"Title"`
	Description      string               `json:"Description"`
	Severity         string               `json:"Severity"`
	CweIDs           []string             `json:"CweIDs"`
	CVSS             map[string]trivyCVSS `json:"CVSS"`
	References       []string             `json:"References"`
	PublishedDate    string               `json:"PublishedDate"`
	LastModifiedDate string               `json:"LastModifiedDate"`
}

type trivyCVSS struct {
	V2Vector  string   `json:"V2Vector"`
	V3Vector  string   `json:"V3Vector"`
	V40Vector string   `json:"V40Vector"`
	V2Score   *float64 `json:"V2Score"`
	V3Score   *float64 `json:"V3Score"`
	V40Score  *float64 `json:"V40Score"`
}

type trivyMisconfig struct {
	Type          string   `json:"Type"`
	ID            string   `json:"ID"`
	AVDID         string   `json:"AVDID"`
	Title         string   `json:"Title"`
	Description   string   `json:"Description"`
	Message       string   `json:"Message"`
	Resolution    string   `json:"Resolution"`
	Severity      string   `json:"Severity"`
	PrimaryURL    string   `json:"PrimaryURL"`
	References    []string `json:"References"`
	Status        string   `json:"Status"`
	CauseMetadata *struct {
		Resource  string `json:"Resource"`
		Provider  string `json:"Provider"`
		Service   string `json:"Service"`
		StartLine int    `json:"StartLine"`
		EndLine   int    `json:"EndLine"`
	} `json:"CauseMetadata"`
}

type trivySecret struct {
	RuleID    string `json:"RuleID"`
	Category  string `json:"Category"`
	Severity  string `json:"Severity"`
	Title     string `json:"Title"`
	StartLine int    `json:"StartLine"`
	EndLine   int    `json:"EndLine"`
	Match     string `json:"Match"`
	// Offset is where in the file the secret starts (Trivy 0.50 and
	// later): it tells apart two secrets on one line.
	Offset int `json:"Offset"`
}

const customReason = "Trivy custom resources (output of Trivy modules, in a shape of their own): not findings"

// trivyScope is where a result sits: the artifact and, for k8s reports,
// the workload.
type trivyScope struct {
	artifact, artifactType, workload, version string
}

func parseTrivy(data []byte, skip skipper) ([]findings.Finding, error) {
	t := stripBOM(data)
	var out []findings.Finding
	if t[0] == '[' {
		var results []trivyResult
		if err := json.Unmarshal(t, &results); err != nil {
			return nil, jsonErr(t, err)
		}
		custom := 0
		for _, r := range results {
			out = append(out, trivyResultFindings(trivyScope{}, r)...)
			custom += len(r.CustomResources)
		}
		skip(custom, customReason)
		return out, nil
	}
	var rep trivyReport
	if err := json.Unmarshal(t, &rep); err != nil {
		return nil, jsonErr(t, err)
	}
	scope := trivyScope{artifact: rep.ArtifactName, artifactType: rep.ArtifactType}
	if rep.Trivy != nil {
		scope.version = rep.Trivy.Version
	}
	custom := 0
	for _, r := range rep.Results {
		out = append(out, trivyResultFindings(scope, r)...)
		custom += len(r.CustomResources)
	}
	for _, group := range [][]trivyResource{rep.Resources, rep.Vulnerabilities, rep.Misconfigurations} {
		for _, res := range group {
			s := scope
			s.artifact = firstNonEmpty(rep.ClusterName, scope.artifact)
			s.artifactType = "kubernetes"
			s.workload = strings.Trim(res.Namespace+"/"+res.Kind+"/"+res.Name, "/")
			for _, r := range res.Results {
				out = append(out, trivyResultFindings(s, r)...)
				custom += len(r.CustomResources)
			}
		}
	}
	skip(custom, customReason)
	return out, nil
}

// resource is what a finding of this result is about: the image, the
// workload, or the file the result names.
func (s trivyScope) resource(target string) findings.Resource {
	switch {
	case s.workload != "":
		return findings.Resource{Type: "Other", Id: s.artifact + "/" + s.workload}
	case s.artifactType == "container_image":
		return findings.Resource{Type: resourceContainer, Id: firstNonEmpty(s.artifact, target)}
	}
	return findings.Resource{Type: resourceFile, Id: firstNonEmpty(target, s.artifact, "unknown target")}
}

func trivyLabel(word string) string {
	if l, ok := labelFromWord(word); ok {
		return l
	}
	// Trivy's own ASFF template reports UNKNOWN as INFORMATIONAL.
	return findings.SeverityInformational
}

func trivyResultFindings(s trivyScope, r trivyResult) []findings.Finding {
	var out []findings.Finding
	res := s.resource(r.Target)
	base := func(location, rule string) findings.Finding {
		f := newFinding(trivyTool, res.Id+"\x00"+r.Target, location, rule)
		f.Resources = []findings.Resource{res}
		// The scan target is what Trivy scanned (image, directory,
		// cluster); the result's own target (OS, lockfile, file) is kept
		// beside it.
		f.ProductFields[findings.FieldTarget] = s.artifact
		f.ProductFields["trivy/Target"] = r.Target
		f.ProductFields[findings.FieldRuleID] = rule
		f.ProductFields["secops/ToolVersion"] = s.version
		f.ProductFields["trivy/Workload"] = s.workload
		return f
	}
	for _, v := range r.Vulnerabilities {
		pkg := v.PkgName + "@" + v.InstalledVersion
		f := base(firstNonEmpty(v.PkgID, pkg)+"\x00"+v.PkgPath, v.VulnerabilityID)
		f.Severity = severity(trivyLabel(v.Severity), v.Severity)
		f.Types = []string{typeVulnerability}
		f.Title = fmt.Sprintf("%s: %s %s", v.VulnerabilityID, v.PkgName, v.InstalledVersion)
		if v.Title != "" {
			f.Title += ": " + v.Title
		}
		f.Description = firstNonEmpty(v.Description, v.Title)
		if v.FixedVersion != "" {
			f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{
				Text: fmt.Sprintf("Upgrade %s from %s to %s or later.", v.PkgName, v.InstalledVersion, v.FixedVersion),
				Url:  v.PrimaryURL,
			}}
		}
		f.SourceUrl = v.PrimaryURL
		f.ProductFields["trivy/Class"] = "vuln"
		f.ProductFields["trivy/Package"] = pkg
		f.ProductFields["trivy/Status"] = v.Status
		f.ProductFields["trivy/PkgPath"] = v.PkgPath
		f.ProductFields["trivy/CWEs"] = strings.Join(v.CweIDs, ",")
		// Language packages come from the lockfile the target names; OS
		// packages have no path of their own.
		if v.PkgPath != "" {
			f.ProductFields[findings.FieldPath] = v.PkgPath
		} else if r.Class == "lang-pkgs" {
			f.ProductFields[findings.FieldPath] = r.Target
		}
		sp := findings.SoftwarePackage{Name: v.PkgName, Version: v.InstalledVersion, FixedInVersion: v.FixedVersion,
			PackageManager: r.Type, FilePath: v.PkgPath}
		if v.Layer != nil {
			sp.SourceLayerHash = v.Layer.Digest
		}
		vuln := findings.Vulnerability{
			Id:                     v.VulnerabilityID,
			VulnerablePackages:     []findings.SoftwarePackage{sp},
			Cvss:                   trivyCvss(v.CVSS),
			RelatedVulnerabilities: v.VendorIDs,
			ReferenceUrls:          capList(v.References, 10),
			FixAvailable:           fixAvailable(v.FixedVersion),
		}
		if v.DataSource != nil {
			vuln.Vendor = &findings.VulnerabilityVendor{Name: v.DataSource.Name, Url: v.DataSource.URL,
				VendorSeverity: v.Severity, VendorCreatedAt: v.PublishedDate, VendorUpdatedAt: v.LastModifiedDate}
		} else if v.SeveritySource != "" {
			vuln.Vendor = &findings.VulnerabilityVendor{Name: v.SeveritySource, VendorSeverity: v.Severity}
		}
		if vuln.Vendor != nil {
			vuln.Vendor.VendorCreatedAt = asffTime(vuln.Vendor.VendorCreatedAt)
			vuln.Vendor.VendorUpdatedAt = asffTime(vuln.Vendor.VendorUpdatedAt)
			if vuln.Vendor.Name == "" {
				vuln.Vendor.Name = "Trivy"
			}
		}
		f.Vulnerabilities = []findings.Vulnerability{vuln}
		out = append(out, f)
	}
	for _, m := range r.Misconfigurations {
		id := firstNonEmpty(m.ID, m.AVDID)
		start, end, cause := 0, 0, ""
		if m.CauseMetadata != nil {
			start, end, cause = m.CauseMetadata.StartLine, m.CauseMetadata.EndLine, m.CauseMetadata.Resource
		}
		f := base(fmt.Sprintf("%s:%d", cause, start), id)
		f.Severity = severity(trivyLabel(m.Severity), m.Severity)
		f.Types = []string{typeBestPractice}
		f.Title = fmt.Sprintf("%s: %s", id, m.Title)
		f.Description = strings.TrimSpace(m.Message + "\n\n" + m.Description)
		if m.Resolution != "" || m.PrimaryURL != "" {
			f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{Text: m.Resolution, Url: m.PrimaryURL}}
		}
		if m.Status == "PASS" {
			f.Compliance = &findings.Compliance{Status: "PASSED"}
			f.Severity = severity(findings.SeverityInformational, m.Severity)
		} else if m.Status == "FAIL" {
			f.Compliance = &findings.Compliance{Status: "FAILED"}
		} else if m.Status == "EXCEPTION" {
			// Excepted by a policy exception: known and accepted.
			f.Workflow = &findings.Workflow{Status: findings.WorkflowSuppressed}
		}
		f.SourceUrl = m.PrimaryURL
		f.ProductFields["trivy/Class"] = "misconfig"
		f.ProductFields["trivy/Status"] = m.Status
		f.ProductFields["trivy/Type"] = m.Type
		f.ProductFields["trivy/CauseResource"] = cause
		f.ProductFields[findings.FieldPath] = r.Target
		f.ProductFields[findings.FieldStartLine] = itoa(start)
		f.ProductFields[findings.FieldEndLine] = itoa(end)
		out = append(out, f)
	}
	for _, sec := range r.Secrets {
		f := base(fmt.Sprintf("%d:%d", sec.StartLine, sec.EndLine), sec.RuleID)
		f.Severity = severity(trivyLabel(sec.Severity), sec.Severity)
		f.Types = []string{typeSecret}
		f.Title = fmt.Sprintf("Secret detected: %s in %s:%d", firstNonEmpty(sec.Title, sec.RuleID), r.Target, sec.StartLine)
		// The code lines around the secret are not kept, and its Match
		// only as redactTrivyMatch leaves it.
		f.Description = fmt.Sprintf("Trivy rule %s (%s) matched %q in %s line %d.", sec.RuleID, sec.Category, redactTrivyMatch(sec.Match), r.Target, sec.StartLine)
		f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: "Revoke and rotate the secret, then remove it from the code and the image.",
		}}
		f.ProductFields["trivy/Class"] = "secret"
		f.ProductFields[findings.FieldPath] = r.Target
		f.ProductFields[findings.FieldStartLine] = itoa(sec.StartLine)
		f.ProductFields[findings.FieldEndLine] = itoa(sec.EndLine)
		f.ProductFields["trivy/Offset"] = itoa(sec.Offset)
		out = append(out, f)
	}
	for _, l := range r.Licenses {
		subject := firstNonEmpty(l.PkgName, l.FilePath, r.Target)
		f := base(subject, "license/"+l.Name)
		f.Severity = severity(trivyLabel(l.Severity), l.Severity)
		f.Types = []string{typeBestPractice + "/License"}
		f.Title = fmt.Sprintf("License %s (%s) in %s", l.Name, l.Category, subject)
		f.Description = fmt.Sprintf("%s is under the %s license, which Trivy classifies as %s.", subject, l.Name, l.Category)
		f.SourceUrl = l.Link
		f.ProductFields["trivy/Class"] = "license"
		f.ProductFields["trivy/LicenseCategory"] = l.Category
		f.ProductFields["trivy/Package"] = l.PkgName
		f.ProductFields[findings.FieldPath] = l.FilePath
		out = append(out, f)
	}
	return out
}

// trivyMask is how Trivy masks a secret in a match: one asterisk per
// character. Shorter runs are taken for what the line itself holds.
var trivyMask = regexp.MustCompile(`\*{4,}`)

// redactTrivyMatch keeps no more of a Trivy secret's Match than
// redactMatch keeps of a gitleaks one: the line with each secret Trivy
// masked replaced by REDACTED (its length not kept either), cut at 200
// bytes; a match where no mask shows where the secret is (Trivy did not
// mask it) is hidden whole but for its length.
func redactTrivyMatch(match string) string {
	match = oneLine(match)
	if match == "" {
		return ""
	}
	if !trivyMask.MatchString(match) {
		return redact(match)
	}
	return findings.Truncate(trivyMask.ReplaceAllString(match, "REDACTED"), 200)
}

func trivyCvss(m map[string]trivyCVSS) []findings.Cvss {
	sources := make([]string, 0, len(m))
	for k := range m {
		sources = append(sources, k)
	}
	sort.Strings(sources)
	var out []findings.Cvss
	for _, src := range sources {
		c := m[src]
		if c.V40Score != nil || c.V40Vector != "" {
			out = append(out, findings.Cvss{Version: "4.0", BaseScore: c.V40Score, BaseVector: c.V40Vector, Source: src})
		}
		if c.V3Score != nil || c.V3Vector != "" {
			out = append(out, findings.Cvss{Version: cvssVersion(c.V3Vector, "3.1"), BaseScore: c.V3Score, BaseVector: c.V3Vector, Source: src})
		}
		if c.V2Score != nil || c.V2Vector != "" {
			out = append(out, findings.Cvss{Version: "2.0", BaseScore: c.V2Score, BaseVector: c.V2Vector, Source: src})
		}
	}
	return out
}

// cvssVersion reads the version from a "CVSS:3.0/…" vector.
func cvssVersion(vector, fallback string) string {
	if v, ok := strings.CutPrefix(vector, "CVSS:"); ok {
		if i := strings.IndexByte(v, '/'); i > 0 {
			return v[:i]
		}
	}
	return fallback
}

func fixAvailable(fixed string) string {
	if fixed == "" {
		return "NO"
	}
	return "YES"
}

func capList(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
