package compliance

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed templates/report.html.tmpl
var reportHTML string

// WriteReportHTML renders the report as one self-contained HTML page:
// styles and charts (SVG) inline, nothing loaded at view time (its
// Content-Security-Policy forbids it), UTF-8, Korean fonts named with
// fallbacks. It prints on A4 landscape.
func WriteReportHTML(w io.Writer, rep *Report, lang string) error {
	v := newView(rep, lang)
	l := v.L
	funcs := template.FuncMap{
		"time":         func(t time.Time) string { return l.time(t) },
		"score":        ScoreText,
		"join":         strings.Join,
		"status":       l.status,
		"title":        l.title,
		"manualStatus": func(s string) string { return manualStatusText(l, s) },
		"evidenceArgs": func(v *view, c controlView) any {
			return struct {
				L labels
				C controlView
			}{v.L, c}
		},
		"changeArgs": func(v *view, title, kind string, list []ControlChange) any {
			return struct {
				L           labels
				Title, Kind string
				List        []ControlChange
			}{v.L, title, kind, list}
		},
		"resourceArgs": func(v *view, title, kind string, list []ResourceChange) any {
			return struct {
				L           labels
				Title, Kind string
				List        []ResourceChange
			}{v.L, title, kind, list}
		},
	}
	t, err := template.New("report").Funcs(funcs).Parse(reportHTML)
	if err != nil {
		return err
	}
	return t.Execute(w, v)
}
