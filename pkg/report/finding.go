package report

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// Widths of the label columns of the single-finding view: top-level fields
// and the fields of a vulnerability ("Remediation" and two spaces).
const (
	fieldWidth    = 14
	subFieldWidth = 13
)

// WriteFinding prints one finding in full for a person (`secops findings
// show ID`): identity, status, where it is, what to do, and everything the
// scanner attached. Text from scanners is printed as it is, minus control
// characters; on a terminal long paragraphs wrap to o.Width.
func WriteFinding(w io.Writer, f findings.Finding, o Options) error {
	pal := newPalette(o)
	v := &view{pal: pal, width: 0}
	if o.TTY && o.Width > 0 {
		v.width = o.Width
	}
	label := severityLabel(&f)
	v.line(pal.severity(label, label) + "  " + pal.strong(clean(f.Title)))
	v.blank()

	v.field("Id", f.Id)
	product := productLabel(&f)
	if f.CompanyName != "" && f.CompanyName != product {
		product += " (" + f.CompanyName + ")"
	}
	v.field("Product", product)
	v.field("Generator", f.GeneratorId)
	v.field("Types", strings.Join(f.Types, ", "))
	sev := label
	if f.Severity != nil && f.Severity.Original != "" && f.Severity.Original != label {
		sev += " (reported as " + f.Severity.Original + ")"
	}
	v.styledField("Severity", pal.severity(label, clean(sev)))
	v.field("Status", "workflow "+f.WorkflowStatus()+", record "+f.RecordStateOrDefault())
	if f.VerificationState != "" {
		v.field("Verification", f.VerificationState)
	}
	v.field("Location", location(&f))
	v.field("Target", f.ProductFields[findings.FieldTarget])
	v.field("Source", f.SourceUrl)
	v.field("Account", joinNonEmpty(" ", f.AwsAccountId, parenthesized(f.Region)))
	v.field("Created", f.CreatedAt)
	v.field("Updated", f.UpdatedAt)
	v.field("First seen", f.FirstObservedAt)
	v.field("Last seen", f.LastObservedAt)

	v.section("Description")
	v.paragraph(f.Description)

	if rec := recommendation(&f); rec != nil && (rec.Text != "" || rec.Url != "") {
		v.section("Remediation")
		v.paragraph(rec.Text)
		v.paragraph(rec.Url)
	}

	if len(f.Resources) > 0 {
		v.section("Resources")
		for _, r := range f.Resources {
			v.item(joinNonEmpty("  ", r.Type, r.Id))
			where := joinNonEmpty(", ", r.Partition, r.Region, r.ResourceRole)
			if where != "" {
				v.sub(where)
			}
			for _, k := range sortedKeys(r.Tags) {
				v.sub("tag " + k + "=" + r.Tags[k])
			}
		}
	}

	if len(f.Vulnerabilities) > 0 {
		v.section("Vulnerabilities")
		for _, vu := range f.Vulnerabilities {
			v.styledItem(pal.strong(clean(vu.Id)))
			for _, p := range vu.VulnerablePackages {
				pkg := packageRef(&p)
				if p.PackageManager != "" {
					pkg += " (" + p.PackageManager + ")"
				}
				if p.FilePath != "" {
					pkg += " in " + p.FilePath
				}
				v.subField("Package", pkg)
				fixed := p.FixedInVersion
				if fixed == "" {
					fixed = "no fixed version known"
				}
				v.subField("Fixed in", fixed)
				v.subField("Remediation", p.Remediation)
			}
			for _, c := range vu.Cvss {
				score := ""
				if c.BaseScore != nil {
					score = strconv.FormatFloat(*c.BaseScore, 'f', 1, 64)
				}
				version := ""
				if c.Version != "" {
					version = "v" + c.Version
				}
				v.subField("CVSS", joinNonEmpty(" ", version, score, c.BaseVector, parenthesized(c.Source)))
			}
			if vu.Vendor != nil {
				v.subField("Advisory", joinNonEmpty(" ", vu.Vendor.Name, vu.Vendor.VendorSeverity, vu.Vendor.Url))
			}
			v.subField("Related", strings.Join(vu.RelatedVulnerabilities, ", "))
			v.subField("Fix", vu.FixAvailable)
			v.subField("Exploit", vu.ExploitAvailable)
			for _, u := range vu.ReferenceUrls {
				v.subField("Reference", u)
			}
		}
	}

	if c := f.Compliance; c != nil {
		v.section("Compliance")
		v.indentedField("Status", c.Status)
		v.indentedField("Control", c.SecurityControlId)
		v.indentedField("Requirements", strings.Join(c.RelatedRequirements, ", "))
	}

	if n := f.Note; n != nil && n.Text != "" {
		v.section("Note")
		v.paragraph(n.Text)
		v.wrapped("  ", "  ", pal.faint(clean("— "+joinNonEmpty(", ", n.UpdatedBy, n.UpdatedAt))))
	}

	var other []string
	for _, k := range sortedKeys(f.ProductFields) {
		switch k {
		case findings.FieldPath, findings.FieldStartLine, findings.FieldEndLine, findings.FieldTarget:
			continue // shown above
		}
		other = append(other, k)
	}
	if len(other) > 0 || len(f.UserDefinedFields) > 0 {
		v.section("Fields")
		user := sortedKeys(f.UserDefinedFields)
		keyWidth := 0
		for _, k := range append(other, user...) {
			keyWidth = max(keyWidth, displayWidth(clean(k))+2)
		}
		for _, k := range other {
			v.wrapped("  "+labelCell(clean(k), keyWidth), strings.Repeat(" ", keyWidth+2), clean(f.ProductFields[k]))
		}
		for _, k := range user {
			v.wrapped("  "+labelCell(clean(k), keyWidth), strings.Repeat(" ", keyWidth+2), clean(f.UserDefinedFields[k]))
		}
	}
	_, err := io.WriteString(w, v.b.String())
	return err
}

