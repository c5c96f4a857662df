package compliance

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

// Output formats of the compliance views.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatCSV   = "csv"
)

// ParseFormat reads -o for compliance commands; empty means table.
func ParseFormat(s string) (string, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "", FormatTable:
		return FormatTable, nil
	case FormatJSON, FormatCSV:
		return v, nil
	}
	return "", fmt.Errorf("unknown output format %q: use one of table, json, csv", s)
}

// RenderOptions tune the table output; JSON and CSV ignore them.
type RenderOptions struct {
	Color bool
	// TTY and Width describe the terminal, so wide tables shrink their
	// title columns to fit; off a terminal every value is printed whole.
	TTY   bool
	Width int
	// Header is printed faint above tables, e.g. "backend: aws-config (ap-northeast-2)".
	Header string
	// ShowManual lists the controls that need manual evidence (isms-p).
	ShowManual bool
	// Evidence lists each control's mapped rules and their states (isms-p);
	// always on when the view holds a single control.
	Evidence bool
	// Korean shows control and domain titles in Korean (isms-p).
	Korean bool
}

func (o RenderOptions) table(w io.Writer, cols ...tableprinter.Column) *tableprinter.Printer {
	return tableprinter.New(w, tableprinter.Options{TTY: o.TTY, Width: o.Width}, cols...)
}

type styles struct {
	on                 bool
	red, green, yellow lipgloss.Style
	dim                lipgloss.Style
}

func newStyles(o RenderOptions) styles {
	r := lipgloss.NewRenderer(io.Discard)
	if o.Color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return styles{
		on:     o.Color,
		red:    r.NewStyle().Foreground(lipgloss.Color("1")),
		green:  r.NewStyle().Foreground(lipgloss.Color("2")),
		yellow: r.NewStyle().Foreground(lipgloss.Color("3")),
		dim:    r.NewStyle().Faint(true),
	}
}

// status is a cell style that colours a state.
func (s styles) status(state string) tableprinter.Style {
	return func(text string) string { return s.paint(state, text) }
}

// paint colours text by the state it is about.
func (s styles) paint(state, text string) string {
	if !s.on {
		return text
	}
	switch state {
	case StatusNonCompliant:
		return s.red.Render(text)
	case StatusCompliant:
		return s.green.Render(text)
	case StatusInsufficientData, StatusPartial:
		return s.yellow.Render(text)
	case StatusNotDeployed, StatusNotApplicable, StatusManual:
		return s.dim.Render(text)
	}
	return text
}

func (s styles) faint(t string) string {
	if !s.on {
		return t
	}
	return s.dim.Render(t)
}

