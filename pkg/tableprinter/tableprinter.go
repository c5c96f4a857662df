// Package tableprinter draws the borderless, width-fitted tables every
// secops command prints.
package tableprinter

import (
	"bytes"
	"io"
	"strings"
	"unicode"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/rivo/uniseg"
)

// ColumnGap is the space between two columns.
const ColumnGap = 2

// MaxCellWidth caps every cell, on a terminal or not, so that no input can
// blow a table up (a 1 MiB title padded every row of a piped table to 1
// MiB). It is four times what ASFF allows for a Title: a real value is
// never cut, and the full text is in -o json. A cell that was cut ends in
// "…" and is counted in Cut.
const MaxCellWidth = 1024

// Options says where the table goes.
type Options struct {
	// TTY is true when the table goes to a terminal of Width columns; only
	// then are flexible columns shrunk to fit. Off a terminal every column
	// keeps its natural width (up to MaxCellWidth), so pipes get whole values.
	TTY   bool
	Width int
}

// Column describes one column.
type Column struct {
	Name string
	// Flexible columns give up width when the table is wider than the
	// terminal; the others keep theirs.
	Flexible bool
	// KeepEnd truncates from the left ("…/pkg/file.go:12"): for paths,
	// ARNs and package names the end says the most.
	KeepEnd bool
}

// Style colours a cell after it has been measured and truncated.
type Style func(string) string

type cell struct {
	text  string
	style Style
}

// Printer collects rows and renders them once.
type Printer struct {
	w    io.Writer
	o    Options
	cols []Column
	rows [][]cell
	cur  []cell
	cut  int
}

// New returns a Printer writing to w.
func New(w io.Writer, o Options, cols ...Column) *Printer {
	return &Printer{w: w, o: o, cols: cols}
}

// Plain names columns that are neither flexible nor truncated from the left.
func Plain(names ...string) []Column {
	out := make([]Column, len(names))
	for i, n := range names {
		out[i] = Column{Name: n}
	}
	return out
}

// AddField adds a cell to the current row; style, when given, colours it.
func (p *Printer) AddField(text string, style ...Style) {
	capped, cut := Cap(text)
	c := cell{text: capped}
	if cut {
		p.cut++
	}
	if len(style) > 0 {
		c.style = style[0]
	}
	p.cur = append(p.cur, c)
}

// EndRow closes the current row.
func (p *Printer) EndRow() {
	p.rows = append(p.rows, p.cur)
	p.cur = nil
}

// Row adds a whole row of unstyled cells.
func (p *Printer) Row(cells ...string) {
	for _, c := range cells {
		p.AddField(c)
	}
	p.EndRow()
}

// Len is the number of rows added.
func (p *Printer) Len() int { return len(p.rows) }

// Cut is how many cells Render shortened to MaxCellWidth (not counting the
// shrinking that fits a terminal).
func (p *Printer) Cut() int { return p.cut }

