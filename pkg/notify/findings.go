package notify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// severityEmoji marks a severity in Slack, where mrkdwn has no colour.
func severityEmoji(label string) string {
	switch label {
	case findings.SeverityCritical:
		return ":red_circle:"
	case findings.SeverityHigh:
		return ":large_orange_circle:"
	case findings.SeverityMedium:
		return ":large_yellow_circle:"
	case findings.SeverityLow:
		return ":large_blue_circle:"
	}
	return ":white_circle:"
}

// FindingsOptions shape a findings notification.
type FindingsOptions struct {
	// Source names where the findings come from in the header
	// ("Security Hub", "secops scan").
	Source string
	// MaxFindings caps the findings shown; the rest are summarised as
	// "…and N more" (default 20, the size of one readable burst).
	MaxFindings int
}

// FindingsMessages renders findings as Slack messages, most severe first,
// each message within Slack's 50-block limit. The second result is how many
// findings were summarised instead of shown.
func FindingsMessages(list []findings.Finding, o FindingsOptions) ([]Message, []findings.Finding, int) {
	if len(list) == 0 {
		return nil, nil, 0
	}
	if o.Source == "" {
		o.Source = "Security Hub"
	}
	if o.MaxFindings <= 0 {
		o.MaxFindings = 20
	}
	sorted := append([]findings.Finding(nil), list...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return findings.SeverityRank(sorted[i].SeverityLabel()) > findings.SeverityRank(sorted[j].SeverityLabel())
	})
	shown := sorted
	if len(shown) > o.MaxFindings {
		shown = sorted[:o.MaxFindings]
	}
	rest := sorted[len(shown):]

	title := fmt.Sprintf(":rotating_light: %s: %s", o.Source, countText(len(list), "finding"))
	summary := severitySummary(list)
	var groups [][]Block
	for _, f := range shown {
		groups = append(groups, findingBlocks(f))
	}
	var tail []Block
	if len(rest) > 0 {
		region, partition := findingRegion(rest[0]), findingPartition(rest[0])
		labels := map[string]bool{}
		for _, f := range rest {
			labels[f.SeverityLabel()] = true
		}
		var ls []string
		for _, l := range findings.SeverityLabels() {
			if labels[l] {
				ls = append(ls, l)
			}
		}
		tail = []Block{contextBlock(fmt.Sprintf("…and %d more (%s): %s", len(rest), severitySummary(rest),
			link(SecurityHubSearchURL(partition, region, ls), "open them in Security Hub")))}
	}
	msgs := pack(title, summary, groups, tail)
	return msgs, shown, len(rest)
}

// pack spreads block groups over messages of at most 50 blocks, keeping
// each group whole. The first message opens with the header and summary.
func pack(title, summary string, groups [][]Block, tail []Block) []Message {
	var msgs []Message
	cur := Message{Text: title + " — " + summary, Blocks: []Block{header(strings.TrimPrefix(title, ":rotating_light: ")), contextBlock(summary)}}
	flush := func() {
		msgs = append(msgs, cur)
	}
	for _, g := range groups {
		if len(cur.Blocks)+len(g) > MaxBlocksPerMessage {
			flush()
			cur = Message{Text: title + fmt.Sprintf(" (continued, part %d)", len(msgs)+1)}
		}
		cur.Blocks = append(cur.Blocks, g...)
	}
	if len(tail) > 0 {
		if len(cur.Blocks)+len(tail) > MaxBlocksPerMessage {
			flush()
			cur = Message{Text: title + fmt.Sprintf(" (continued, part %d)", len(msgs)+1)}
		}
		cur.Blocks = append(cur.Blocks, tail...)
	}
	flush()
	return msgs
}

// findingBlocks is one finding: a section (severity, title linked to the
// console, resource, account/region, product) and, when the finding has
// one, a context line with the remediation.
func findingBlocks(f findings.Finding) []Block {
	label := f.SeverityLabel()
	if label == "" {
		label = "UNKNOWN"
	}
	region, partition := findingRegion(f), findingPartition(f)
	text := fmt.Sprintf("%s *%s*  %s", severityEmoji(label), label, link(SecurityHubFindingURL(partition, region, f.Id), f.Title))
	if d := strings.TrimSpace(f.Description); d != "" && d != f.Title {
		text += "\n" + escape(findings.Truncate(d, 300))
	}
	resource := "-"
	if len(f.Resources) > 0 {
		r := f.Resources[0]
		resource = fmt.Sprintf("%s `%s`", escape(r.Type), escape(findings.Truncate(r.Id, 200)))
		if len(f.Resources) > 1 {
			resource += fmt.Sprintf(" (+%d)", len(f.Resources)-1)
		}
	}
	fields := []string{
		"*Resource*\n" + resource,
		"*Account / Region*\n" + escape(orDash(f.AwsAccountId)) + " / " + escape(orDash(region)),
		"*Product*\n" + escape(productName(f)),
		"*Status*\n" + escape(orDash(f.WorkflowStatus())) + " · " + escape(orDash(f.RecordStateOrDefault())),
	}
	blocks := []Block{section(text, fields...)}
	if f.Remediation != nil && f.Remediation.Recommendation != nil {
		rec := f.Remediation.Recommendation
		var parts []string
		if t := strings.TrimSpace(rec.Text); t != "" {
			parts = append(parts, escape(findings.Truncate(t, 500)))
		}
		if rec.Url != "" {
			parts = append(parts, link(rec.Url, "how to fix"))
		}
		if len(parts) > 0 {
			blocks = append(blocks, contextBlock(":wrench: *Remediation:* "+strings.Join(parts, " ")))
		}
	}
	return blocks
}

func findingRegion(f findings.Finding) string {
	if f.Region != "" {
		return f.Region
	}
	for _, r := range f.Resources {
		if r.Region != "" {
			return r.Region
		}
	}
	// arn:aws:securityhub:us-east-1:…
	if parts := strings.SplitN(f.ProductArn, ":", 5); len(parts) == 5 {
		return parts[3]
	}
	return ""
}

// findingPartition is the partition of the Security Hub that holds f: its
// ProductArn's, else its Region's. Resources come last: a secops finding
// keeps the partition its local scan gave its code resources when it is
// imported into an aws-cn or aws-us-gov account.
func findingPartition(f findings.Finding) string {
	if parts := strings.SplitN(f.ProductArn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	if region := findingRegion(f); region != "" && findings.PartitionOf(region) != "aws" {
		return findings.PartitionOf(region)
	}
	for _, r := range f.Resources {
		if r.Partition != "" {
			return r.Partition
		}
	}
	return "aws"
}

func productName(f findings.Finding) string {
	if f.ProductName != "" {
		return f.ProductName
	}
	if v := f.ProductFields["aws/securityhub/ProductName"]; v != "" {
		return v
	}
	if i := strings.LastIndex(f.ProductArn, "/"); i >= 0 && i < len(f.ProductArn)-1 {
		return f.ProductArn[i+1:]
	}
	return "-"
}

func severitySummary(list []findings.Finding) string {
	counts := map[string]int{}
	for _, f := range list {
		counts[f.SeverityLabel()]++
	}
	var parts []string
	labels := findings.SeverityLabels()
	for i := len(labels) - 1; i >= 0; i-- {
		if n := counts[labels[i]]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, labels[i]))
		}
	}
	if n := counts[""]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d without severity", n))
	}
	return strings.Join(parts, ", ")
}

func countText(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