// view builds the single-finding text.
type view struct {
	b     strings.Builder
	pal   palette
	width int // wrap width; 0 means no wrapping
}

func (v *view) line(s string) { v.b.WriteString(strings.TrimRight(s, " ") + "\n") }
func (v *view) blank()        { v.b.WriteString("\n") }

func (v *view) section(title string) {
	v.blank()
	v.line(v.pal.strong(title))
}

// field prints "Label         value", skipping empty values.
func (v *view) field(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	v.styledField(label, clean(value))
}

// styledField is field for a value already cleaned and coloured.
func (v *view) styledField(label, value string) {
	v.wrapped(labelCell(label, fieldWidth), strings.Repeat(" ", fieldWidth), value)
}

// labelCell pads label to width, keeping two spaces after a longer one.
func labelCell(label string, width int) string {
	if pad := width - displayWidth(label); pad >= 2 {
		return label + strings.Repeat(" ", pad)
	}
	return label + "  "
}

func (v *view) item(s string)       { v.styledItem(clean(s)) }
func (v *view) styledItem(s string) { v.wrapped("  ", "    ", s) }
func (v *view) sub(s string)        { v.wrapped("    ", "      ", clean(s)) }

// indentedField is field inside a section.
func (v *view) indentedField(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	v.wrapped("  "+labelCell(label, fieldWidth), strings.Repeat(" ", fieldWidth+2), clean(value))
}

func (v *view) subField(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	v.wrapped("    "+labelCell(label, subFieldWidth), strings.Repeat(" ", 4+subFieldWidth), clean(value))
}

// paragraph prints indented multi-line text.
func (v *view) paragraph(text string) {
	text = strings.TrimSpace(cleanBlock(text))
	if text == "" {
		return
	}
	for _, l := range strings.Split(text, "\n") {
		v.wrapped("  ", "  ", l)
	}
}

// wrapped writes first+text, wrapping at word boundaries to v.width with
// rest as the prefix of continuation lines. Words longer than a line (URLs,
// hashes) stay whole: breaking them would make them unusable.
func (v *view) wrapped(first, rest, text string) {
	if v.width <= 0 || displayWidth(first+text) <= v.width {
		v.line(first + text)
		return
	}
	prefix := first
	cur := ""
	for _, word := range strings.Fields(text) {
		if cur != "" && displayWidth(prefix+cur+" "+word) > v.width {
			v.line(prefix + cur)
			prefix, cur = rest, word
			continue
		}
		if cur == "" {
			cur = word
		} else {
			cur += " " + word
		}
	}
	v.line(prefix + cur)
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
