package compliance

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
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

type styles struct {
	on                 bool
	red, green, yellow lipgloss.Style
	dim, bold          lipgloss.Style
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
		bold:   r.NewStyle().Bold(true),
	}
}

func (s styles) status(st string) string { return s.paint(st, st) }

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
	case StatusInsufficientData:
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

// table is a borderless table, columns two spaces apart, as pkg/report
// draws findings.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) render(w *bytes.Buffer) error {
	r := renderer.NewBlueprint(tw.Rendition{
		Borders: tw.BorderNone,
		Symbols: tw.NewSymbols(tw.StyleNone),
		Settings: tw.Settings{
			Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
			Lines:      tw.Lines{ShowHeaderLine: tw.Off, ShowTop: tw.Off, ShowBottom: tw.Off, ShowFooterLine: tw.Off},
		},
	})
	tbl := tablewriter.NewTable(w,
		tablewriter.WithRenderer(r),
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
	)
	tbl.Header(t.header)
	for _, row := range t.rows {
		if err := tbl.Append(row); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// finish trims the padding tablewriter leaves at line ends and writes out.
func finish(w io.Writer, buf *bytes.Buffer) error {
	lines := strings.Split(buf.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

// clean drops control characters (terminal escapes) from AWS-provided text.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r) || r == 0x200b || r == 0xfeff:
			return -1
		}
		return r
	}, s)
}

func header(buf *bytes.Buffer, st styles, o RenderOptions) {
	if o.Header != "" {
		buf.WriteString(st.faint(clean(o.Header)) + "\n")
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
		return finish(w, &buf)
	}
	t := table{header: []string{"PACK", "STATUS", "CREATED BY"}}
	counts := map[string]int{}
	for _, p := range packs {
		counts[p.Status]++
		t.add(clean(p.Name), st.status(p.Status), clean(orDash(p.CreatedBy)))
	}
	if err := t.render(&buf); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s: %s\n", plural(len(packs), "conformance pack"), countText(counts, st))
	return finish(w, &buf)
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
		return finish(w, &buf)
	}
	t := table{header: []string{"RULE", "STATUS", "CHECKS", "PACK", "ISMS-P"}}
	counts := map[string]int{}
	for _, r := range rules {
		counts[r.Status]++
		t.add(clean(r.Name), st.status(r.Status), clean(orDash(r.Identifier)), clean(orDash(r.Pack)), orDash(strings.Join(r.Controls, ",")))
	}
	if err := t.render(&buf); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s: %s\n", plural(len(rules), "rule"), countText(counts, st))
	return finish(w, &buf)
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
			ts := ""
			if !r.RecordedAt.IsZero() {
				ts = r.RecordedAt.UTC().Format("2006-01-02T15:04:05Z")
			}
			rows = append(rows, []string{r.Rule, r.ResourceType, r.ResourceID, r.Status, r.Annotation, ts})
		}
		return writeCSV(w, []string{"rule", "resource_type", "resource_id", "status", "annotation", "recorded_at"}, rows)
	}
	st := newStyles(o)
	var buf bytes.Buffer
	header(&buf, st, o)
	if len(res) == 0 {
		buf.WriteString("No evaluation results for this rule (yet).\n")
		return finish(w, &buf)
	}
	t := table{header: []string{"STATUS", "TYPE", "RESOURCE", "ANNOTATION"}}
	counts := map[string]int{}
	for _, r := range res {
		counts[r.Status]++
		t.add(st.status(r.Status), clean(r.ResourceType), clean(r.ResourceID), clean(r.Annotation))
	}
	if err := t.render(&buf); err != nil {
		return err
	}
	fmt.Fprintf(&buf, "\n%s: %s\n", plural(len(res), "resource"), countText(counts, st))
	return finish(w, &buf)
}

