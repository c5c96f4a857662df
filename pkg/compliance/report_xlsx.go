package compliance

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/secops-dev/secops/pkg/tableprinter"
)

// maxCellText is Excel's limit on the text of one cell.
const maxCellText = 32767

// statusFill colours a status cell as the HTML report does.
var statusFill = map[string]string{
	StatusCompliant: "C8E6C9", StatusPartial: "FFE082", StatusNonCompliant: "FFCDD2", StatusInsufficientData: "D7CCC8",
	StatusNotDeployed: "CFD8DC", StatusManual: "C5CAE9", StatusNotApplicable: "EEEEEE",
}

// xlsxWriter holds the workbook and its styles while a report is written.
type xlsxWriter struct {
	f       *excelize.File
	l       labels
	header  int
	wrap    int
	date    int
	percent int
	bold    int
	title   int
	status  map[string]int
}

// WriteReportXLSX renders the report as an Excel workbook for auditors: a
// summary sheet with the scores and a chart per subdomain, one sheet per
// domain with one row per control and its evidence in columns (filters
// on, header frozen), the manual checklist with a verdict list to pick
// from, the findings, the changes, and the sources.
func WriteReportXLSX(w io.Writer, rep *Report, lang string) error {
	v := newView(rep, lang)
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f, l: v.L, status: map[string]int{}}
	if err := x.styles(); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: v.L.Title, Creator: "secops", Created: rep.GeneratedAt.Format(time.RFC3339), Modified: rep.GeneratedAt.Format(time.RFC3339),
		Language: lang, Description: "ISMS-P " + rep.Framework.Version + " · " + rep.Source.Account + " · " + rep.Source.Region,
	}); err != nil {
		return err
	}
	if err := x.summary(v); err != nil {
		return fmt.Errorf("write the summary sheet: %w", err)
	}
	for _, d := range v.Domains {
		if err := x.domain(v, d); err != nil {
			return fmt.Errorf("write the sheet of domain %s: %w", d.ID, err)
		}
	}
	for _, step := range []func(*view) error{x.manual, x.findings, x.changes, x.about} {
		if err := step(v); err != nil {
			return err
		}
	}
	// Printed, each sheet is A4 landscape, one page wide.
	for _, sheet := range f.GetSheetList() {
		if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)}); err != nil {
			return err
		}
		if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: ptr(9), Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0)}); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func (x *xlsxWriter) styles() error {
	font := &excelize.Font{Family: "Malgun Gothic", Size: 10}
	if x.l.Lang != LangKorean {
		font = &excelize.Font{Family: "Calibri", Size: 10}
	}
	top := &excelize.Alignment{Vertical: "top", WrapText: true}
	var err error
	newStyle := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		id, e := x.f.NewStyle(s)
		err = e
		return id
	}
	x.header = newStyle(&excelize.Style{
		Font:      &excelize.Font{Family: font.Family, Size: 10, Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1D3557"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	x.wrap = newStyle(&excelize.Style{Font: font, Alignment: top})
	x.date = newStyle(&excelize.Style{Font: font, Alignment: top, CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	x.percent = newStyle(&excelize.Style{Font: font, Alignment: top, NumFmt: 9})
	x.bold = newStyle(&excelize.Style{Font: &excelize.Font{Family: font.Family, Size: 10, Bold: true}, Alignment: top})
	x.title = newStyle(&excelize.Style{Font: &excelize.Font{Family: font.Family, Size: 16, Bold: true, Color: "1D3557"}})
	for s, fill := range statusFill {
		x.status[s] = newStyle(&excelize.Style{Font: font, Alignment: top, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}}})
	}
	return err
}

func ptr[T any](v T) *T { return &v }

// cellText keeps a value within Excel's cell limit.
func cellText(s string) string {
	if len(s) <= maxCellText-8 {
		return s
	}
	cut := maxCellText - 8
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " …"
}

// sheetName fits a name into Excel's 31 characters, at a word boundary.
func sheetName(s string) string {
	s = strings.NewReplacer(":", " ", "\\", " ", "/", " ", "?", " ", "*", " ", "[", "(", "]", ")").Replace(s)
	if utf8.RuneCountInString(s) <= 31 {
		return s
	}
	r := []rune(s)[:31]
	if i := strings.LastIndexByte(string(r), ' '); i > 0 {
		return strings.TrimRight(string(r)[:i], " ,")
	}
	return string(r)
}

// row writes values from column A of a row; strings are capped.
func (x *xlsxWriter) row(sheet string, n int, values ...any) error {
	for i, v := range values {
		if s, ok := v.(string); ok {
			values[i] = cellText(s)
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, n)
	return x.f.SetSheetRow(sheet, cell, &values)
}

// fitRows sets each row's height to the lines its wrapped cells need:
// spreadsheet programs do not all grow a row to fit a file's wrapped text.
func (x *xlsxWriter) fitRows(sheet string, first int, rows [][]any, widths []float64) error {
	for i, r := range rows {
		lines := 1
		for j, v := range r {
			text, ok := v.(string)
			if !ok || j >= len(widths) {
				continue
			}
			n := 0
			for _, seg := range strings.Split(text, "\n") {
				// A column of width w holds about w narrow characters; wide
				// (Hangul) ones take two.
				n += max(1, (tableprinter.DisplayWidth(seg)+int(widths[j])-1)/max(int(widths[j]), 1))
			}
			lines = max(lines, n)
		}
		if lines > 1 {
			if err := x.f.SetRowHeight(sheet, first+i, min(13.5*float64(lines), 409)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (x *xlsxWriter) style(sheet string, col1, row1, col2, row2, style int) error {
	a, _ := excelize.CoordinatesToCellName(col1, row1)
	b, _ := excelize.CoordinatesToCellName(col2, row2)
	return x.f.SetCellStyle(sheet, a, b, style)
}

func (x *xlsxWriter) widths(sheet string, widths ...float64) error {
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := x.f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	return nil
}

// table writes a header row and data rows, turns the filter on and
// freezes the header (and the first freezeCols columns).
func (x *xlsxWriter) table(sheet string, first int, header []string, rows [][]any, freezeCols int) error {
	h := make([]any, len(header))
	for i, s := range header {
		h[i] = s
	}
	if err := x.row(sheet, first, h...); err != nil {
		return err
	}
	if err := x.style(sheet, 1, first, len(header), first, x.header); err != nil {
		return err
	}
	for i, r := range rows {
		if err := x.row(sheet, first+1+i, r...); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		if err := x.style(sheet, 1, first+1, len(header), first+len(rows), x.wrap); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(header), first+max(len(rows), 1))
	start, _ := excelize.CoordinatesToCellName(1, first)
	if err := x.f.AutoFilter(sheet, start+":"+last, nil); err != nil {
		return err
	}
	topLeft, _ := excelize.CoordinatesToCellName(freezeCols+1, first+1)
	return x.f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: freezeCols, YSplit: first, TopLeftCell: topLeft, ActivePane: "bottomRight"})
}

func (x *xlsxWriter) summary(v *view) error {
	l, rep := x.l, v.Rep
	sheet := sheetName(l.Summary)
	if err := x.f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if err := x.row(sheet, 1, l.Title); err != nil {
		return err
	}
	if err := x.style(sheet, 1, 1, 1, 1, x.title); err != nil {
		return err
	}
	meta := [][2]string{
		{l.Account, orDash(rep.Source.Account)}, {l.Region, rep.Source.Region},
		{l.TakenAt, l.time(rep.Source.TakenAt)}, {l.Generated, l.time(rep.GeneratedAt)},
		{l.Packs, v.Packs}, {l.Mapping, "ISMS-P " + rep.Framework.Version + " · " + rep.Framework.Pack + " · " + rep.Framework.MappingVersion},
		{l.Score, ScoreText(rep.Score) + " · " + fmt.Sprintf(l.Controls, rep.Summary.Total())},
	}
	if rep.Source.Snapshot != "" {
		meta = append(meta, [2]string{l.Snapshot, rep.Source.Snapshot})
	}
	if rep.Manual != nil {
		meta = append(meta, [2]string{l.ManualFile, rep.Manual.File})
	}
	for i, m := range meta {
		if err := x.row(sheet, 3+i, m[0], m[1]); err != nil {
			return err
		}
	}
	if err := x.style(sheet, 1, 3, 1, 2+len(meta), x.bold); err != nil {
		return err
	}
	first := 4 + len(meta)
	header := []string{l.Domain + " / " + l.Subdomain, l.ControlTitle, l.Score}
	for _, c := range v.Cards {
		header = append(header, c.Text)
	}
	var rows [][]any
	for _, d := range v.Domains {
		rows = append(rows, scoreRow(d.ID, d.Title, rep, d.Counts))
		for _, s := range d.Subdomains {
			rows = append(rows, scoreRow(s.ID, s.Title, rep, s.Counts))
		}
	}
	if err := x.table(sheet, first, header, rows, 0); err != nil {
		return err
	}
	if err := x.style(sheet, 3, first+1, 3, first+len(rows), x.percent); err != nil {
		return err
	}
	r := first + 1
	for _, d := range v.Domains {
		if err := x.style(sheet, 1, r, len(header), r, x.bold); err != nil {
			return err
		}
		if err := x.style(sheet, 3, r, 3, r, x.percent); err != nil {
			return err
		}
		r += 1 + len(d.Subdomains)
	}
	if err := x.widths(sheet, 22, 48, 9, 11, 11, 11, 11, 11, 11, 11); err != nil {
		return err
	}
	return x.chart(sheet, v, first, len(rows), len(header))
}

// scoreRow is a summary row; the score is a fraction for Excel's percent
// format, blank when nothing was judged.
func scoreRow(id, title string, rep *Report, c StatusCounts) []any {
	var score any = ""
	if s := c.score(); s != nil {
		score = *s / 100
	}
	out := []any{id, title, score}
	for _, st := range chartOrder {
		out = append(out, c.Of(st))
	}
	return out
}

// chart adds a bar chart next to the summary table: each domain and
// subdomain one bar of its controls' shares by status (100% stacked, as
// in the HTML report, so small subdomains read as well as large ones), one
// series per status in the HTML report's colours.
func (x *xlsxWriter) chart(sheet string, v *view, first, rows, cols int) error {
	colours := map[string]string{
		StatusCompliant: "2E7D32", StatusPartial: "F9A825", StatusNonCompliant: "C62828", StatusInsufficientData: "8D6E63",
		StatusNotDeployed: "B0BEC5", StatusManual: "5C6BC0", StatusNotApplicable: "E0E0E0",
	}
	quoted := "'" + strings.ReplaceAll(sheet, "'", "''") + "'"
	var series []excelize.ChartSeries
	for i, s := range chartOrder {
		col, _ := excelize.ColumnNumberToName(4 + i)
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$%d", quoted, col, first),
			Categories: fmt.Sprintf("%s!$A$%d:$A$%d", quoted, first+1, first+rows),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", quoted, col, first+1, col, first+rows),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colours[s]}},
		})
	}
	anchor, _ := excelize.CoordinatesToCellName(cols+2, 3)
	return x.f.AddChart(sheet, anchor, &excelize.Chart{
		Type:      excelize.BarPercentStacked,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: x.l.Chart}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 720, Height: 620},
		XAxis:     excelize.ChartAxis{ReverseOrder: true},
		GapWidth:  ptr(uint(40)),
		Overlap:   ptr(100),
	})
}

func (x *xlsxWriter) domain(v *view, d domainView) error {
	l := x.l
	sheet := sheetName(d.ID + " " + d.Title)
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	header := []string{l.Control, l.Subdomain, l.ControlTitle, l.ControlTitle + " (" + otherLang(l) + ")", l.Status, l.EvidenceType,
		"C/NC/?/-", l.Rules, l.Resources, l.Evaluated + " (UTC)", l.Findings, l.Remediation,
		l.Owner, l.Verdict, l.ManualFile, l.Reviewed, l.Notes}
	var rows [][]any
	var controls []ControlResult
	for _, cv := range d.Controls {
		c, _ := v.Rep.Control(cv.ID)
		controls = append(controls, c)
		rows = append(rows, x.controlRow(cv, c))
	}
	if err := x.table(sheet, 1, header, rows, 1); err != nil {
		return err
	}
	for i, c := range controls {
		if err := x.style(sheet, 5, i+2, 5, i+2, x.status[c.Status]); err != nil {
			return err
		}
		if !c.EvaluatedAt.IsZero() {
			if err := x.style(sheet, 10, i+2, 10, i+2, x.date); err != nil {
				return err
			}
		}
	}
	widths := []float64{8, 8, 28, 28, 14, 11, 11, 48, 48, 16, 36, 56, 20, 12, 40, 12, 32}
	if err := x.fitRows(sheet, 2, rows, widths); err != nil {
		return err
	}
	return x.widths(sheet, widths...)
}

func otherLang(l labels) string {
	if l.Lang == LangKorean {
		return "English"
	}
	return "한국어"
}

func (x *xlsxWriter) controlRow(cv controlView, c ControlResult) []any {
	l := x.l
	var rules, resources, found, hints []string
	for _, e := range c.Evidence {
		line := e.Identifier + " — " + l.status(e.Status) + " (" + l.basis(e.Basis) + ")"
		var names []string
		for _, d := range e.DeployedRules {
			names = append(names, d.Name)
		}
		if len(names) > 0 {
			line += " " + l.DeployedAs + " " + strings.Join(names, ", ")
		}
		rules = append(rules, line)
		for _, r := range e.NonCompliant {
			res := e.Identifier + ": " + r.Type + " " + r.ID
			if r.Annotation != "" {
				res += " — " + r.Annotation
			}
			if !r.RecordedAt.IsZero() {
				res += " (" + l.time(r.RecordedAt) + ")"
			}
			resources = append(resources, res)
		}
		if e.MoreNonCompliant {
			resources = append(resources, fmt.Sprintf("%s: > %d", e.Identifier, MaxResourcesPerRule))
		}
	}
	for _, g := range cv.Findings {
		s := g.Title + ": " + l.Open + " " + fmt.Sprint(g.Open) + " · " + orDash(g.Severities)
		for _, t := range g.Top {
			s += "\n  " + t.Severity + " " + t.Title
		}
		found = append(found, s)
	}
	for _, h := range cv.Hints {
		s := "• " + h.Text
		if h.Link != "" {
			s += " " + h.Link
		}
		hints = append(hints, s)
	}
	var evaluated any = ""
	if !c.EvaluatedAt.IsZero() {
		evaluated = c.EvaluatedAt.UTC()
	}
	source := l.ManualControl
	if c.Automated {
		source = l.Automated
	}
	counts := ""
	if c.Automated {
		counts = fmt.Sprintf("%d/%d/%d/%d", c.Rules.Compliant, c.Rules.NonCompliant, c.Rules.InsufficientData, c.Rules.NotDeployed)
	}
	owner, verdict, evidence, reviewed, notes := "", "", "", "", ""
	if m := c.Manual; m != nil {
		owner, verdict, evidence, reviewed = m.Owner, m.Status, strings.Join(m.Evidence, "\n"), m.Reviewed
		notes = m.Notes
		if m.Reason != "" {
			notes = strings.TrimSpace(notes + "\n" + l.Reason + ": " + m.Reason)
		}
	}
	return []any{c.ID, c.Subdomain, cv.Title, cv.Other, l.status(c.Status), source, counts,
		strings.Join(rules, "\n"), strings.Join(resources, "\n"), evaluated, strings.Join(found, "\n"), strings.Join(hints, "\n"),
		owner, verdict, evidence, reviewed, notes}
}

func (x *xlsxWriter) manual(v *view) error {
	l := x.l
	sheet := sheetName(l.Manual)
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	header := []string{l.Control, l.ControlTitle, l.Status, l.Owner, l.Verdict, l.Evidence, l.Reviewed, l.Reason, l.Notes}
	var rows [][]any
	for _, c := range v.Manual {
		r := []any{c.ID, c.Title, c.StatusText, "", "", "", "", "", ""}
		if m := c.Manual; m != nil {
			r = []any{c.ID, c.Title, c.StatusText, m.Owner, m.Status, strings.Join(m.Evidence, "\n"), m.Reviewed, m.Reason, m.Notes}
		}
		rows = append(rows, r)
	}
	if err := x.table(sheet, 1, header, rows, 1); err != nil {
		return err
	}
	// The verdict column takes the checklist's words, so a filled-in
	// sheet copies back into the YAML file.
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("E2:E%d", len(rows)+1)
	if err := dv.SetDropList([]string{ManualCompliant, ManualPartial, ManualNonCompliant, ManualNotApplicable, ManualPending}); err != nil {
		return err
	}
	if err := x.f.AddDataValidation(sheet, dv); err != nil {
		return err
	}
	widths := []float64{8, 34, 14, 24, 14, 56, 12, 40, 40}
	if err := x.fitRows(sheet, 2, rows, widths); err != nil {
		return err
	}
	return x.widths(sheet, widths...)
}

func (x *xlsxWriter) findings(v *view) error {
	l := x.l
	sheet := sheetName(l.SheetFindings)
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	f := v.Rep.Findings
	switch {
	case f == nil:
		return x.row(sheet, 1, l.FindingsNone)
	case f.Error != "":
		return x.row(sheet, 1, l.FindingsNotRead+": "+f.Error)
	}
	if err := x.row(sheet, 1, f.Backend, l.time(f.ReadAt)); err != nil {
		return err
	}
	header := []string{l.FindingsKind, l.Control, l.Open, l.Severity, l.Product, l.ControlTitle, l.Resource, l.ID, "UpdatedAt"}
	var rows [][]any
	for _, k := range v.Findings {
		rows = append(rows, []any{k.Title, k.Controls, k.Open, k.Severities, k.Products, "", "", "", ""})
		for _, t := range k.Top {
			rows = append(rows, []any{k.Title, k.Controls, "", t.Severity, t.Product, t.Title, t.Resource, t.ID, t.UpdatedAt})
		}
	}
	if err := x.table(sheet, 3, header, rows, 1); err != nil {
		return err
	}
	return x.widths(sheet, 30, 20, 8, 28, 20, 56, 60, 44, 22)
}

func (x *xlsxWriter) changes(v *view) error {
	d := v.Rep.Changes
	if d == nil {
		return nil
	}
	l := x.l
	sheet := sheetName(l.SheetChanges)
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	if err := x.row(sheet, 1, l.ChangesNote+": "+l.time(d.Since), fmt.Sprintf(l.Unchanged, d.Unchanged)); err != nil {
		return err
	}
	for i, w := range d.Warnings {
		if err := x.row(sheet, 2+i, l.Warnings+": "+w); err != nil {
			return err
		}
	}
	header := []string{l.Change, l.Control, l.ControlTitle, l.From, l.To, l.Rule, l.Type, l.Resource, l.Annotation}
	var rows [][]any
	for _, g := range []struct {
		kind string
		list []ControlChange
	}{{l.Regressed, d.Regressed}, {l.Improved, d.Improved}, {l.Changed, d.Changed}} {
		for _, c := range g.list {
			from := ""
			if c.From != "" {
				from = l.status(c.From)
			}
			rows = append(rows, []any{g.kind, c.ID, l.title(c.TitleEn, c.TitleKo), from, l.status(c.To), "", "", "", ""})
		}
	}
	for _, g := range []struct {
		kind string
		list []ResourceChange
	}{{l.NewResources, d.New}, {l.Resolved, d.Resolved}} {
		for _, r := range g.list {
			rows = append(rows, []any{g.kind, strings.Join(r.Controls, ", "), "", "", "", r.Identifier, r.Type, r.ID, r.Annotation})
		}
	}
	if err := x.table(sheet, 3+len(d.Warnings), header, rows, 1); err != nil {
		return err
	}
	return x.widths(sheet, 22, 16, 34, 14, 14, 40, 30, 60, 40)
}

func (x *xlsxWriter) about(v *view) error {
	l := x.l
	sheet := sheetName(l.SheetSources)
	if _, err := x.f.NewSheet(sheet); err != nil {
		return err
	}
	n := 1
	if err := x.row(sheet, n, l.Method); err != nil {
		return err
	}
	if err := x.style(sheet, 1, n, 1, n, x.bold); err != nil {
		return err
	}
	for _, p := range l.MethodText {
		n++
		if err := x.row(sheet, n, p); err != nil {
			return err
		}
	}
	n += 2
	if err := x.row(sheet, n, l.What, l.Source, l.Licence); err != nil {
		return err
	}
	if err := x.style(sheet, 1, n, 3, n, x.header); err != nil {
		return err
	}
	for _, a := range v.Rep.Attribution {
		n++
		if err := x.row(sheet, n, a.What, a.Source, a.Licence); err != nil {
			return err
		}
	}
	if err := x.style(sheet, 1, 2, 3, n, x.wrap); err != nil {
		return err
	}
	return x.widths(sheet, 60, 90, 12)
}
