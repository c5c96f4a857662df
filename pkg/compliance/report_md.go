package compliance

import (
	"fmt"
	"io"
	"strings"
)

// maxResourcesMarkdown is how many non-compliant resources a Markdown cell
// lists per rule; the HTML, Excel and JSON reports list more.
const maxResourcesMarkdown = 5

// WriteReportMarkdown renders the report as GitHub-flavoured Markdown for
// a wiki: tables per domain, one row per control. Text from AWS, findings
// and the checklist is escaped, so it cannot add HTML or break a table.
func WriteReportMarkdown(w io.Writer, rep *Report, lang string) error {
	v := newView(rep, lang)
	l := v.L
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	row := func(cells ...string) { b.WriteString("| " + strings.Join(cells, " | ") + " |\n") }
	rule := func(n int) { b.WriteString("|" + strings.Repeat(" --- |", n) + "\n") }

	line("# %s", mdText(l.Title))
	line("")
	line("%s", mdText(l.Subtitle))
	line("")
	row("", "")
	rule(2)
	row(l.Account, mdCode(orDash(rep.Source.Account)))
	row(l.Region, mdCode(rep.Source.Region))
	row(l.TakenAt, l.time(rep.Source.TakenAt))
	row(l.Generated, l.time(rep.GeneratedAt))
	row(l.Packs, mdText(v.Packs))
	row(l.Mapping, mdText("ISMS-P "+rep.Framework.Version+" · "+rep.Framework.Pack+" · "+rep.Framework.MappingVersion))
	if rep.Source.Snapshot != "" {
		row(l.Snapshot, mdCode(rep.Source.Snapshot))
	}
	if rep.Manual != nil {
		row(l.ManualFile, mdCode(rep.Manual.File))
	}
	line("")

	line("## %s", l.Summary)
	line("")
	var cards []string
	for _, c := range v.Cards {
		cards = append(cards, fmt.Sprintf("%s %d", c.Text, c.Count))
	}
	line("**%s %s** (%s) · %s", l.Score, ScoreText(rep.Score), fmt.Sprintf(l.Controls, rep.Summary.Total()), strings.Join(cards, " · "))
	line("")
	line("%s", mdText(l.ScoreNote))
	line("")
	header := []string{l.Domain + " / " + l.Subdomain, l.Score}
	for _, c := range v.Cards {
		header = append(header, c.Text)
	}
	row(header...)
	rule(len(header))
	counts := func(c StatusCounts) []string {
		var out []string
		for _, s := range chartOrder {
			out = append(out, fmt.Sprint(c.Of(s)))
		}
		return out
	}
	for _, d := range v.Domains {
		row(append([]string{"**" + d.ID + " " + mdText(d.Title) + "**", "**" + d.Score + "**"}, counts(d.Counts)...)...)
		for _, s := range d.Subdomains {
			row(append([]string{s.ID + " " + mdText(s.Title), s.Score}, counts(s.Counts)...)...)
		}
	}
	line("")

	for _, d := range v.Domains {
		line("## %s %s", d.ID, mdText(d.Title))
		line("")
		row(l.Control, l.ControlTitle, l.Status, l.Evidence, l.Evaluated, l.Remediation)
		rule(6)
		for _, c := range d.Controls {
			title := "**" + mdText(c.Title) + "**<br>" + mdText(c.Other)
			var hints []string
			for _, h := range c.Hints {
				t := mdText(h.Text)
				if h.Link != "" {
					t += " ([" + l.SeeDocs + "](" + h.Link + "))"
				}
				hints = append(hints, "• "+t)
			}
			row(c.ID, title, c.StatusText, mdEvidence(c, l), orDash(c.Evaluated), orDash(strings.Join(hints, "<br>")))
		}
		line("")
	}

	line("## %s", l.Manual)
	line("")
	line("%s", mdText(l.ManualNote))
	line("")
	row(l.Control, l.ControlTitle, l.Owner, l.Verdict, l.Evidence, l.Reviewed, l.Notes)
	rule(7)
	fill := "_" + l.ManualEmpty + "_"
	for _, c := range v.Manual {
		title := mdText(c.Title) + "<br>" + mdText(c.Other)
		m := c.Manual
		if m == nil {
			row(c.ID, title, fill, fill, fill, fill, "")
			continue
		}
		notes := mdText(m.Notes)
		if m.Reason != "" {
			notes = strings.TrimPrefix(notes+"<br>"+l.Reason+": "+mdText(m.Reason), "<br>")
		}
		var ev []string
		for _, e := range m.Evidence {
			ev = append(ev, "• "+mdText(e))
		}
		row(c.ID, title, orFill(mdText(m.Owner), fill), manualStatusText(l, m.Status), orFill(strings.Join(ev, "<br>"), fill), orFill(m.Reviewed, fill), notes)
	}
	line("")

	line("## %s", l.Findings)
	line("")
	switch f := rep.Findings; {
	case f == nil:
		line("%s", l.FindingsNone)
	case f.Error != "":
		line("%s: %s", l.FindingsNotRead, mdText(f.Error))
	default:
		line("%s · %s", mdText(f.Backend), l.time(f.ReadAt))
		line("")
		row(l.FindingsKind, l.Control, l.Open, l.Severity, l.Product, l.Top)
		rule(6)
		for _, k := range v.Findings {
			var top []string
			for _, t := range k.Top {
				top = append(top, "• "+t.Severity+" "+mdText(t.Title)+" "+mdCode(t.Resource))
			}
			row(mdText(k.Title), k.Controls, fmt.Sprint(k.Open), orDash(k.Severities), mdText(k.Products), orDash(strings.Join(top, "<br>")))
		}
	}
	line("")

	if d := rep.Changes; d != nil {
		line("## %s", l.Changes)
		line("")
		line("%s: %s · %s", l.ChangesNote, l.time(d.Since), fmt.Sprintf(l.Unchanged, d.Unchanged))
		for _, w := range d.Warnings {
			line("")
			line("> %s: %s", l.Warnings, mdText(w))
		}
		for _, g := range []struct {
			title string
			list  []ControlChange
		}{{l.Regressed, d.Regressed}, {l.Improved, d.Improved}, {l.Changed, d.Changed}} {
			if len(g.list) == 0 {
				continue
			}
			line("")
			line("### %s (%d)", g.title, len(g.list))
			line("")
			row(l.Control, l.ControlTitle, l.From, l.To)
			rule(4)
			for _, c := range g.list {
				from := "-"
				if c.From != "" {
					from = l.status(c.From)
				}
				row(c.ID, mdText(l.title(c.TitleEn, c.TitleKo)), from, l.status(c.To))
			}
		}
		for _, g := range []struct {
			title string
			list  []ResourceChange
		}{{l.NewResources, d.New}, {l.Resolved, d.Resolved}} {
			if len(g.list) == 0 {
				continue
			}
			line("")
			line("### %s (%d)", g.title, len(g.list))
			line("")
			row(l.Rule, l.Type, l.Resource, l.Control, l.Annotation)
			rule(5)
			for _, r := range g.list {
				row(mdCode(r.Identifier), mdText(r.Type), mdCode(r.ID), strings.Join(r.Controls, ", "), mdText(r.Annotation))
			}
		}
		line("")
	}

	line("## %s", l.Method)
	line("")
	for _, p := range l.MethodText {
		line("%s", mdText(p))
		line("")
	}
	line("## %s", l.Attribution)
	line("")
	row(l.What, l.Source, l.Licence)
	rule(3)
	for _, a := range rep.Attribution {
		row(mdText(a.What), mdText(a.Source), a.Licence)
	}
	line("")
	line("_secops compliance isms-p · %s v%d_", rep.Kind, rep.SchemaVersion)
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEvidence(c controlView, l labels) string {
	var parts []string
	for _, r := range c.Failing {
		p := l.status(StatusNonCompliant) + " " + mdCode(r.Identifier) + " (" + mdText(r.Basis) + ")"
		var res []string
		for i, x := range r.Resources {
			if i == maxResourcesMarkdown {
				break
			}
			res = append(res, mdCode(x.ID))
		}
		if more := len(r.Resources) + r.More - len(res); more > 0 {
			res = append(res, fmt.Sprintf("+%d %s", more, l.MoreResources))
		}
		if len(res) > 0 {
			p += ": " + strings.Join(res, ", ")
		}
		parts = append(parts, p)
	}
	if n := len(c.Passing); n > 0 {
		parts = append(parts, fmt.Sprintf("%s %d: %s", l.status(StatusCompliant), n, mdCode(strings.Join(c.Passing, ", "))))
	}
	if n := len(c.NoData); n > 0 {
		parts = append(parts, fmt.Sprintf("%s %d: %s", l.status(StatusInsufficientData), n, mdCode(strings.Join(c.NoData, ", "))))
	}
	if n := len(c.NotDeployed); n > 0 {
		parts = append(parts, fmt.Sprintf("%s %d: %s", l.status(StatusNotDeployed), n, mdCode(strings.Join(c.NotDeployed, ", "))))
	}
	for _, f := range c.Findings {
		parts = append(parts, fmt.Sprintf("%s: %s %d · %s", mdText(f.Title), l.Open, f.Open, orDash(f.Severities)))
	}
	if m := c.Manual; m != nil {
		p := l.ManualFile + ": " + orDash(mdText(m.Owner))
		if m.Reason != "" {
			p += " · " + l.Reason + ": " + mdText(m.Reason)
		}
		for _, e := range m.Evidence {
			p += "<br>• " + mdText(e)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return l.NoEvidence
	}
	return strings.Join(parts, "<br>")
}

// mdText makes text safe in a Markdown table cell: one line, no pipes, no
// HTML, no Markdown emphasis or links of its own.
func mdText(s string) string {
	s = strings.NewReplacer(
		"\r\n", " ", "\n", " ", "\r", " ", "\t", " ",
		"&", "&amp;", "<", "&lt;", ">", "&gt;",
		"|", `\|`, "\\", `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	).Replace(s)
	return s
}

// mdCode is s as inline code, or escaped text when it holds a backtick or
// cannot be code in a table cell.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "`|\n\r") {
		return mdText(s)
	}
	return "`" + s + "`"
}

func orFill(s, fill string) string {
	if s == "" {
		return fill
	}
	return s
}