// WriteISMSP renders the ISMS-P view: domain scores, then controls with
// automated evidence, then (with ShowManual) the controls to check by hand.
func WriteISMSP(w io.Writer, format string, rep *ISMSPReport, o RenderOptions) error {
	switch format {
	case FormatJSON:
		out := *rep
		if out.Controls == nil {
			out.Controls = []ControlResult{}
		}
		if out.Manual == nil {
			out.Manual = []ManualControl{}
		}
		return writeJSON(w, out)
	case FormatCSV:
		var rows [][]string
		for _, c := range rep.Controls {
			var idents []string
			for _, e := range c.Evidence {
				idents = append(idents, e.Identifier+"="+e.Status)
			}
			rows = append(rows, []string{c.ID, c.Domain, c.TitleEn, c.Status,
				strconv.Itoa(c.Counts.Compliant), strconv.Itoa(c.Counts.NonCompliant), strconv.Itoa(c.Counts.InsufficientData), strconv.Itoa(c.Counts.NotDeployed),
				strings.Join(idents, " ")})
		}
		for _, m := range rep.Manual {
			rows = append(rows, []string{m.ID, m.Domain, m.TitleEn, StatusManual, "0", "0", "0", "0", ""})
		}
		return writeCSV(w, []string{"control", "domain", "title", "status", "rules_compliant", "rules_non_compliant", "rules_insufficient_data", "rules_not_deployed", "rules"}, rows)
	}
	st := newStyles(o)
	var buf bytes.Buffer
	header(&buf, st, o)
	if len(rep.Controls) == 0 && len(rep.Manual) == 0 {
		buf.WriteString("No ISMS-P controls match.\n")
		return finish(w, &buf)
	}
	if len(rep.Domains) > 0 {
		t := table{header: []string{"DOMAIN", "SCORE", "COMPLIANT", "NON_COMPLIANT", "NO DATA", "NOT DEPLOYED", "MANUAL", "TITLE"}}
		for _, d := range rep.Domains {
			t.add(d.Domain, d.ScoreText(), itoa0(d.Counts.Compliant), itoa0(d.Counts.NonCompliant), itoa0(d.Counts.InsufficientData),
				itoa0(d.Counts.NotDeployed), itoa0(d.Counts.Manual), clean(orDash(pick(o.Korean, d.TitleEn, d.TitleKo))))
		}
		if err := t.render(&buf); err != nil {
			return err
		}
		buf.WriteString("\n")
	}
	if len(rep.Controls) > 0 {
		t := table{header: []string{"CONTROL", "STATUS", "RULES C/NC/?/-", "TITLE"}}
		for _, c := range rep.Controls {
			t.add(c.ID, st.status(c.Status), fmt.Sprintf("%d/%d/%d/%d", c.Counts.Compliant, c.Counts.NonCompliant, c.Counts.InsufficientData, c.Counts.NotDeployed), clean(pick(o.Korean, c.TitleEn, c.TitleKo)))
		}
		if err := t.render(&buf); err != nil {
			return err
		}
	}
	if o.Evidence || len(rep.Controls) == 1 {
		for _, c := range rep.Controls {
			fmt.Fprintf(&buf, "\nEvidence for %s %s:\n", c.ID, clean(pick(o.Korean, c.TitleEn, c.TitleKo)))
			t := table{header: []string{"RULE", "STATUS", "BASIS", "DEPLOYED AS"}}
			for _, e := range c.Evidence {
				t.add(clean(e.Identifier), st.status(e.Status), e.Basis, clean(orDash(strings.Join(e.DeployedRules, ", "))))
			}
			if err := t.render(&buf); err != nil {
				return err
			}
		}
	}
	if o.ShowManual && len(rep.Manual) > 0 {
		buf.WriteString("\nControls without automated evidence (check them by hand):\n")
		t := table{header: []string{"CONTROL", "TITLE"}}
		for _, m := range rep.Manual {
			t.add(m.ID, clean(pick(o.Korean, m.TitleEn, m.TitleKo)))
		}
		if err := t.render(&buf); err != nil {
			return err
		}
	}
	s := rep.Summary
	if len(rep.Controls) > 0 && s.Compliant+s.NonCompliant+s.InsufficientData == 0 {
		buf.WriteString("\nNone of the mapped Config rules is deployed here: deploy the ISMS-P conformance pack ('secops bootstrap apply') or check --region.\n")
	}
	fmt.Fprintf(&buf, "\n%s with automated evidence: %s", plural(len(rep.Controls), "control"), countText(map[string]int{
		StatusCompliant: s.Compliant, StatusNonCompliant: s.NonCompliant, StatusInsufficientData: s.InsufficientData, StatusNotDeployed: s.NotDeployed,
	}, st))
	if s.Manual > 0 {
		fmt.Fprintf(&buf, " · %d manual", s.Manual)
		if !o.ShowManual {
			buf.WriteString(" (list them with --show-manual)")
		}
	}
	buf.WriteString("\n")
	return finish(w, &buf)
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
