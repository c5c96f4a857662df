package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/rivo/uniseg"
	"github.com/secops-dev/secops/pkg/findings"
)

// columnGap is the space between two table columns.
const columnGap = 2

// Table columns, in display order.
const (
	colSeverity = iota
	colTitle
	colResource
	colStatus
	colProduct
	colID
	numColumns
)

var columnNames = [numColumns]string{"SEVERITY", "TITLE", "RESOURCE", "STATUS", "PRODUCT", "ID"}

// Narrowest TITLE and RESOURCE columns worth showing on a terminal; below
// that, whole columns are dropped instead (PRODUCT first, then STATUS, then
// RESOURCE).
const (
	minTitleWidth    = 24
	minResourceWidth = 16
)

// minTableWidth is the narrowest terminal the table is laid out for:
// SEVERITY, a useful bit of TITLE and ID. A narrower terminal wraps it.
const minTableWidth = 40

// writeTable prints the findings as aligned columns with a header line above
// and per-severity counts below.
func writeTable(w io.Writer, list []findings.Finding, o Options) error {
	pal := newPalette(o)
	var out bytes.Buffer
	if o.Header != "" {
		out.WriteString(pal.faint(clean(o.Header)) + "\n")
	}
	if len(list) == 0 {
		out.WriteString("No findings match.\n")
		_, err := w.Write(out.Bytes())
		return err
	}

	// The table is made first: it fixes how wide ambiguous-width characters
	// count, and layout must measure the way the table pads.
	tbl := newPlainTable(&out)
	rows := make([][numColumns]string, len(list))
	labels := make([]string, len(list))
	for i := range list {
		f := &list[i]
		labels[i] = severityLabel(f)
		rows[i] = [numColumns]string{
			labels[i],
			clean(f.Title),
			clean(resourceCell(f)),
			clean(statusCell(f)),
			clean(productLabel(f)),
			clean(findings.ShortID(f.Id)),
		}
	}
	widths, shown := layout(rows, o)

	header := make([]string, 0, numColumns)
	for c := range numColumns {
		if shown[c] {
			header = append(header, columnNames[c])
		}
	}
	tbl.Header(header)
	for i, r := range rows {
		cells := make([]string, 0, numColumns)
		for c := range numColumns {
			if !shown[c] {
				continue
			}
			cell := r[c]
			switch c {
			case colResource:
				cell = truncateLeft(cell, widths[c])
			default:
				cell = truncateRight(cell, widths[c])
			}
			if c == colSeverity {
				cell = pal.severity(labels[i], cell)
			}
			cells = append(cells, cell)
		}
		if err := tbl.Append(cells); err != nil {
			return err
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	out.WriteString("\n" + countLine(list, pal) + "\n")
	_, err := w.Write(trimLines(out.Bytes()))
	return err
}

// newPlainTable is a borderless tablewriter table: left-aligned columns two
// spaces apart, no lines, cells used as given (no wrapping, no case change).
// East Asian ambiguous-width handling is off so widths do not depend on the
// user's locale.
func newPlainTable(w io.Writer) *tablewriter.Table {
	r := renderer.NewBlueprint(tw.Rendition{
		Borders: tw.BorderNone,
		Symbols: tw.NewSymbols(tw.StyleNone),
		Settings: tw.Settings{
			Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
			Lines:      tw.Lines{ShowHeaderLine: tw.Off, ShowTop: tw.Off, ShowBottom: tw.Off, ShowFooterLine: tw.Off},
		},
	})
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(r),
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: strings.Repeat(" ", columnGap), Overwrite: true}),
	)
}

