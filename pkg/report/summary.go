package report

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

// Summary is what `secops findings summary` shows: how many findings there
// are by severity and by product, and which resources have the most.
type Summary struct {
	Total        int             `json:"Total"`
	BySeverity   SeverityCounts  `json:"BySeverity"`
	ByProduct    []ProductCount  `json:"ByProduct"`
	TopResources []ResourceCount `json:"TopResources"`
}

// SeverityCounts counts findings per severity label. Unknown counts
// findings without a usable label (not valid ASFF, but not hidden either).
type SeverityCounts struct {
	Critical      int `json:"CRITICAL"`
	High          int `json:"HIGH"`
	Medium        int `json:"MEDIUM"`
	Low           int `json:"LOW"`
	Informational int `json:"INFORMATIONAL"`
	Unknown       int `json:"UNKNOWN,omitempty"`
}

// ProductCount is the findings of one product (scanner or importer).
type ProductCount struct {
	Product    string         `json:"Product"`
	Total      int            `json:"Total"`
	BySeverity SeverityCounts `json:"BySeverity"`
}

// ResourceCount is the findings about one resource (its first, primary
// resource).
type ResourceCount struct {
	Type       string         `json:"Type"`
	Id         string         `json:"Id"`
	Total      int            `json:"Total"`
	BySeverity SeverityCounts `json:"BySeverity"`
}

// Get returns the count for label.
func (c SeverityCounts) Get(label string) int {
	switch label {
	case findings.SeverityCritical:
		return c.Critical
	case findings.SeverityHigh:
		return c.High
	case findings.SeverityMedium:
		return c.Medium
	case findings.SeverityLow:
		return c.Low
	case findings.SeverityInformational:
		return c.Informational
	}
	return c.Unknown
}

func (c *SeverityCounts) add(label string) {
	switch label {
	case findings.SeverityCritical:
		c.Critical++
	case findings.SeverityHigh:
		c.High++
	case findings.SeverityMedium:
		c.Medium++
	case findings.SeverityLow:
		c.Low++
	case findings.SeverityInformational:
		c.Informational++
	default:
		c.Unknown++
	}
}

// compare orders counts by severity: more CRITICAL first, then more HIGH,
// and so on down.
func (c SeverityCounts) compare(d SeverityCounts) int {
	for _, l := range severitiesHighFirst() {
		if n := cmp.Compare(c.Get(l), d.Get(l)); n != 0 {
			return n
		}
	}
	return 0
}

// Summarize counts list by severity and product and picks the topResources
// resources with the most findings (by their first, primary resource).
// Ties are broken by severity, compared label by label from CRITICAL down,
// so one CRITICAL finding outweighs any number of HIGH ones; then by
// resource Id, so the result does not depend on the order of list.
// Products are ordered the same way.
func Summarize(list []findings.Finding, topResources int) Summary {
	s := Summary{Total: len(list), ByProduct: []ProductCount{}, TopResources: []ResourceCount{}}
	products := map[string]*ProductCount{}
	resources := map[string]*ResourceCount{}
	for i := range list {
		f := &list[i]
		label := severityLabel(f)
		s.BySeverity.add(label)

		name := productLabel(f)
		p := products[name]
		if p == nil {
			p = &ProductCount{Product: name}
			products[name] = p
		}
		p.Total++
		p.BySeverity.add(label)

		if len(f.Resources) == 0 {
			continue
		}
		key := f.Resources[0].Type + "\x00" + f.Resources[0].Id
		r := resources[key]
		if r == nil {
			r = &ResourceCount{Type: f.Resources[0].Type, Id: f.Resources[0].Id}
			resources[key] = r
		}
		r.Total++
		r.BySeverity.add(label)
	}
	for _, p := range products {
		s.ByProduct = append(s.ByProduct, *p)
	}
	slices.SortFunc(s.ByProduct, func(a, b ProductCount) int {
		if n := cmp.Compare(b.Total, a.Total); n != 0 {
			return n
		}
		if n := b.BySeverity.compare(a.BySeverity); n != 0 {
			return n
		}
		return cmp.Compare(a.Product, b.Product)
	})
	if topResources > 0 {
		all := make([]ResourceCount, 0, len(resources))
		for _, r := range resources {
			all = append(all, *r)
		}
		slices.SortFunc(all, func(a, b ResourceCount) int {
			if n := cmp.Compare(b.Total, a.Total); n != 0 {
				return n
			}
			if n := b.BySeverity.compare(a.BySeverity); n != 0 {
				return n
			}
			if n := cmp.Compare(a.Id, b.Id); n != 0 {
				return n
			}
			return cmp.Compare(a.Type, b.Type)
		})
		s.TopResources = all[:min(topResources, len(all))]
	}
	return s
}

// WriteSummary renders a summary as tables (Table), JSON or CSV.
func WriteSummary(w io.Writer, f Format, s Summary, o Options) error {
	var err error
	switch f {
	case Table, "":
		err = writeSummaryTable(w, s, o)
	case JSON:
		err = encodeIndented(w, s)
	case CSV:
		err = writeSummaryCSV(w, s)
	default:
		return fmt.Errorf("a summary cannot be written as %q: use one of %s", f, formatList([]Format{Table, JSON, CSV}))
	}
	if err != nil {
		return fmt.Errorf("write %s summary: %w", f, err)
	}
	return nil
}

