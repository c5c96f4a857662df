package importer

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatZAP is OWASP ZAP's traditional JSON or XML report.
const FormatZAP Format = "zap"

var zapTool = tool{format: FormatZAP, name: "ZAP", company: "ZAP"}

var zapImporter = importer{
	tool:  zapTool,
	about: "OWASP ZAP traditional JSON or XML report",
	shape: `ZAP {"@version", "site": [...]}`,
	object: func(top keys) bool {
		return top.has("site") && (top.has("@version") || top.has("@programName") || top.has("@generated"))
	},
	xmlRoot: "OWASPZAPReport",
	parse:   parseZAP,
}

// OWASP ZAP's traditional JSON and XML reports.
// https://www.zaproxy.org/docs/desktop/addons/report-generation/report-traditional-json/
// https://www.zaproxy.org/docs/desktop/addons/report-generation/report-traditional-xml/

type zapAlert struct {
	PluginID   string        `json:"pluginid" xml:"pluginid"`
	AlertRef   string        `json:"alertRef" xml:"alertRef"`
	Alert      string        `json:"alert" xml:"alert"`
	Name       string        `json:"name" xml:"name"`
	RiskCode   string        `json:"riskcode" xml:"riskcode"`
	Confidence string        `json:"confidence" xml:"confidence"`
	RiskDesc   string        `json:"riskdesc" xml:"riskdesc"`
	Desc       string        `json:"desc" xml:"desc"`
	Instances  []zapInstance `json:"instances" xml:"instances>instance"`
	Count      string        `json:"count" xml:"count"`
	Solution   string        `json:"solution" xml:"solution"`
	OtherInfo  string        `json:"otherinfo" xml:"otherinfo"`
	Reference  string        `json:"reference" xml:"reference"`
	CWEID      string        `json:"cweid" xml:"cweid"`
	WASCID     string        `json:"wascid" xml:"wascid"`
}

type zapInstance struct {
	URI      string `json:"uri" xml:"uri"`
	Method   string `json:"method" xml:"method"`
	Param    string `json:"param" xml:"param"`
	Attack   string `json:"attack" xml:"attack"`
	Evidence string `json:"evidence" xml:"evidence"`
	// ZAP 2.12 and later say per instance what it is about (the element,
	// the comment ...); older reports only per alert.
	OtherInfo string `json:"otherinfo" xml:"otherinfo"`
}

type zapSite struct {
	Name   string     `json:"@name" xml:"name,attr"`
	Alerts []zapAlert `json:"alerts" xml:"alerts>alertitem"`
}

type zapXMLReport struct {
	Version string    `xml:"version,attr"`
	Sites   []zapSite `xml:"site"`
}

var zapRisk = map[string]string{"0": "Informational", "1": "Low", "2": "Medium", "3": "High"}

func parseZAP(data []byte, skip skipper) ([]findings.Finding, error) {
	t := stripBOM(data)
	var sites []zapSite
	var version string
	xmlForm := t[0] == '<'
	if xmlForm {
		var r zapXMLReport
		dec := xml.NewDecoder(bytes.NewReader(t))
		dec.Strict = false
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("malformed XML: %w", err)
		}
		sites, version = r.Sites, r.Version
	} else {
		var r struct {
			Version string          `json:"@version"`
			Site    json.RawMessage `json:"site"`
		}
		if err := json.Unmarshal(t, &r); err != nil {
			return nil, jsonErr(t, err)
		}
		version = r.Version
		site := bytes.TrimSpace(r.Site)
		switch {
		case len(site) == 0 || string(site) == "null":
		case site[0] == '{':
			var one zapSite
			if err := json.Unmarshal(site, &one); err != nil {
				return nil, jsonErr(site, err)
			}
			sites = []zapSite{one}
		default:
			if err := json.Unmarshal(site, &sites); err != nil {
				return nil, jsonErr(site, err)
			}
		}
	}
	var out []findings.Finding
	var bare []string
	for _, s := range sites {
		for _, a := range s.Alerts {
			if len(a.Instances) == 0 {
				bare = append(bare, fmt.Sprintf("%s %q on %s", strings.TrimSpace(a.PluginID), strings.TrimSpace(firstNonEmpty(a.Alert, a.Name)), s.Name))
				continue
			}
			risk := ""
			if !xmlForm {
				risk, _, _ = strings.Cut(a.RiskDesc, " (")
				risk = strings.TrimSpace(risk)
			}
			if risk == "" {
				risk = zapRisk[strings.TrimSpace(a.RiskCode)]
			}
			for _, in := range a.Instances {
				out = append(out, zapFinding(s.Name, a, in, risk, len(a.Instances), version))
			}
		}
	}
	// A finding is one instance (a URL); an alert that lists none, as ZAP
	// writes site-wide alerts such as "HTTP Only Site", has nothing to
	// attach it to.
	skip(len(bare), "ZAP alert(s) list no instance: "+listSome(bare, 5)+" (findings are one per instance; see the alert in ZAP's own report)")
	return out, nil
}