// layout decides which columns show and how wide each may be. Off a
// terminal (or when its width is unknown) every column shows at its natural
// width. On a terminal the table fits o.Width: TITLE and RESOURCE shrink
// first; when they would get too narrow to read, PRODUCT, then STATUS, then
// RESOURCE are left out.
func layout(rows [][numColumns]string, o Options) (widths [numColumns]int, shown [numColumns]bool) {
	for c := range numColumns {
		widths[c] = displayWidth(columnNames[c])
		shown[c] = true
	}
	for _, r := range rows {
		for c := range numColumns {
			widths[c] = max(widths[c], displayWidth(r[c]))
		}
	}
	if !o.TTY || o.Width <= 0 {
		return widths, shown
	}
	width := max(o.Width, minTableWidth)
	for _, drop := range []int{colProduct, colStatus} {
		if fitted, ok := shrinkToFit(widths, shown, width); ok {
			return fitted, shown
		}
		shown[drop] = false
	}
	if fitted, ok := shrinkToFit(widths, shown, width); ok {
		return fitted, shown
	}
	// Last resort: SEVERITY, TITLE and ID, the title taking what is left.
	shown[colResource] = false
	widths[colTitle] = min(widths[colTitle], max(flexibleSpace(widths, shown, width), 1))
	return widths, shown
}

// flexibleSpace is what the shown columns leave for TITLE and RESOURCE.
func flexibleSpace(natural [numColumns]int, shown [numColumns]bool, width int) int {
	used, count := 0, 0
	for c := range numColumns {
		if !shown[c] {
			continue
		}
		count++
		if c != colTitle && c != colResource {
			used += natural[c]
		}
	}
	return width - used - columnGap*(count-1)
}

// shrinkToFit gives TITLE and RESOURCE the flexible space, RESOURCE about
// two fifths of it, or reports that they would be narrower than their
// minimums.
func shrinkToFit(natural [numColumns]int, shown [numColumns]bool, width int) ([numColumns]int, bool) {
	avail := flexibleSpace(natural, shown, width)
	if natural[colTitle]+natural[colResource] <= avail {
		return natural, true
	}
	if avail < minTitleWidth+minResourceWidth {
		return natural, false
	}
	res := min(natural[colResource], max(minResourceWidth, avail*2/5))
	title := avail - res
	if title > natural[colTitle] {
		title = natural[colTitle]
		res = min(natural[colResource], avail-title)
	}
	fitted := natural
	fitted[colTitle], fitted[colResource] = title, res
	return fitted, true
}

// displayWidth is how many terminal cells s takes, ignoring ANSI escapes
// and counting wide (CJK, emoji) characters as two.
func displayWidth(s string) int { return twwidth.Width(s) }

// truncateRight shortens s to width cells, ending it with "…".
func truncateRight(s string, width int) string {
	if displayWidth(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	if width == 1 {
		return "…"
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cluster := g.Str()
		cw := displayWidth(cluster)
		if used+cw > width-1 {
			break
		}
		b.WriteString(cluster)
		used += cw
	}
	return b.String() + "…"
}

// truncateLeft shortens s to width cells from the left, starting it with
// "…": for paths, packages and ARNs the end (file:line, version, resource
// name) says the most.
func truncateLeft(s string, width int) string {
	if displayWidth(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	if width == 1 {
		return "…"
	}
	var clusters []string
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		clusters = append(clusters, g.Str())
	}
	used := 0
	start := len(clusters)
	for start > 0 {
		cw := displayWidth(clusters[start-1])
		if used+cw > width-1 {
			break
		}
		used += cw
		start--
	}
	return "…" + strings.Join(clusters[start:], "")
}

// countLine is the footer: "12 findings: 2 CRITICAL, 5 HIGH, 5 LOW".
func countLine(list []findings.Finding, pal palette) string {
	counts := map[string]int{}
	for i := range list {
		counts[severityLabel(&list[i])]++
	}
	var parts []string
	for _, l := range severitiesHighFirst() {
		if n := counts[l]; n > 0 {
			parts = append(parts, pal.severity(l, fmt.Sprintf("%d %s", n, l)))
		}
	}
	return fmt.Sprintf("%s: %s", plural(len(list), "finding"), strings.Join(parts, ", "))
}

// severitiesHighFirst lists the labels from CRITICAL down, then UNKNOWN for
// findings that carry none.
func severitiesHighFirst() []string {
	labels := findings.SeverityLabels()
	out := make([]string, 0, len(labels)+1)
	for i := len(labels) - 1; i >= 0; i-- {
		out = append(out, labels[i])
	}
	return append(out, unknownSeverity)
}

func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// trimLines removes the spaces tablewriter pads the last column with.
func trimLines(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	return bytes.Join(lines, []byte("\n"))
}
