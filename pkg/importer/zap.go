package importer

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// FormatZAP is OWASP ZAP's traditional JSON or XML report.
const FormatZAP Format = "zap"

// GeneratorZAP is the GeneratorId of ZAP's findings, whether they come
// from a ZAP report (findings import) or from ZAP's API (scan dast --zap):
// one converter, so the same alert is the same finding either way.
const GeneratorZAP = "secops/zap"

var zapTool = tool{format: FormatZAP, name: "ZAP", company: "ZAP", generator: GeneratorZAP}

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

// ZAPAlert is one kind of problem ZAP raised on a site (a plugin's alert,
// with its risk, confidence and advice) and the places it raised it
// (instances). ZAP's reports list alerts so; its API lists each instance as
// an alert of its own, which pkg/scan/zap groups back.
type ZAPAlert struct {
	PluginID, AlertRef, Name string
	// Risk is ZAP's word: High, Medium, Low or Informational.
	Risk string
	// Confidence is ZAP's word (Confirmed, High, Medium, Low, False
	// Positive) or, as reports write it, its code (4 to 0).
	Confidence                                  string
	Description, Solution, Reference, OtherInfo string
	CWEID, WASCID                               string
	// Count is how many instances ZAP found, when it listed fewer.
	Count     string
	Instances []ZAPInstance
}

// ZAPInstance is one place an alert was raised.
type ZAPInstance struct {
	URI, Method, Param, Attack string
	// Evidence is what ZAP saw (it can be a token or personal data): it
	// tells instances apart in the finding's Id and is not kept.
	Evidence string
	// OtherInfo says what the instance is about (ZAP 2.12 and later).
	OtherInfo string
}

// ZAPFindings converts the alerts ZAP raised on site into findings, one
// per instance, exactly as importing a report with these alerts does:
// same Ids, same fields, stamped with prov and validated. version is
// ZAP's version, when known.
func ZAPFindings(site string, alerts []ZAPAlert, version string, prov findings.Provenance) ([]findings.Finding, error) {
	var rep Report
	list, _ := zapFindings(site, alerts, version)
	err := finishReport(&zapImporter, &rep, list, prov)
	return rep.Findings, err
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
	URI       string `json:"uri" xml:"uri"`
	Method    string `json:"method" xml:"method"`
	Param     string `json:"param" xml:"param"`
	Attack    string `json:"attack" xml:"attack"`
	Evidence  string `json:"evidence" xml:"evidence"`
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
		alerts := make([]ZAPAlert, 0, len(s.Alerts))
		for _, a := range s.Alerts {
			risk := ""
			if !xmlForm {
				risk, _, _ = strings.Cut(a.RiskDesc, " (")
				risk = strings.TrimSpace(risk)
			}
			if risk == "" {
				risk = zapRisk[strings.TrimSpace(a.RiskCode)]
			}
			za := ZAPAlert{PluginID: a.PluginID, AlertRef: a.AlertRef, Name: firstNonEmpty(a.Alert, a.Name), Risk: risk,
				Confidence: a.Confidence, Description: a.Desc, Solution: a.Solution, Reference: a.Reference, OtherInfo: a.OtherInfo,
				CWEID: a.CWEID, WASCID: a.WASCID, Count: a.Count}
			for _, in := range a.Instances {
				za.Instances = append(za.Instances, ZAPInstance(in))
			}
			alerts = append(alerts, za)
		}
		list, noInstance := zapFindings(s.Name, alerts, version)
		out = append(out, list...)
		bare = append(bare, noInstance...)
	}
	// A finding is one instance (a URL); an alert that lists none, as ZAP
	// writes site-wide alerts such as "HTTP Only Site", has nothing to
	// attach it to.
	skip(len(bare), "ZAP alert(s) list no instance: "+listSome(bare, 5)+" (findings are one per instance; see the alert in ZAP's own report)")
	return out, nil
}

