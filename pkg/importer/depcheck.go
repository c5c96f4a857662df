package importer

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatDependencyCheck is OWASP Dependency-Check's JSON or XML report.
const FormatDependencyCheck Format = "dependency-check"

var dependencyCheckTool = tool{format: FormatDependencyCheck, name: "Dependency-Check", company: "OWASP"}

var dependencyCheckImporter = importer{
	tool:    dependencyCheckTool,
	aliases: []string{"dependencycheck", "owasp-dependency-check", "depcheck"},
	about:   "OWASP Dependency-Check JSON or XML",
	shape:   `Dependency-Check {"scanInfo", "dependencies": [...]}`,
	object: func(top keys) bool {
		return top.has("dependencies") && (top.has("scanInfo") || top.has("reportSchema") || top.has("projectInfo"))
	},
	xmlRoot: "analysis",
	parse:   parseDependencyCheck,
}

// OWASP Dependency-Check reports, JSON and XML (schema 2.x).
// https://jeremylong.github.io/DependencyCheck/general/scan_reports.html
// XML schema: https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd

// dcDependency and dcVulnerability are the report read from either form.
type dcDependency struct {
	FileName, FilePath, Package string
	Vulnerabilities             []dcVulnerability
}

type dcVulnerability struct {
	Source, Name, Severity, Description string
	CVSSv2, CVSSv3                      *float64
	CVSSv2Vector, CVSSv3Vector          string
	CWEs                                []string
	References                          []string
	FixedIn                             string
}

// number reads a JSON number that some versions write as a string.
type number struct{ v *float64 }

func (n *number) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil // a score that is not a number is no score
	}
	n.v = &f
	return nil
}

type dcJSON struct {
	ScanInfo struct {
		EngineVersion string `json:"engineVersion"`
	} `json:"scanInfo"`
	ProjectInfo struct {
		Name string `json:"name"`
	} `json:"projectInfo"`
	Dependencies []struct {
		FileName string `json:"fileName"`
		FilePath string `json:"filePath"`
		Packages []struct {
			ID string `json:"id"`
		} `json:"packages"`
		Identifiers []struct {
			Name string `json:"name"`
		} `json:"identifiers"`
		Vulnerabilities []struct {
			Source      string   `json:"source"`
			Name        string   `json:"name"`
			Severity    string   `json:"severity"`
			Description string   `json:"description"`
			CvssScore   number   `json:"cvssScore"`
			CWE         string   `json:"cwe"`
			CWEs        []string `json:"cwes"`
			CVSSv2      *struct {
				Score  number `json:"score"`
				Vector string `json:"vectorString"`
			} `json:"cvssv2"`
			CVSSv3 *struct {
				BaseScore number `json:"baseScore"`
				Vector    string `json:"vectorString"`
			} `json:"cvssv3"`
			References []struct {
				URL string `json:"url"`
			} `json:"references"`
			// Old versions write software as a plain CPE string.
			VulnerableSoftware []struct {
				Software json.RawMessage `json:"software"`
			} `json:"vulnerableSoftware"`
		} `json:"vulnerabilities"`
		SuppressedVulnerabilities []json.RawMessage `json:"suppressedVulnerabilities"`
	} `json:"dependencies"`
}

type dcXML struct {
	ScanInfo struct {
		EngineVersion string `xml:"engineVersion"`
	} `xml:"scanInfo"`
	ProjectInfo struct {
		Name string `xml:"name"`
	} `xml:"projectInfo"`
	Dependencies []struct {
		FileName    string `xml:"fileName"`
		FilePath    string `xml:"filePath"`
		Identifiers struct {
			Packages []struct {
				ID string `xml:"id"`
			} `xml:"package"`
		} `xml:"identifiers"`
		Packages struct {
			Packages []struct {
				ID string `xml:"id"`
			} `xml:"package"`
		} `xml:"packages"`
		Vulnerabilities struct {
			Vulnerability []struct {
				Source      string `xml:"source,attr"`
				Name        string `xml:"name"`
				Severity    string `xml:"severity"`
				Description string `xml:"description"`
				CVSSv2      *struct {
					Score  string `xml:"score"`
					Vector string `xml:"vectorString"`
				} `xml:"cvssV2"`
				CVSSv3 *struct {
					BaseScore string `xml:"baseScore"`
					Vector    string `xml:"vectorString"`
				} `xml:"cvssV3"`
				CWEs       []string `xml:"cwes>cwe"`
				References []struct {
					URL string `xml:"url"`
				} `xml:"references>reference"`
				Software []struct {
					ID                     string `xml:",chardata"`
					VulnerabilityIDMatched string `xml:"vulnerabilityIdMatched,attr"`
					VersionEndExcluding    string `xml:"versionEndExcluding,attr"`
				} `xml:"vulnerableSoftware>software"`
			} `xml:"vulnerability"`
			// The XML template writes suppressed vulnerabilities here,
			// after the others.
			Suppressed []struct{} `xml:"suppressedVulnerability"`
		} `xml:"vulnerabilities"`
		// Reports that list them in <suppressedVulnerabilities> are read too.
		Suppressed []struct{} `xml:"suppressedVulnerabilities>suppressedVulnerability"`
	} `xml:"dependencies>dependency"`
}