// summaryLabels are the severity columns of a summary, highest first;
// UNKNOWN only shows when some finding has no label.
func summaryLabels(s Summary) []string {
	labels := severitiesHighFirst()
	if s.BySeverity.Unknown == 0 {
		labels = labels[:len(labels)-1]
	}
	return labels
}

func writeSummaryTable(w io.Writer, s Summary, o Options) error {
	pal := newPalette(o)
	out := &bytes.Buffer{}
	if o.Header != "" {
		out.WriteString(pal.faint(clean(o.Header)) + "\n")
	}
	if s.Total == 0 {
		out.WriteString("No findings match.\n")
		_, err := w.Write(out.Bytes())
		return err
	}
	labels := summaryLabels(s)
	heads, nameWidth := summaryColumns(s, labels, o)
	name := func(n string) string {
		if nameWidth > 0 {
			return truncateLeft(clean(n), nameWidth)
		}
		return clean(n)
	}
	addCounts := func(t *tableprinter.Printer, c SeverityCounts, total int) {
		for _, l := range labels {
			n := c.Get(l)
			if n > 0 {
				t.AddField(strconv.Itoa(n), func(cell string) string { return pal.severity(l, cell) })
			} else {
				t.AddField(strconv.Itoa(n))
			}
		}
		t.AddField(strconv.Itoa(total))
		t.EndRow()
	}
	newTable := func(first string) *tableprinter.Printer {
		return tableprinter.New(out, tableprinter.Options{}, tableprinter.Plain(append(append([]string{first}, heads...), "TOTAL")...)...)
	}

	productTable := newTable("PRODUCT")
	for _, p := range s.ByProduct {
		productTable.AddField(name(p.Product))
		addCounts(productTable, p.BySeverity, p.Total)
	}
	productTable.AddField("TOTAL", pal.strong)
	addCounts(productTable, s.BySeverity, s.Total)
	if err := productTable.Render(); err != nil {
		return err
	}

	if len(s.TopResources) > 0 {
		out.WriteString("\n" + pal.strong("Top resources") + "\n")
		resourceTable := newTable("RESOURCE")
		for _, r := range s.TopResources {
			resourceTable.AddField(name(r.Id))
			addCounts(resourceTable, r.BySeverity, r.Total)
		}
		if err := resourceTable.Render(); err != nil {
			return err
		}
	}
	_, err := w.Write(trimLines(out.Bytes()))
	return err
}

// shortLabels are the severity column headers for narrow terminals.
var shortLabels = map[string]string{
	findings.SeverityCritical:      "CRIT",
	findings.SeverityHigh:          "HIGH",
	findings.SeverityMedium:        "MED",
	findings.SeverityLow:           "LOW",
	findings.SeverityInformational: "INFO",
	unknownSeverity:                "UNKN",
}

// summaryColumns picks the severity column headers and how wide product and
// resource names may be. Off a terminal: full labels, names whole. On one:
// short labels when the full ones do not fit, and names cut (from the
// left, keeping the end) to what the count columns leave.
func summaryColumns(s Summary, labels []string, o Options) (heads []string, nameWidth int) {
	heads = append([]string(nil), labels...)
	if !o.TTY || o.Width <= 0 {
		return heads, 0
	}
	names := len("RESOURCE")
	for _, p := range s.ByProduct {
		names = max(names, displayWidth(clean(p.Product)))
	}
	for _, r := range s.TopResources {
		names = max(names, displayWidth(clean(r.Id)))
	}
	if names+countColumnsWidth(heads, s) > o.Width {
		for i, l := range labels {
			heads[i] = shortLabels[l]
		}
	}
	return heads, max(o.Width-countColumnsWidth(heads, s), minResourceWidth)
}

// countColumnsWidth is the width of the severity and TOTAL columns with the
// gaps before each of them.
func countColumnsWidth(heads []string, s Summary) int {
	digits := len(strconv.Itoa(s.Total)) // no count is larger than the total
	w := 0
	for _, h := range append(heads, "TOTAL") {
		w += columnGap + max(len(h), digits)
	}
	return w
}

// writeSummaryCSV writes one tidy table: a row per product, a row per top
// resource and a total row, told apart by the Kind column.
func writeSummaryCSV(w io.Writer, s Summary) error {
	cw := csv.NewWriter(w)
	labels := severitiesHighFirst()
	header := append([]string{"Kind", "Name", "ResourceType"}, labels...)
	header = append(header, "Total")
	if err := cw.Write(header); err != nil {
		return err
	}
	row := func(kind, name, typ string, c SeverityCounts, total int) error {
		cells := []string{kind, csvSafe(name), csvSafe(typ)}
		for _, l := range labels {
			cells = append(cells, strconv.Itoa(c.Get(l)))
		}
		return cw.Write(append(cells, strconv.Itoa(total)))
	}
	for _, p := range s.ByProduct {
		if err := row("product", p.Product, "", p.BySeverity, p.Total); err != nil {
			return err
		}
	}
	for _, r := range s.TopResources {
		if err := row("resource", r.Id, r.Type, r.BySeverity, r.Total); err != nil {
			return err
		}
	}
	if err := row("total", "", "", s.BySeverity, s.Total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
