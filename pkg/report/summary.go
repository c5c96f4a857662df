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
// resources with the most findings. Ties are broken by severity (a resource
// with a CRITICAL finding ranks above one with only HIGH ones), then by
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
	countCells := func(c SeverityCounts, total int) []string {
		cells := make([]string, 0, len(labels)+1)
		for _, l := range labels {
			n := c.Get(l)
			cell := strconv.Itoa(n)
			if n > 0 {
				cell = pal.severity(l, cell)
			}
			cells = append(cells, cell)
		}
		return append(cells, strconv.Itoa(total))
	}

	header := append([]string{"PRODUCT"}, labels...)
	header = append(header, "TOTAL")
	tbl := newPlainTable(out)
	tbl.Header(header)
	for _, p := range s.ByProduct {
		if err := tbl.Append(append([]string{clean(p.Product)}, countCells(p.BySeverity, p.Total)...)); err != nil {
			return err
		}
	}
	if err := tbl.Append(append([]string{pal.strong("TOTAL")}, countCells(s.BySeverity, s.Total)...)); err != nil {
		return err
	}
	if err := tbl.Render(); err != nil {
		return err
	}

	if len(s.TopResources) > 0 {
		out.WriteString("\n" + pal.strong("Top resources") + "\n")
		width := 0
		if o.TTY && o.Width > 0 {
			// RESOURCE gets what the count columns leave.
			width = o.Width - len("TOTAL")
			for _, l := range labels {
				width -= len(l) + columnGap
			}
			width -= columnGap
		}
		header := append([]string{"RESOURCE"}, labels...)
		header = append(header, "TOTAL")
		rt := newPlainTable(out)
		rt.Header(header)
		for _, r := range s.TopResources {
			name := clean(r.Id)
			if width > 0 {
				name = truncateLeft(name, max(width, minResourceWidth))
			}
			if err := rt.Append(append([]string{name}, countCells(r.BySeverity, r.Total)...)); err != nil {
				return err
			}
		}
		if err := rt.Render(); err != nil {
			return err
		}
	}
	_, err := w.Write(trimLines(out.Bytes()))
	return err
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