func parseDependencyCheck(data []byte, skip skipper) ([]findings.Finding, error) {
	t := stripBOM(data)
	var deps []dcDependency
	var version, project string
	suppressed := 0
	if t[0] == '<' {
		var r dcXML
		dec := xml.NewDecoder(bytes.NewReader(t))
		dec.Strict = false
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("malformed XML: %w", err)
		}
		version, project = r.ScanInfo.EngineVersion, strings.TrimSpace(r.ProjectInfo.Name)
		for _, d := range r.Dependencies {
			dep := dcDependency{FileName: strings.TrimSpace(d.FileName), FilePath: strings.TrimSpace(d.FilePath)}
			suppressed += len(d.Suppressed) + len(d.Vulnerabilities.Suppressed)
			if len(d.Identifiers.Packages) > 0 {
				dep.Package = strings.TrimSpace(d.Identifiers.Packages[0].ID)
			} else if len(d.Packages.Packages) > 0 {
				dep.Package = strings.TrimSpace(d.Packages.Packages[0].ID)
			}
			for _, v := range d.Vulnerabilities.Vulnerability {
				dv := dcVulnerability{Source: v.Source, Name: strings.TrimSpace(v.Name), Severity: strings.TrimSpace(v.Severity),
					Description: strings.TrimSpace(v.Description), CWEs: v.CWEs}
				if v.CVSSv2 != nil {
					dv.CVSSv2, dv.CVSSv2Vector = parseScore(v.CVSSv2.Score), v.CVSSv2.Vector
				}
				if v.CVSSv3 != nil {
					dv.CVSSv3, dv.CVSSv3Vector = parseScore(v.CVSSv3.BaseScore), v.CVSSv3.Vector
				}
				for _, r := range v.References {
					dv.References = append(dv.References, strings.TrimSpace(r.URL))
				}
				for _, s := range v.Software {
					if s.VulnerabilityIDMatched == "true" && s.VersionEndExcluding != "" {
						dv.FixedIn = s.VersionEndExcluding
					}
				}
				dep.Vulnerabilities = append(dep.Vulnerabilities, dv)
			}
			deps = append(deps, dep)
		}
	} else {
		var r dcJSON
		if err := json.Unmarshal(t, &r); err != nil {
			return nil, jsonErr(t, err)
		}
		version, project = r.ScanInfo.EngineVersion, r.ProjectInfo.Name
		for _, d := range r.Dependencies {
			dep := dcDependency{FileName: d.FileName, FilePath: d.FilePath}
			suppressed += len(d.SuppressedVulnerabilities)
			if len(d.Packages) > 0 {
				dep.Package = d.Packages[0].ID
			} else if len(d.Identifiers) > 0 {
				dep.Package = d.Identifiers[0].Name
			}
			for _, v := range d.Vulnerabilities {
				dv := dcVulnerability{Source: v.Source, Name: v.Name, Severity: v.Severity, Description: v.Description, CWEs: v.CWEs, CVSSv2: v.CvssScore.v}
				if v.CWE != "" && len(dv.CWEs) == 0 {
					dv.CWEs = []string{v.CWE}
				}
				if v.CVSSv2 != nil {
					dv.CVSSv2, dv.CVSSv2Vector = v.CVSSv2.Score.v, v.CVSSv2.Vector
				}
				if v.CVSSv3 != nil {
					dv.CVSSv3, dv.CVSSv3Vector = v.CVSSv3.BaseScore.v, v.CVSSv3.Vector
				}
				for _, r := range v.References {
					if r.URL != "" {
						dv.References = append(dv.References, r.URL)
					}
				}
				for _, s := range v.VulnerableSoftware {
					var sw struct {
						VulnerabilityIDMatched string `json:"vulnerabilityIdMatched"`
						VersionEndExcluding    string `json:"versionEndExcluding"`
					}
					if json.Unmarshal(s.Software, &sw) == nil && sw.VulnerabilityIDMatched == "true" && sw.VersionEndExcluding != "" {
						dv.FixedIn = sw.VersionEndExcluding
					}
				}
				dep.Vulnerabilities = append(dep.Vulnerabilities, dv)
			}
			deps = append(deps, dep)
		}
	}
	var out []findings.Finding
	for _, dep := range deps {
		for _, v := range dep.Vulnerabilities {
			f := dcFinding(dep, v, version)
			f.ProductFields[findings.FieldTarget] = project
			out = append(out, f)
		}
	}
	skip(suppressed, "vulnerabilities suppressed by a Dependency-Check suppression file (remove the suppression to import them)")
	return out, nil
}