// Render writes the table.
func (p *Printer) Render() error {
	if len(p.cur) > 0 {
		p.EndRow()
	}
	n := len(p.cols)
	for _, r := range p.rows {
		n = max(n, len(r))
	}
	widths := make([]int, n)
	for i := range n {
		if i < len(p.cols) {
			widths[i] = DisplayWidth(p.cols[i].Name)
		}
	}
	for _, r := range p.rows {
		for i, c := range r {
			widths[i] = max(widths[i], DisplayWidth(c.text))
		}
	}
	if p.o.TTY && p.o.Width > 0 {
		p.fit(widths)
	}

	var buf bytes.Buffer
	tbl := newTable(&buf)
	if len(p.cols) > 0 {
		header := make([]string, n)
		for i := range p.cols {
			header[i] = p.cols[i].Name
		}
		tbl.Header(header)
	}
	for _, r := range p.rows {
		cells := make([]string, n)
		for i, c := range r {
			text := c.text
			if i < len(p.cols) && p.cols[i].KeepEnd {
				text = TruncateLeft(text, widths[i])
			} else {
				text = TruncateRight(text, widths[i])
			}
			if c.style != nil {
				text = c.style(text)
			}
			cells[i] = text
		}
		if err := tbl.Append(cells); err != nil {
			return err
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	_, err := p.w.Write(TrimLines(buf.Bytes()))
	return err
}

// fit shrinks the flexible columns, widest first, until the table fits
// the terminal or each is down to its header's width (or 8 cells).
func (p *Printer) fit(widths []int) {
	total := func() int {
		t := ColumnGap * (len(widths) - 1)
		for _, w := range widths {
			t += w
		}
		return t
	}
	for total() > p.o.Width {
		widest, best := -1, 0
		for i, c := range p.cols {
			floor := max(DisplayWidth(c.Name), 8)
			if c.Flexible && widths[i] > floor && widths[i] > best {
				widest, best = i, widths[i]
			}
		}
		if widest < 0 {
			return
		}
		widths[widest]--
	}
}

// newTable is a borderless tablewriter table: left-aligned columns two
// spaces apart, no lines, cells used as given (no wrapping, no case
// change). East Asian ambiguous-width handling is off so widths do not
// depend on the user's locale.
func newTable(w io.Writer) *tablewriter.Table {
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
		tablewriter.WithPadding(tw.Padding{Left: "", Right: strings.Repeat(" ", ColumnGap), Overwrite: true}),
	)
}

// Cap cleans s (see Clean) and cuts it to MaxCellWidth cells, reporting
// whether it cut anything.
func Cap(s string) (string, bool) {
	pre := s
	if len(s) > 4*MaxCellWidth {
		// Cut before cleaning so a huge value is never copied whole; what
		// is left is still wider than MaxCellWidth.
		pre = TruncateRight(s, 2*MaxCellWidth)
	}
	clean := Clean(pre)
	out := TruncateRight(clean, MaxCellWidth)
	return out, pre != s || out != clean
}

// Clean makes untrusted text safe to print on one line of a terminal:
// newlines and tabs become spaces, and every other control character
// (including ESC, which would start an escape sequence a scanned file
// could use to rewrite the terminal), every bidirectional override
// ("Trojan Source") and zero-width marks are dropped.
func Clean(s string) string {
	if strings.IndexFunc(s, needsCleaning) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case needsCleaning(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// needsCleaning is true for control characters, the bidirectional
// overrides and isolates that can make text display in another order than
// it is stored, and zero-width characters.
func needsCleaning(r rune) bool {
	return unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == 0x200b || r == 0xfeff
}

// DisplayWidth is how many terminal cells s takes, ignoring ANSI escapes
// and counting wide (CJK, emoji) characters as two.
func DisplayWidth(s string) int { return twwidth.Width(s) }

// TruncateRight shortens s to width cells, ending it with "…". It never
// splits a grapheme cluster, so text stays valid UTF-8, and it reads only
// as much of s as fits: a 60 MiB title costs what its first line costs.
func TruncateRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if len(s) <= width {
		return s
	}
	used, cut := 0, 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := DisplayWidth(g.Str())
		if used+cw > width {
			if width == 1 {
				return "…"
			}
			return s[:cut] + "…"
		}
		used += cw
		if used <= width-1 {
			_, cut = g.Positions()
		}
	}
	return s
}

// TruncateLeft shortens s to width cells from the left, starting it with
// "…".
func TruncateLeft(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if len(s) <= width || DisplayWidth(s) <= width {
		return s
	}
	if width == 1 {
		return "…"
	}
	// Walk from the end: a huge value costs only the clusters kept.
	var clusters []string
	used := 0
	rest := s
	for rest != "" {
		cluster, _ := lastCluster(rest)
		cw := DisplayWidth(cluster)
		if used+cw > width-1 {
			break
		}
		clusters = append(clusters, cluster)
		used += cw
		rest = rest[:len(rest)-len(cluster)]
	}
	var b strings.Builder
	b.WriteString("…")
	for i := len(clusters) - 1; i >= 0; i-- {
		b.WriteString(clusters[i])
	}
	return b.String()
}

// lastCluster returns the last grapheme cluster of s. It looks only at the
// last few dozen bytes, enough for any real cluster.
func lastCluster(s string) (string, int) {
	start := max(0, len(s)-64)
	for start > 0 && !isRuneStart(s[start]) {
		start--
	}
	tail := s[start:]
	last := ""
	g := uniseg.NewGraphemes(tail)
	for g.Next() {
		last = g.Str()
	}
	return last, len(last)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// TrimLines removes the spaces tablewriter pads the last column with.
func TrimLines(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	return bytes.Join(lines, []byte("\n"))
}
