package importer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatOSVScanner is osv-scanner's JSON output.
const FormatOSVScanner Format = "osv-scanner"

var osvScannerTool = tool{format: FormatOSVScanner, name: "osv-scanner", company: "Google"}

var osvScannerImporter = importer{
	tool:    osvScannerTool,
	aliases: []string{"osv", "osvscanner"},
	about:   "osv-scanner JSON",
	shape:   `osv-scanner {"results": [...]}`,
	object: func(top keys) bool {
		return top.has("results") && (top.has("experimental_config") || looksLikeOSV(top["results"]))
	},
	parse: noSkips(parseOSVScanner),
}

func looksLikeOSV(raw json.RawMessage) bool {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return false
	}
	if len(list) == 0 {
		return true
	}
	first, ok := firstElement(raw)
	return ok && (first.has("packages") || first.has("source"))
}

// osv-scanner's JSON output (osv-scanner --format json).
// https://google.github.io/osv-scanner/output/#json
// Each vulnerability is a full OSV record: https://ossf.github.io/osv-schema/
type osvReport struct {
	Results []struct {
		Source struct {
			Path string `json:"path"`
			Type string `json:"type"`
		} `json:"source"`
		Packages []struct {
			Package struct {
				Name      string `json:"name"`
				Version   string `json:"version"`
				Ecosystem string `json:"ecosystem"`
			} `json:"package"`
			Vulnerabilities []osvRecord `json:"vulnerabilities"`
			Groups          []struct {
				IDs         []string `json:"ids"`
				Aliases     []string `json:"aliases"`
				MaxSeverity string   `json:"max_severity"`
			} `json:"groups"`
		} `json:"packages"`
	} `json:"results"`
}

type osvRecord struct {
	ID        string   `json:"id"`
	Summary   string   `json:"summary"`
	Details   string   `json:"details"`
	Aliases   []string `json:"aliases"`
	Published string   `json:"published"`
	Modified  string   `json:"modified"`
	Severity  []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			Purl      string `json:"purl"`
		} `json:"package"`
		Ranges []struct {
			Type   string `json:"type"`
			Events []struct {
				Introduced string `json:"introduced"`
				Fixed      string `json:"fixed"`
			} `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
	References []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"references"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
}

func parseOSVScanner(data []byte) ([]findings.Finding, error) {
	var r osvReport
	if err := json.Unmarshal(stripBOM(data), &r); err != nil {
		return nil, jsonErr(data, err)
	}
	var out []findings.Finding
	for _, res := range r.Results {
		for _, p := range res.Packages {
			pk := p.Package
			pkg := fmt.Sprintf("%s/%s@%s", pk.Ecosystem, pk.Name, pk.Version)
			for _, v := range p.Vulnerabilities {
				groupMax := ""
				for _, g := range p.Groups {
					if contains(g.IDs, v.ID) {
						groupMax = g.MaxSeverity
					}
				}
				out = append(out, osvFinding(res.Source.Path, pkg, pk.Ecosystem, pk.Name, pk.Version, v, groupMax))
			}
		}
	}
	return out, nil
}

func osvFinding(source, pkg, ecosystem, name, version string, v osvRecord, groupMax string) findings.Finding {
	var ds struct {
		Severity string `json:"severity"`
	}
	_ = json.Unmarshal(v.DatabaseSpecific, &ds)

	f := newFinding(osvScannerTool, source, pkg, v.ID)
	// The advisory's own word (GitHub's LOW/MODERATE/HIGH/CRITICAL) first,
	// then osv-scanner's group max_severity (a CVSS score), then the score
	// of the record's CVSS v3 vector. An advisory that rates itself nowhere
	// is MEDIUM: a known vulnerability, of unstated severity.
	label, ok := labelFromWord(ds.Severity)
	var cvss []findings.Cvss
	for _, s := range v.Severity {
		c := findings.Cvss{BaseVector: s.Score, Source: "osv"}
		switch s.Type {
		case "CVSS_V3":
			c.Version = cvssVersion(s.Score, "3.1")
			if score, ok := cvss3Score(s.Score); ok {
				c.BaseScore = &score
			}
		case "CVSS_V4":
			c.Version = "4.0"
		case "CVSS_V2":
			c.Version = "2.0"
		default:
			continue
		}
		cvss = append(cvss, c)
	}
	if !ok {
		if score, err := strconv.ParseFloat(groupMax, 64); err == nil && score > 0 {
			label, ok = findings.LabelForCVSS(score), true
		}
	}
	if !ok {
		for _, c := range cvss {
			if c.BaseScore != nil {
				label, ok = findings.LabelForCVSS(*c.BaseScore), true
				break
			}
		}
	}
	if !ok {
		label = findings.SeverityMedium
	}
	f.Severity = severity(label, ds.Severity)
	f.Types = []string{typeVulnerability}
	f.Title = fmt.Sprintf("%s: %s %s", v.ID, name, version)
	if v.Summary != "" {
		f.Title += ": " + v.Summary
	}
	f.Description = firstNonEmpty(v.Details, v.Summary)

	fixed := ""
	for _, a := range v.Affected {
		if a.Package.Name != name || (a.Package.Ecosystem != "" && !strings.EqualFold(a.Package.Ecosystem, ecosystem)) {
			continue
		}
		for _, rg := range a.Ranges {
			for _, e := range rg.Events {
				if e.Fixed != "" && rg.Type != "GIT" {
					fixed = e.Fixed
				}
			}
		}
	}
	var refs []string
	advisory := ""
	for _, ref := range v.References {
		refs = append(refs, ref.URL)
		if ref.Type == "ADVISORY" && advisory == "" {
			advisory = ref.URL
		}
	}
	if fixed != "" {
		f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: fmt.Sprintf("Upgrade %s from %s to %s or later.", name, version, fixed),
			Url:  advisory,
		}}
	}
	f.SourceUrl = "https://osv.dev/vulnerability/" + v.ID
	f.Vulnerabilities = []findings.Vulnerability{{
		Id:                     v.ID,
		VulnerablePackages:     []findings.SoftwarePackage{{Name: name, Version: version, PackageManager: ecosystem, FixedInVersion: fixed, FilePath: source}},
		Cvss:                   cvss,
		RelatedVulnerabilities: v.Aliases,
		ReferenceUrls:          capList(refs, 10),
		FixAvailable:           fixAvailable(fixed),
		Vendor: &findings.VulnerabilityVendor{Name: "OSV", Url: f.SourceUrl, VendorSeverity: ds.Severity,
			VendorCreatedAt: asffTime(v.Published), VendorUpdatedAt: asffTime(v.Modified)},
	}}
	f.ProductFields[findings.FieldRuleID] = v.ID
	f.ProductFields[findings.FieldPath] = source
	f.ProductFields["osv-scanner/Package"] = pkg
	f.Resources = []findings.Resource{{Type: resourcePackage, Id: pkg}}
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