func header(buf *bytes.Buffer, st styles, o RenderOptions) {
	if o.Header != "" {
		buf.WriteString(st.faint(tableprinter.Clean(o.Header)) + "\n")
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	cw.Write(header)
	for _, r := range rows {
		for i, c := range r {
			r[i] = csvSafe(c)
		}
		cw.Write(r)
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps spreadsheet programs from running a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WritePacks renders conformance packs.
func WritePacks(w io.Writer, format string, packs []Pack, o RenderOptions) error {
	switch format {
	case FormatJSON:
		if packs == nil {
			packs = []Pack{}
		}
		return writeJSON(w, packs)
	case FormatCSV:
		var rows [][]string
		for _, p := range packs {
			rows = append(rows, []string{p.Name, p.Status, p.CreatedBy, p.ARN})
		}
		return writeCSV(w, []string{"name", "status", "created_by", "arn"}, rows)
	}
	st := newStyles(o)
	var buf bytes.Buffer
	header(&buf, st, o)
	if len(packs) == 0 {
		buf.WriteString("No conformance packs in this Region. Deploy the ISMS-P pack with 'secops bootstrap apply'.\n")
		_, err := w.Write(buf.Bytes())
		return err
	}
	t := o.table(&buf, tableprinter.Column{Name: "PACK"}, tableprinter.Column{Name: "STATUS"}, tableprinter.Column{Name: "CREATED BY", Flexible: true})
	counts := map[string]int{}
	for _, p := range packs {
		counts[p.Status]++
		t.AddField(p.Name)
		t.AddField(p.Status, st.status(p.Status))
		t.AddField(orDash(p.CreatedBy))
		t.EndRow()
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s: %s\n", plural(len(packs), "conformance pack"), countText(counts, st))
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteRules renders rules with their compliance.
func WriteRules(w io.Writer, format string, rules []RuleStatus, o RenderOptions) error {
	switch format {
	case FormatJSON:
		if rules == nil {
			rules = []RuleStatus{}
		}
		return writeJSON(w, rules)
	case FormatCSV:
		var rows [][]string
		for _, r := range rules {
			rows = append(rows, []string{r.Name, r.Identifier, r.Pack, r.Status, strings.Join(r.Controls, " ")})
		}
		return writeCSV(w, []string{"rule", "identifier", "pack", "status", "isms_p_controls"}, rows)
	}
	st := newStyles(o)
	var buf bytes.Buffer
	header(&buf, st, o)
	if len(rules) == 0 {
		buf.WriteString("No rules match.\n")
		_, err := w.Write(buf.Bytes())
		return err
	}
	t := o.table(&buf, tableprinter.Column{Name: "RULE", Flexible: true}, tableprinter.Column{Name: "STATUS"},
		tableprinter.Column{Name: "CHECKS", Flexible: true, KeepEnd: true}, tableprinter.Column{Name: "PACK", Flexible: true}, tableprinter.Column{Name: "ISMS-P"})
	counts := map[string]int{}
	for _, r := range rules {
		counts[r.Status]++
		t.AddField(r.Name)
		t.AddField(r.Status, st.status(r.Status))
		t.AddField(orDash(r.Identifier))
		t.AddField(orDash(r.Pack))
		t.AddField(orDash(strings.Join(r.Controls, ",")))
		t.EndRow()
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s: %s\n", plural(len(rules), "rule"), countText(counts, st))
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteResources renders one rule's per-resource results.
func WriteResources(w io.Writer, format string, res []ResourceStatus, o RenderOptions) error {
	switch format {
	case FormatJSON:
		if res == nil {
			res = []ResourceStatus{}
		}
		return writeJSON(w, res)
	case FormatCSV:
		var rows [][]string
		for _, r := range res {
			rows = append(rows, []string{r.Rule, r.ResourceType, r.ResourceID, r.Status, r.Annotation, timeText(r.RecordedAt)})
		}
		return writeCSV(w, []string{"rule", "resource_type", "resource_id", "status", "annotation", "recorded_at"}, rows)
	}
	st := newStyles(o)
	var buf bytes.Buffer
	header(&buf, st, o)
	if len(res) == 0 {
		buf.WriteString("No evaluation results for this rule (yet).\n")
		_, err := w.Write(buf.Bytes())
		return err
	}
	t := o.table(&buf, tableprinter.Column{Name: "STATUS"}, tableprinter.Column{Name: "TYPE"},
		tableprinter.Column{Name: "RESOURCE", Flexible: true, KeepEnd: true}, tableprinter.Column{Name: "ANNOTATION", Flexible: true})
	counts := map[string]int{}
	for _, r := range res {
		counts[r.Status]++
		t.AddField(r.Status, st.status(r.Status))
		t.AddField(r.ResourceType)
		t.AddField(r.ResourceID)
		t.AddField(r.Annotation)
		t.EndRow()
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s: %s\n", plural(len(res), "resource"), countText(counts, st))
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteISMSP renders the ISMS-P view in the terminal formats: a table of
// domain and subdomain scores, then the controls with a verdict or AWS
// Config evidence, then (with ShowManual) the controls to check by hand,
// then what changed since the --diff snapshot. JSON is the whole Report.
func WriteISMSP(w io.Writer, format string, rep *Report, o RenderOptions) error {
	switch format {
	case FormatJSON:
		return WriteReportJSON(w, rep)
	case FormatCSV:
		return writeISMSPCSV(w, rep)
	}
	st := newStyles(o)
	var buf bytes.Buffer
	header(&buf, st, o)
	if len(rep.Controls) == 0 {
		buf.WriteString("No ISMS-P controls match.\n")
		_, err := w.Write(buf.Bytes())
		return err
	}
	if err := writeScoreTable(&buf, rep, o); err != nil {
		return err
	}
	var shown, manual []ControlResult
	for _, c := range rep.Controls {
		if c.Status == StatusManual {
			manual = append(manual, c)
		} else {
			shown = append(shown, c)
		}
	}
	if len(shown) > 0 {
		buf.WriteString("\n")
		if err := writeControlTable(&buf, rep, shown, st, o); err != nil {
			return err
		}
	}
	if o.Evidence || len(rep.Controls) == 1 {
		for _, c := range rep.Controls {
			if err := writeEvidence(&buf, c, st, o); err != nil {
				return err
			}
		}
	}
	if o.ShowManual && len(manual) > 0 {
		buf.WriteString("\nControls that need manual evidence (record it with --manual FILE; start from --manual-template):\n")
		t := o.table(&buf, tableprinter.Column{Name: "CONTROL"}, tableprinter.Column{Name: "OWNER"}, tableprinter.Column{Name: "TITLE", Flexible: true})
		for _, c := range manual {
			owner := "-"
			if c.Manual != nil && c.Manual.Owner != "" {
				owner = c.Manual.Owner
			}
			t.Row(c.ID, owner, pick(o.Korean, c.TitleEn, c.TitleKo))
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if rep.Changes != nil {
		if err := writeChanges(&buf, rep.Changes, st, o); err != nil {
			return err
		}
	}
	if !anyDeployed(rep) && anyAutomated(rep) {
		buf.WriteString("\nNone of the mapped Config rules is deployed here: deploy the ISMS-P conformance pack ('secops bootstrap apply') or check --region.\n")
	}
	if rep.Findings != nil && rep.Findings.Error != "" {
		fmt.Fprintf(&buf, "\nFindings were not read (%s): the report shows AWS Config evidence only.\n", tableprinter.Clean(rep.Findings.Error))
	}
	s := rep.Summary
	fmt.Fprintf(&buf, "\n%s: %s", plural(s.Total(), "control"), summaryText(s, st))
	if rep.Score != nil {
		fmt.Fprintf(&buf, " · score %s", ScoreText(rep.Score))
	}
	if s.Manual > 0 && !o.ShowManual {
		buf.WriteString(" (list the manual ones with --show-manual)")
	}
	buf.WriteString("\n")
	_, err := w.Write(buf.Bytes())
	return err
}

func writeScoreTable(buf *bytes.Buffer, rep *Report, o RenderOptions) error {
	t := o.table(buf, append(tableprinter.Plain("DOMAIN", "SCORE", "COMPLIANT", "PARTIAL", "NON_COMPLIANT", "NO DATA", "NOT DEPLOYED", "MANUAL", "N/A"),
		tableprinter.Column{Name: "TITLE", Flexible: true})...)
	row := func(id string, score *float64, c StatusCounts, en, ko string) {
		t.Row(id, ScoreText(score), itoa0(c.Compliant), itoa0(c.Partial), itoa0(c.NonCompliant), itoa0(c.InsufficientData),
			itoa0(c.NotDeployed), itoa0(c.Manual), itoa0(c.NotApplicable), pick(o.Korean, en, ko))
	}
	for _, d := range rep.Domains {
		if !d.Partial {
			row(d.ID, d.Score, d.Counts, d.TitleEn, d.TitleKo)
		}
		for _, s := range d.Subdomains {
			row("  "+s.ID, s.Score, s.Counts, s.TitleEn, s.TitleKo)
		}
	}
	return t.Render()
}

func writeControlTable(buf *bytes.Buffer, rep *Report, list []ControlResult, st styles, o RenderOptions) error {
	cols := []tableprinter.Column{{Name: "CONTROL"}, {Name: "STATUS"}, {Name: "RULES C/NC/?/-"}}
	if rep.Findings != nil {
		cols = append(cols, tableprinter.Column{Name: "FINDINGS"})
	}
	cols = append(cols, tableprinter.Column{Name: "TITLE", Flexible: true})
	t := o.table(buf, cols...)
	for _, c := range list {
		t.AddField(c.ID)
		t.AddField(c.Status, st.status(c.Status))
		if c.Automated {
			t.AddField(fmt.Sprintf("%d/%d/%d/%d", c.Rules.Compliant, c.Rules.NonCompliant, c.Rules.InsufficientData, c.Rules.NotDeployed))
		} else {
			t.AddField("manual")
		}
		if rep.Findings != nil {
			t.AddField(findingsCell(c.Findings))
		}
		t.AddField(pick(o.Korean, c.TitleEn, c.TitleKo))
		t.EndRow()
	}
	return t.Render()
}

// findingsCell is "3 HIGH+ / 12" (open HIGH or CRITICAL / all open), or "-".
func findingsCell(groups []ControlFindings) string {
	open, high := 0, 0
	for _, g := range groups {
		open += g.Open
		high += g.BySeverity[findings.SeverityHigh] + g.BySeverity[findings.SeverityCritical]
	}
	if len(groups) == 0 {
		return "-"
	}
	return fmt.Sprintf("%d HIGH+ / %d", high, open)
}

func writeEvidence(buf *bytes.Buffer, c ControlResult, st styles, o RenderOptions) error {
	if len(c.Evidence) == 0 && len(c.Findings) == 0 && c.Manual == nil {
		return nil
	}
	fmt.Fprintf(buf, "\nEvidence for %s %s:\n", c.ID, tableprinter.Clean(pick(o.Korean, c.TitleEn, c.TitleKo)))
	if len(c.Evidence) > 0 {
		// Evaluation times are read for reports and --save; the plain
		// table has none to show.
		timed := !c.EvaluatedAt.IsZero()
		cols := []tableprinter.Column{{Name: "RULE"}, {Name: "STATUS"}, {Name: "BASIS"}}
		if timed {
			cols = append(cols, tableprinter.Column{Name: "EVALUATED"})
		}
		t := o.table(buf, append(cols, tableprinter.Column{Name: "DEPLOYED AS", Flexible: true})...)
		for _, e := range c.Evidence {
			var names []string
			for _, d := range e.DeployedRules {
				names = append(names, d.Name)
			}
			t.AddField(e.Identifier)
			t.AddField(e.Status, st.status(e.Status))
			t.AddField(e.Basis)
			if timed {
				t.AddField(orDash(timeText(e.EvaluatedAt)))
			}
			t.AddField(orDash(strings.Join(names, ", ")))
			t.EndRow()
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	var res [][]string
	for _, e := range c.Evidence {
		for _, r := range e.NonCompliant {
			res = append(res, []string{e.Identifier, r.Type, r.ID, timeText(r.RecordedAt)})
		}
	}
	if len(res) > 0 {
		buf.WriteString("Non-compliant resources:\n")
		t := o.table(buf, tableprinter.Column{Name: "RULE"}, tableprinter.Column{Name: "TYPE"},
			tableprinter.Column{Name: "RESOURCE", Flexible: true, KeepEnd: true}, tableprinter.Column{Name: "RECORDED"})
		for _, r := range res {
			t.Row(r...)
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	for _, g := range c.Findings {
		fmt.Fprintf(buf, "Findings: %d open %s (%s)\n", g.Open, pick(o.Korean, g.TitleEn, g.TitleKo), severityText(g.BySeverity))
	}
	if m := c.Manual; m != nil {
		fmt.Fprintf(buf, "Manual: %s, owner %s", m.Status, orDash(tableprinter.Clean(m.Owner)))
		if m.Reviewed != "" {
			fmt.Fprintf(buf, ", reviewed %s", m.Reviewed)
		}
		if len(m.Evidence) > 0 {
			fmt.Fprintf(buf, ", evidence: %s", tableprinter.Clean(strings.Join(m.Evidence, "; ")))
		}
		buf.WriteString("\n")
	}
	return nil
}

// severityText is "1 CRITICAL, 2 HIGH" highest first, or "none".
func severityText(by map[string]int) string {
	var parts []string
	labels := findings.SeverityLabels()
	for i := len(labels) - 1; i >= 0; i-- {
		if n := by[labels[i]]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, labels[i]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func writeChanges(buf *bytes.Buffer, d *Diff, st styles, o RenderOptions) error {
	fmt.Fprintf(buf, "\nChanges since %s: %d regressed, %d improved, %d changed, %d unchanged controls; %d new and %d resolved non-compliant resources\n",
		d.Since.UTC().Format(time.DateOnly), len(d.Regressed), len(d.Improved), len(d.Changed), d.Unchanged, len(d.New), len(d.Resolved))
	for _, w := range d.Warnings {
		fmt.Fprintf(buf, "Note: %s\n", tableprinter.Clean(w))
	}
	var all []ControlChange
	kinds := map[string]string{}
	for _, g := range []struct {
		kind string
		list []ControlChange
	}{{"regressed", d.Regressed}, {"improved", d.Improved}, {"changed", d.Changed}} {
		for _, c := range g.list {
			kinds[c.ID] = g.kind
			all = append(all, c)
		}
	}
	if len(all) > 0 {
		t := o.table(buf, tableprinter.Column{Name: "CONTROL"}, tableprinter.Column{Name: "CHANGE"}, tableprinter.Column{Name: "FROM"},
			tableprinter.Column{Name: "TO"}, tableprinter.Column{Name: "TITLE", Flexible: true})
		for _, c := range all {
			t.AddField(c.ID)
			t.AddField(kinds[c.ID])
			t.AddField(orDash(c.From), st.status(c.From))
			t.AddField(c.To, st.status(c.To))
			t.AddField(pick(o.Korean, c.TitleEn, c.TitleKo))
			t.EndRow()
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(d.New) > 0 {
		buf.WriteString("New non-compliant resources:\n")
		t := o.table(buf, tableprinter.Column{Name: "RULE"}, tableprinter.Column{Name: "TYPE"},
			tableprinter.Column{Name: "RESOURCE", Flexible: true, KeepEnd: true}, tableprinter.Column{Name: "CONTROLS"})
		for _, r := range d.New {
			t.Row(r.Identifier, r.Type, r.ID, strings.Join(r.Controls, ","))
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	return nil
}

func anyDeployed(rep *Report) bool {
	for _, c := range rep.Controls {
		for _, e := range c.Evidence {
			if len(e.DeployedRules) > 0 {
				return true
			}
		}
	}
	return false
}

func anyAutomated(rep *Report) bool {
	for _, c := range rep.Controls {
		if c.Automated {
			return true
		}
	}
	return false
}

func writeISMSPCSV(w io.Writer, rep *Report) error {
	var rows [][]string
	for _, c := range rep.Controls {
		var idents []string
		for _, e := range c.Evidence {
			idents = append(idents, e.Identifier+"="+e.Status)
		}
		owner, open := "", 0
		if c.Manual != nil {
			owner = c.Manual.Owner
		}
		for _, g := range c.Findings {
			open += g.Open
		}
		rows = append(rows, []string{c.ID, c.Domain, c.Subdomain, c.TitleEn, c.TitleKo, c.Status,
			strconv.Itoa(c.Rules.Compliant), strconv.Itoa(c.Rules.NonCompliant), strconv.Itoa(c.Rules.InsufficientData), strconv.Itoa(c.Rules.NotDeployed),
			strings.Join(idents, " "), strconv.Itoa(open), owner, timeText(c.EvaluatedAt)})
	}
	return writeCSV(w, []string{"control", "domain", "subdomain", "title", "title_ko", "status",
		"rules_compliant", "rules_non_compliant", "rules_insufficient_data", "rules_not_deployed", "rules", "open_findings", "owner", "evaluated_at"}, rows)
}

// WriteReportJSON writes the report model as indented JSON: the same
// document for -o json and --report json.
func WriteReportJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

func summaryText(s StatusCounts, st styles) string {
	var parts []string
	for _, state := range ControlStatuses() {
		if n := s.Of(state); n > 0 {
			parts = append(parts, st.paint(state, fmt.Sprintf("%d %s", n, state)))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func countText(counts map[string]int, st styles) string {
	var parts []string
	for _, s := range []string{StatusNonCompliant, StatusInsufficientData, StatusNotDeployed, StatusCompliant, StatusNotApplicable} {
		if n := counts[s]; n > 0 {
			parts = append(parts, st.paint(s, fmt.Sprintf("%d %s", n, s)))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// timeText is an RFC 3339 UTC time, or "" for the zero time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// pick returns the Korean text when asked for and present.
func pick(korean bool, en, ko string) string {
	if korean && ko != "" {
		return ko
	}
	return en
}

func itoa0(n int) string { return strconv.Itoa(n) }

func plural(n int, noun string) string {
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