// zapFindings makes one finding per instance of the alerts on site, and
// names the alerts that list no instance.
func zapFindings(site string, alerts []ZAPAlert, version string) (out []findings.Finding, noInstance []string) {
	for _, a := range alerts {
		if len(a.Instances) == 0 {
			noInstance = append(noInstance, fmt.Sprintf("%s %q on %s", strings.TrimSpace(a.PluginID), strings.TrimSpace(a.Name), site))
			continue
		}
		for _, in := range a.Instances {
			out = append(out, zapFinding(site, a, in, version))
		}
	}
	return out, noInstance
}

// zapConfidence is ZAP's confidence as the code its reports write (0
// False Positive, 1 Low, 2 Medium, 3 High, 4 Confirmed), whichever way ZAP
// gave it, so a finding reads the same from a report and from the API.
func zapConfidence(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "false positive", "falsepositive":
		return "0"
	case "low":
		return "1"
	case "medium":
		return "2"
	case "high":
		return "3"
	case "confirmed", "user confirmed":
		return "4"
	}
	return strings.TrimSpace(s)
}

func zapFinding(site string, a ZAPAlert, in ZAPInstance, version string) findings.Finding {
	name := strings.TrimSpace(a.Name)
	uri := strings.TrimSpace(in.URI)
	method := strings.ToUpper(strings.TrimSpace(in.Method))
	rule := strings.TrimSpace(firstNonEmpty(a.AlertRef, a.PluginID))
	// The evidence can hold what the alert is about (tokens, personal
	// data): it only feeds the Id, it is not kept.
	f := newFinding(zapTool, firstNonEmpty(uri, site), method+"\x00"+in.Param+"\x00"+in.Attack+"\x00"+in.Evidence, rule)
	risk := strings.TrimSpace(a.Risk)
	label, ok := labelFromWord(risk)
	if !ok {
		label = findings.SeverityMedium
	}
	f.Severity = severity(label, risk)
	conf := zapConfidence(a.Confidence)
	f.Confidence = confidence(conf)
	if conf == "0" {
		// Confidence 0 is ZAP's "False Positive", set by a user.
		f.Workflow = &findings.Workflow{Status: findings.WorkflowSuppressed}
	}
	f.Types = []string{"Software and Configuration Checks/Vulnerabilities"}
	f.Title = name
	where := strings.TrimSpace(method + " " + uri)
	if in.Param != "" {
		where += " (parameter " + in.Param + ")"
	}
	// Where first: a long alert description is cut at 1024 characters.
	f.Description = strings.TrimSpace("Found at " + where + ".\n\n" + stripHTML(a.Description))
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
	f.ProductFields["zap/AlertInstances"] = strconv.Itoa(len(a.Instances))
	f.ProductFields["zap/AlertCount"] = strings.TrimSpace(a.Count)
	f.ProductFields["zap/Method"] = method
	f.ProductFields["zap/URI"] = uri
	f.ProductFields["zap/Param"] = strings.TrimSpace(in.Param)
	f.ProductFields["zap/Attack"] = findings.Truncate(strings.TrimSpace(in.Attack), 512)
	f.ProductFields["zap/Confidence"] = conf
	if a.CWEID != "" && a.CWEID != "-1" && a.CWEID != "0" {
		f.ProductFields["zap/CWE"] = "CWE-" + strings.TrimSpace(a.CWEID)
	}
	if a.WASCID != "" && a.WASCID != "-1" && a.WASCID != "0" {
		f.ProductFields["zap/WASC"] = strings.TrimSpace(a.WASCID)
	}
	f.ProductFields["secops/ToolVersion"] = version
	// The page is the resource: not its query, fragment or credentials.
	f.Resources = []findings.Resource{{Type: resourceURL, Id: firstNonEmpty(pageOf(uri), site, "unknown URL")}}
	return f
}

// pageOf is a URL without its query, fragment and user information.
func pageOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return raw
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.User = "", false, "", "", nil
	return u.String()
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