func parseScore(s string) *float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return nil
	}
	return &f
}

func dcFinding(dep dcDependency, v dcVulnerability, version string) findings.Finding {
	resource := firstNonEmpty(dep.FilePath, dep.FileName, dep.Package, "unknown dependency")
	f := newFinding(dependencyCheckTool, resource, dep.Package, v.Name)
	label, ok := labelFromWord(v.Severity)
	if !ok {
		switch {
		case v.CVSSv3 != nil:
			label = findings.LabelForCVSS(*v.CVSSv3)
		case v.CVSSv2 != nil:
			label = findings.LabelForCVSS(*v.CVSSv2)
		default:
			label = findings.SeverityMedium
		}
	}
	f.Severity = severity(label, v.Severity)
	f.Types = []string{typeVulnerability}
	name, pkgVersion := packageNameVersion(dep.Package, dep.FileName)
	f.Title = fmt.Sprintf("%s in %s", oneLine(v.Name), dep.FileName)
	f.Description = firstNonEmpty(v.Description, v.Name)
	if v.FixedIn != "" {
		f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: fmt.Sprintf("Upgrade %s to %s or later.", firstNonEmpty(name, dep.FileName), v.FixedIn),
		}}
	}
	var cvss []findings.Cvss
	if v.CVSSv3 != nil || v.CVSSv3Vector != "" {
		cvss = append(cvss, findings.Cvss{Version: cvssVersion(v.CVSSv3Vector, "3.1"), BaseScore: v.CVSSv3, BaseVector: v.CVSSv3Vector, Source: v.Source})
	}
	if v.CVSSv2 != nil || v.CVSSv2Vector != "" {
		cvss = append(cvss, findings.Cvss{Version: "2.0", BaseScore: v.CVSSv2, BaseVector: v.CVSSv2Vector, Source: v.Source})
	}
	f.Vulnerabilities = []findings.Vulnerability{{
		Id:                 findings.Truncate(v.Name, 512),
		VulnerablePackages: []findings.SoftwarePackage{{Name: name, Version: pkgVersion, FilePath: dep.FilePath, FixedInVersion: v.FixedIn}},
		Cvss:               cvss,
		ReferenceUrls:      capList(v.References, 10),
		Vendor:             &findings.VulnerabilityVendor{Name: firstNonEmpty(v.Source, "Dependency-Check"), VendorSeverity: v.Severity},
	}}
	if v.FixedIn != "" {
		// Without a matched version range Dependency-Check does not say
		// whether a fix exists, so FixAvailable stays unset.
		f.Vulnerabilities[0].FixAvailable = "YES"
	}
	f.ProductFields["dependency-check/CWEs"] = strings.Join(v.CWEs, ",")
	f.ProductFields[findings.FieldRuleID] = v.Name
	f.ProductFields[findings.FieldPath] = dep.FilePath
	f.ProductFields["dependency-check/FileName"] = dep.FileName
	f.ProductFields["dependency-check/Package"] = dep.Package
	f.ProductFields["dependency-check/Source"] = v.Source
	f.ProductFields["secops/ToolVersion"] = version
	f.Resources = []findings.Resource{{Type: resourcePackage, Id: firstNonEmpty(dep.Package, resource)}}
	return f
}

// packageNameVersion splits a package URL (pkg:type/ns/name@version) or a
// Maven coordinate (group:artifact:version) into name and version.
func packageNameVersion(pkg, fallback string) (string, string) {
	if rest, ok := strings.CutPrefix(pkg, "pkg:"); ok {
		if i := strings.IndexAny(rest, "?#"); i >= 0 {
			rest = rest[:i]
		}
		typ, path, _ := strings.Cut(rest, "/")
		name, version, _ := strings.Cut(path, "@")
		if n, err := url.PathUnescape(name); err == nil {
			name = n
		}
		if typ == "maven" {
			// Maven's own group:artifact form.
			if i := strings.LastIndexByte(name, '/'); i >= 0 {
				name = name[:i] + ":" + name[i+1:]
			}
		}
		return name, version
	}
	if strings.HasPrefix(pkg, "cpe:") {
		return fallback, ""
	}
	if parts := strings.Split(pkg, ":"); len(parts) == 3 {
		return parts[0] + ":" + parts[1], parts[2]
	}
	return firstNonEmpty(pkg, fallback), ""
}
