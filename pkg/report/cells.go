package report

import (
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

// What the table and the single-finding view show for a finding. These only
// pick and join fields that are already there.

// location is the code location of a finding ("path:line" or "path"), or ""
// when it has none.
func location(f *findings.Finding) string {
	path := f.ProductFields[findings.FieldPath]
	if path == "" {
		return ""
	}
	start := lineNumber(f.ProductFields[findings.FieldStartLine])
	if start == 0 {
		return path
	}
	end := lineNumber(f.ProductFields[findings.FieldEndLine])
	if end > start {
		return path + ":" + strconv.Itoa(start) + "-" + strconv.Itoa(end)
	}
	return path + ":" + strconv.Itoa(start)
}

// lineNumber parses a 1-based line number; anything else is 0 (no line).
func lineNumber(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0
	}
	return n
}

// firstPackage is the first vulnerable package of the finding, if any.
func firstPackage(f *findings.Finding) *findings.SoftwarePackage {
	for i := range f.Vulnerabilities {
		if len(f.Vulnerabilities[i].VulnerablePackages) > 0 {
			return &f.Vulnerabilities[i].VulnerablePackages[0]
		}
	}
	return nil
}

// packageRef is "name@version" (or the name alone).
func packageRef(p *findings.SoftwarePackage) string {
	if p.Version == "" {
		return p.Name
	}
	return p.Name + "@" + p.Version
}

// resourceCell is what the RESOURCE column shows: the code location, else
// the vulnerable package, else the first resource's Id.
func resourceCell(f *findings.Finding) string {
	if loc := location(f); loc != "" {
		return loc
	}
	if p := firstPackage(f); p != nil && p.Name != "" {
		return packageRef(p)
	}
	return primaryResource(f)
}

// primaryResource is the Id of the finding's first resource.
func primaryResource(f *findings.Finding) string {
	if len(f.Resources) == 0 {
		return ""
	}
	return f.Resources[0].Id
}

// statusCell is the workflow status, with ARCHIVED added when the record
// is no longer active.
func statusCell(f *findings.Finding) string {
	s := f.WorkflowStatus()
	if f.RecordStateOrDefault() == findings.RecordArchived {
		s += ", " + findings.RecordArchived
	}
	return s
}

// productLabel names the tool that reported the finding: ProductName, else
// the product part of the ProductArn ("product/ACCOUNT/default" gives
// "ACCOUNT/default"), else the ARN itself.
func productLabel(f *findings.Finding) string {
	if f.ProductName != "" {
		return f.ProductName
	}
	if _, after, ok := strings.Cut(f.ProductArn, ":product/"); ok {
		return after
	}
	return f.ProductArn
}

// severityLabel is the finding's label, or UNKNOWN for a finding without one.
func severityLabel(f *findings.Finding) string { return f.DisplaySeverity() }

const unknownSeverity = findings.SeverityUnknown

// clean makes untrusted text safe to print on one line of a terminal (see
// tableprinter.Clean).
func clean(s string) string { return tableprinter.Clean(s) }

// cleanBlock is clean for multi-line text: newlines stay, tabs become
// spaces, other control characters go.
func cleanBlock(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(clean(l), " ")
	}
	return strings.Join(lines, "\n")
}
