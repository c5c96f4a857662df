package zap

import (
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// GeneratorID is the GeneratorId of findings converted from ZAP alerts.
const GeneratorID = "secops/zap"

var riskLabel = map[string]string{
	"high":          findings.SeverityHigh,
	"medium":        findings.SeverityMedium,
	"low":           findings.SeverityLow,
	"informational": findings.SeverityInformational,
	"info":          findings.SeverityInformational,
}

var confidenceScore = map[string]int32{"confirmed": 100, "high": 80, "medium": 50, "low": 20}

// ToFindings converts alerts to ASFF: one finding per alert instance,
// de-duplicated by plugin id, URL (without query) and parameter. Alerts a
// user marked "False Positive" in ZAP are dropped.
func ToFindings(alerts []Alert, target string, prov findings.Provenance) ([]findings.Finding, error) {
	seen := map[string]bool{}
	var out []findings.Finding
	for _, a := range alerts {
		conf := strings.ToLower(strings.TrimSpace(a.Confidence))
		if conf == "false positive" {
			continue
		}
		u := withoutQuery(a.URL)
		plugin := a.PluginID
		if a.AlertRef != "" {
			plugin = a.AlertRef
		}
		key := plugin + "\x00" + u + "\x00" + a.Param
		if seen[key] {
			continue
		}
		seen[key] = true
		label, ok := riskLabel[strings.ToLower(strings.TrimSpace(a.Risk))]
		if !ok {
			label = findings.SeverityInformational
		}
		name := a.Name
		if name == "" {
			name = a.Alert
		}
		method := strings.ToUpper(a.Method)
		location := strings.TrimSpace(method + " " + a.Param)
		types := []string{"Software and Configuration Checks/Vulnerabilities/CWE"}
		if a.CWEID == "" || a.CWEID == "0" || a.CWEID == "-1" {
			types = []string{"Software and Configuration Checks"}
		}
		title := name
		if a.Param != "" {
			title += " (" + a.Param + ")"
		}
		f := findings.Finding{
			Id:          findings.NewID(GeneratorID, u, location, plugin),
			GeneratorId: GeneratorID,
			Types:       types,
			Severity:    &findings.Severity{Label: label, Original: a.Risk},
			Title:       trim(title, 250),
			Description: trim(orDefault(plainText(a.Description), name), 1000),
			Resources:   []findings.Resource{{Type: "Other", Id: u}},
			ProductFields: map[string]string{
				findings.FieldRuleID:  plugin,
				findings.FieldTarget:  target,
				findings.FieldScanner: "zap",
				"zap/PluginId":        a.PluginID,
				"zap/Risk":            a.Risk,
				"zap/Confidence":      a.Confidence,
			},
		}
		if c, ok := confidenceScore[conf]; ok {
			f.Confidence = &c
		}
		for k, v := range map[string]string{"zap/Method": method, "zap/Parameter": a.Param, "zap/Attack": a.Attack,
			"zap/Evidence": a.Evidence, "zap/AlertId": a.ID, "zap/MessageId": a.MessageID} {
			if v != "" {
				f.ProductFields[k] = trim(v, 1000)
			}
		}
		if a.CWEID != "" && a.CWEID != "0" && a.CWEID != "-1" {
			f.ProductFields["zap/CWE"] = "CWE-" + a.CWEID
		}
		if a.WASCID != "" && a.WASCID != "0" {
			f.ProductFields["zap/WASC"] = a.WASCID
		}
		if sol := plainText(a.Solution); sol != "" {
			f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{Text: trim(sol, 500), Url: firstURL(a.Reference)}}
		}
		prov.Stamp(&f)
		if err := f.Validate(); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := findings.SeverityRank(out[i].Severity.Label), findings.SeverityRank(out[j].Severity.Label)
		if ri != rj {
			return ri > rj
		}
		return out[i].Id < out[j].Id
	})
	return out, nil
}

func withoutQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.RawQuery = ""
	u.Fragment = ""
	u.User = nil
	return u.String()
}

var tags = regexp.MustCompile(`<[^>]*>`)

// plainText strips the HTML ZAP puts in descriptions.
func plainText(s string) string {
	return strings.Join(strings.Fields(tags.ReplaceAllString(s, " ")), " ")
}

var urlRe = regexp.MustCompile(`https?://[^\s<>"]+`)

func firstURL(s string) string { return urlRe.FindString(s) }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}
