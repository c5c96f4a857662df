package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

// columnGap is the space between two table columns.
const columnGap = 2

// Table columns, in display order.
const (
	colSeverity = iota
	colTitle
	colResource
	colStatus
	colFixed
	colReach
	colProduct
	colTarget
	colID
	numColumns
)

var columnNames = [numColumns]string{"SEVERITY", "TITLE", "RESOURCE", "STATUS", "FIXED", "REACH", "PRODUCT", "TARGET", "ID"}

// Narrowest TITLE and RESOURCE columns worth showing on a terminal; below
// that, whole columns are dropped instead (PRODUCT first, then TARGET, then
// STATUS, then RESOURCE). FIXED shows only when the list holds
// vulnerabilities, TARGET only when it spans several scan targets.
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

	rows := make([][numColumns]string, len(list))
	labels := make([]string, len(list))
	cut := 0
	present := optionalColumns(list)
	for i := range list {
		f := &list[i]
		labels[i] = severityLabel(f)
		title := f.Title
		if present[colFixed] && o.TTY {
			// The FIXED column says it; on a terminal the title keeps its
			// width for the name.
			title = trimFixSuffix(title)
		}
		rows[i] = [numColumns]string{
			labels[i],
			title,
			resourceCell(f),
			statusCell(f),
			fixedCell(f),
			f.ProductFields[findings.FieldReachable],
			productLabel(f),
			f.ProductFields[findings.FieldTarget],
			findings.ShortID(f.Id),
		}
		for c := range rows[i] {
			var wasCut bool
			if rows[i][c], wasCut = tableprinter.Cap(rows[i][c]); wasCut {
				cut++
			}
		}
	}
	widths, shown := layout(rows, present, o)

	var cols []tableprinter.Column
	for c := range numColumns {
		if shown[c] {
			cols = append(cols, tableprinter.Column{Name: columnNames[c]})
		}
	}
	tbl := tableprinter.New(&out, tableprinter.Options{}, cols...)
	for i, r := range rows {
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
				label := labels[i]
				tbl.AddField(cell, func(s string) string { return pal.severity(label, s) })
				continue
			}
			tbl.AddField(cell)
		}
		tbl.EndRow()
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	out.WriteString("\n" + countLine(list, pal) + "\n")
	if cut > 0 {
		// Last, where a narrow terminal may wrap it.
		out.WriteString(pal.faint(fmt.Sprintf("%s cut at %d characters; -o json has them whole.", plural(cut, "value"), tableprinter.MaxCellWidth)) + "\n")
	}
	_, err := w.Write(trimLines(out.Bytes()))
	return err
}

// layout decides which columns show and how wide each may be. Off a
// terminal (or when its width is unknown) every column shows at its natural
// width. On a terminal the table fits o.Width: TITLE and RESOURCE shrink
// first; when they would get too narrow to read, PRODUCT, then STATUS, then
// RESOURCE are left out.
func layout(rows [][numColumns]string, present [numColumns]bool, o Options) (widths [numColumns]int, shown [numColumns]bool) {
	for c := range numColumns {
		widths[c] = displayWidth(columnNames[c])
		shown[c] = present[c]
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
	for _, drop := range []int{colProduct, colTarget, colReach, colStatus} {
		if fitted, ok := shrinkToFit(widths, shown, width); ok {
			return fitted, shown
		}
		shown[drop] = false
	}
	if fitted, ok := shrinkToFit(widths, shown, width); ok {
		return fitted, shown
	}
	// Last resort: SEVERITY, TITLE and ID (and FIXED while the title
	// keeps a readable width), the title taking what is left.
	shown[colResource] = false
	if flexibleSpace(widths, shown, width) < minTitleWidth {
		shown[colFixed] = false
	}
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

// optionalColumns says which columns the list needs: all but FIXED, shown
// when some finding is a vulnerability of a package, REACH, shown when
// some finding's reachability was analysed, and TARGET, shown when the
// findings come from more than one scan target.
func optionalColumns(list []findings.Finding) [numColumns]bool {
	var present [numColumns]bool
	for c := range numColumns {
		present[c] = c != colFixed && c != colTarget && c != colReach
	}
	var target string
	for i := range list {
		f := &list[i]
		if firstPackage(f) != nil {
			present[colFixed] = true
		}
		if f.ProductFields[findings.FieldReachable] != "" {
			present[colReach] = true
		}
		if t := f.ProductFields[findings.FieldTarget]; t != "" {
			if target != "" && t != target {
				present[colTarget] = true
			}
			target = t
		}
	}
	return present
}

// fixedCell is the version that fixes a vulnerable package, "none" when
// no fix is published, "" for findings that are not about a package.
func fixedCell(f *findings.Finding) string {
	p := firstPackage(f)
	if p == nil {
		return ""
	}
	if p.FixedInVersion != "" {
		return p.FixedInVersion
	}
	for _, v := range f.Vulnerabilities {
		if strings.EqualFold(v.FixAvailable, "NO") {
			return "none"
		}
	}
	return "-"
}

// trimFixSuffix drops the " (fixed in X)" or " (no fix published)" that
// SCA titles end with.
func trimFixSuffix(title string) string {
	if i := strings.LastIndex(title, " (fixed in "); i > 0 && strings.HasSuffix(title, ")") {
		return title[:i]
	}
	return strings.TrimSuffix(title, " (no fix published)")
}

// displayWidth, truncateRight and truncateLeft measure and cut cells as
// every secops table does.
func displayWidth(s string) int                { return tableprinter.DisplayWidth(s) }
func truncateRight(s string, width int) string { return tableprinter.TruncateRight(s, width) }
func truncateLeft(s string, width int) string  { return tableprinter.TruncateLeft(s, width) }

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
func trimLines(b []byte) []byte { return tableprinter.TrimLines(b) }
