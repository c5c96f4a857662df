package notify

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// FailedControl is one Security Hub control with failed checks.
type FailedControl struct {
	ID        string // e.g. EC2.19
	Title     string
	Severity  string // the highest label among its failed checks
	Resources int    // failed checks (one per resource)
	New       int    // of which first seen within the digest's period
}

// ControlDigest summarises Security Hub's failed control checks: the
// findings that are not posted one by one.
type ControlDigest struct {
	Partition string
	Region    string
	Account   string
	Controls  []FailedControl
	// Since is the start of the period "new" refers to.
	Since time.Time
	// Truncated: more failed checks exist than were read.
	Truncated bool
}

// DigestControls groups failed control findings by control, most severe
// and most widespread first.
func DigestControls(list []findings.Finding, since time.Time) []FailedControl {
	byID := map[string]*FailedControl{}
	var order []string
	for _, f := range list {
		id := controlID(f)
		c, ok := byID[id]
		if !ok {
			c = &FailedControl{ID: id, Title: f.Title}
			byID[id] = c
			order = append(order, id)
		}
		c.Resources++
		if findings.SeverityRank(f.SeverityLabel()) > findings.SeverityRank(c.Severity) {
			c.Severity = f.SeverityLabel()
		}
		if t, err := time.Parse(time.RFC3339Nano, f.FirstObservedAt); err == nil && !t.Before(since) {
			c.New++
		}
	}
	out := make([]FailedControl, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := findings.SeverityRank(a.Severity), findings.SeverityRank(b.Severity); ra != rb {
			return ra > rb
		}
		if a.New != b.New {
			return a.New > b.New
		}
		if a.Resources != b.Resources {
			return a.Resources > b.Resources
		}
		return a.ID < b.ID
	})
	return out
}

// controlID is the control a Security Hub control finding belongs to.
func controlID(f findings.Finding) string {
	if f.Compliance != nil && f.Compliance.SecurityControlId != "" {
		return f.Compliance.SecurityControlId
	}
	if v := f.ProductFields["ControlId"]; v != "" {
		return v
	}
	if i := strings.LastIndex(f.GeneratorId, "/"); i >= 0 {
		return f.GeneratorId[i+1:]
	}
	return f.GeneratorId
}

// maxDigestControls is how many controls a digest lists; the rest are
// counted and linked.
const maxDigestControls = 15

// ControlDigestMessage renders the daily digest of failed controls.
func ControlDigestMessage(d ControlDigest) Message {
	checks, fresh := 0, 0
	for _, c := range d.Controls {
		checks += c.Resources
		fresh += c.New
	}
	title := fmt.Sprintf("Security Hub controls: %s failed in %s", countText(checks, "check"), countText(len(d.Controls), "control"))
	summary := fmt.Sprintf("%d new since %s", fresh, d.Since.UTC().Format("2006-01-02 15:04 UTC"))
	if d.Truncated {
		summary += " · counted from the first results only; the console has them all"
	}
	if d.Account != "" {
		summary += " · account " + d.Account + " / " + d.Region
	}
	var lines []string
	for i, c := range d.Controls {
		if i == maxDigestControls {
			break
		}
		line := fmt.Sprintf("%s *%s* %s — %s", severityEmoji(c.Severity), escape(orDash(c.Severity)),
			link(SecurityHubControlURL(d.Partition, d.Region, c.ID), c.ID+" "+findings.Truncate(c.Title, 120)), countText(c.Resources, "resource"))
		if c.New > 0 {
			line += fmt.Sprintf(" (%d new)", c.New)
		}
		lines = append(lines, line)
	}
	blocks := []Block{header(title), contextBlock(summary)}
	// A section holds up to 3,000 characters: group the lines.
	var cur []string
	size := 0
	for _, l := range lines {
		if size+len(l)+1 > maxSectionText && len(cur) > 0 {
			blocks = append(blocks, section(strings.Join(cur, "\n")))
			cur, size = nil, 0
		}
		cur = append(cur, l)
		size += len(l) + 1
	}
	if len(cur) > 0 {
		blocks = append(blocks, section(strings.Join(cur, "\n")))
	}
	if rest := len(d.Controls) - maxDigestControls; rest > 0 {
		blocks = append(blocks, contextBlock(fmt.Sprintf("…and %s more: %s", countText(rest, "control"),
			link(SecurityHubControlsURL(d.Partition, d.Region), "all controls in Security Hub"))))
	}
	return Message{Text: ":clipboard: " + title, Blocks: blocks}
}

// SecurityHubControlURL links to one control's page in the console.
func SecurityHubControlURL(partition, region, id string) string {
	if region == "" || id == "" {
		return ""
	}
	return "https://" + consoleHost(partition) + "/securityhub/home?region=" + escapeAll(region) + "#/controls/" + escapeAll(id)
}

// SecurityHubControlsURL links to the console's list of controls.
func SecurityHubControlsURL(partition, region string) string {
	if region == "" {
		return ""
	}
	return "https://" + consoleHost(partition) + "/securityhub/home?region=" + escapeAll(region) + "#/controls"
}
