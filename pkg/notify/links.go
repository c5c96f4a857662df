package notify

import (
	"net/url"
	"strings"
)

// consoleHost is the AWS console host of a partition.
func consoleHost(partition string) string {
	switch partition {
	case "aws-cn":
		return "console.amazonaws.cn"
	case "aws-us-gov":
		return "console.amazonaws-us-gov.com"
	}
	return "console.aws.amazon.com"
}

// SecurityHubFindingURL is the Security Hub console deep link to one finding:
// a findings search on Id EQUALS the id. The console reads the search value
// URL-encoded twice, as in "Id%3D%255Coperator%255C%253AEQUALS%255C%253A<id>".
func SecurityHubFindingURL(partition, region, id string) string {
	if region == "" || id == "" {
		return ""
	}
	return "https://" + consoleHost(partition) + "/securityhub/home?region=" + url.QueryEscape(region) +
		"#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A" + escapeAll(escapeAll(id))
}

// SecurityHubSearchURL links to the findings list filtered to the given
// severity labels, NEW and ACTIVE: the "and N more" link.
func SecurityHubSearchURL(partition, region string, labels []string) string {
	if region == "" {
		return ""
	}
	var parts []string
	for _, l := range labels {
		parts = append(parts, "SeverityLabel%3D%255Coperator%255C%253AEQUALS%255C%253A"+escapeAll(escapeAll(l)))
	}
	parts = append(parts,
		"WorkflowStatus%3D%255Coperator%255C%253AEQUALS%255C%253ANEW",
		"RecordState%3D%255Coperator%255C%253AEQUALS%255C%253AACTIVE")
	return "https://" + consoleHost(partition) + "/securityhub/home?region=" + url.QueryEscape(region) +
		"#/findings?search=" + strings.Join(parts, "%26")
}

// ConfigRuleURL links to an AWS Config rule's page.
func ConfigRuleURL(partition, region, rule string) string {
	if region == "" || rule == "" {
		return ""
	}
	return "https://" + consoleHost(partition) + "/config/home?region=" + url.QueryEscape(region) +
		"#/rules/details?configRuleName=" + escapeAll(rule)
}

// GuardDutyFindingURL links to a GuardDuty finding.
func GuardDutyFindingURL(partition, region, id string) string {
	if region == "" || id == "" {
		return ""
	}
	return "https://" + consoleHost(partition) + "/guardduty/home?region=" + url.QueryEscape(region) +
		"#/findings?macros=current&fId=" + escapeAll(id)
}

// escapeAll percent-encodes every byte but A–Z a–z 0–9 - _ . ~.
func escapeAll(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