func zapFinding(site string, a zapAlert, in zapInstance, risk string, instances int, version string) findings.Finding {
	name := strings.TrimSpace(firstNonEmpty(a.Alert, a.Name))
	uri := strings.TrimSpace(in.URI)
	rule := strings.TrimSpace(firstNonEmpty(a.AlertRef, a.PluginID))
	// The evidence can hold what the alert is about (tokens, personal
	// data): it only feeds the Id, it is not kept.
	f := newFinding(zapTool, firstNonEmpty(uri, site), in.Method+"\x00"+in.Param+"\x00"+in.Attack+"\x00"+in.Evidence, rule)
	label, ok := labelFromWord(risk)
	if !ok {
		label = findings.SeverityMedium
	}
	f.Severity = severity(label, risk)
	f.Confidence = confidence(a.Confidence)
	if strings.TrimSpace(a.Confidence) == "0" {
		// Confidence 0 is ZAP's "False Positive", set by a user.
		f.Workflow = &findings.Workflow{Status: findings.WorkflowSuppressed}
	}
	f.Types = []string{"Software and Configuration Checks/Vulnerabilities"}
	f.Title = name
	where := strings.TrimSpace(in.Method + " " + uri)
	if in.Param != "" {
		where += " (parameter " + in.Param + ")"
	}
	// Where first: a long alert description is cut at 1024 characters.
	f.Description = strings.TrimSpace("Found at " + where + ".\n\n" + stripHTML(a.Desc))
	if other := firstNonEmpty(in.OtherInfo, a.OtherInfo); other != "" {
		f.Description += "\n\n" + stripHTML(other)
	}
	refs := strings.Fields(stripHTML(a.Reference))
	sol := stripHTML(a.Solution)
	if sol != "" || len(refs) > 0 {
		rec := &findings.Recommendation{Text: sol}
		if len(refs) > 0 && strings.HasPrefix(refs[0], "http") {
			rec.Url = refs[0]
		}
		f.Remediation = &findings.Remediation{Recommendation: rec}
	}
	f.ProductFields[findings.FieldRuleID] = strings.TrimSpace(a.PluginID)
	f.ProductFields[findings.FieldTarget] = site
	f.ProductFields["zap/Alert"] = name
	f.ProductFields["zap/AlertRef"] = strings.TrimSpace(a.AlertRef)
	f.ProductFields["zap/AlertInstances"] = strconv.Itoa(instances)
	f.ProductFields["zap/AlertCount"] = strings.TrimSpace(a.Count)
	f.ProductFields["zap/Method"] = strings.TrimSpace(in.Method)
	f.ProductFields["zap/URI"] = uri
	f.ProductFields["zap/Param"] = strings.TrimSpace(in.Param)
	f.ProductFields["zap/Attack"] = truncate(strings.TrimSpace(in.Attack), 512)
	f.ProductFields["zap/Confidence"] = strings.TrimSpace(a.Confidence)
	if a.CWEID != "" && a.CWEID != "-1" && a.CWEID != "0" {
		f.ProductFields["zap/CWE"] = "CWE-" + strings.TrimSpace(a.CWEID)
	}
	if a.WASCID != "" && a.WASCID != "-1" && a.WASCID != "0" {
		f.ProductFields["zap/WASC"] = strings.TrimSpace(a.WASCID)
	}
	f.ProductFields["secops/ToolVersion"] = version
	f.Resources = []findings.Resource{{Type: resourceURL, Id: firstNonEmpty(uri, site, "unknown URL")}}
	return f
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// stripHTML turns ZAP's HTML paragraphs into plain text.
func stripHTML(s string) string {
	s = strings.ReplaceAll(s, "</p>", "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
