package report

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/secops-dev/secops/pkg/findings"
)

// palette colours severities. It uses the 16 basic ANSI colours, which
// every terminal has and users theme to be readable.
type palette struct {
	on     bool
	styles map[string]lipgloss.Style
	bold   lipgloss.Style
	dim    lipgloss.Style
}

// newPalette builds the styles for o. The lipgloss renderer gets a fixed
// profile rather than probing a terminal: whether to colour is the caller's
// decision (Options.Color), and output must not depend on the environment.
func newPalette(o Options) palette {
	r := lipgloss.NewRenderer(io.Discard)
	if o.Color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	red := lipgloss.Color("1")
	return palette{
		on: o.Color,
		styles: map[string]lipgloss.Style{
			findings.SeverityCritical:      r.NewStyle().Bold(true).Foreground(red),
			findings.SeverityHigh:          r.NewStyle().Foreground(red),
			findings.SeverityMedium:        r.NewStyle().Foreground(lipgloss.Color("3")),
			findings.SeverityLow:           r.NewStyle().Foreground(lipgloss.Color("6")),
			findings.SeverityInformational: r.NewStyle().Faint(true),
		},
		bold: r.NewStyle().Bold(true),
		dim:  r.NewStyle().Faint(true),
	}
}

// severity paints text in the colour of label.
func (p palette) severity(label, text string) string {
	if !p.on {
		return text
	}
	st, ok := p.styles[label]
	if !ok {
		return text
	}
	return st.Render(text)
}

func (p palette) strong(text string) string {
	if !p.on {
		return text
	}
	return p.bold.Render(text)
}

func (p palette) faint(text string) string {
	if !p.on {
		return text
	}
	return p.dim.Render(text)
}
