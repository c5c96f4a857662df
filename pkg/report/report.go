// Package report writes lists of findings as a table, JSON, CSV, SARIF or
// ASFF.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// Format is an output format for findings.
type Format string

// The formats every command that lists findings accepts with -o/--output.
const (
	Table Format = "table"
	JSON  Format = "json"
	CSV   Format = "csv"
	SARIF Format = "sarif"
	ASFF  Format = "asff"
)

// Formats lists every format in the order help texts show them.
func Formats() []Format { return []Format{Table, JSON, CSV, SARIF, ASFF} }

// ParseFormat reads a --output value. An empty value is Table.
func ParseFormat(s string) (Format, error) {
	v := Format(strings.ToLower(strings.TrimSpace(s)))
	if v == "" {
		return Table, nil
	}
	for _, f := range Formats() {
		if v == f {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown output format %q: use one of %s", s, formatList(Formats()))
}

func formatList(fs []Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// Options tune how findings are rendered. Only the human views (the
// findings table, the summary tables and the single-finding view) read
// Color, TTY, Width and Header; JSON, CSV, SARIF and ASFF are the same bytes
// whatever the terminal. Callers fill it from iostreams: Color from
// ColorEnabled, TTY from IsStdoutTTY, Width from TerminalWidth.
type Options struct {
	// Color turns on severity colours. Callers set it false when stdout is
	// not a terminal or NO_COLOR is set.
	Color bool
	// TTY means stdout is a terminal: the table fits Width and long cells
	// are truncated with "…". Off a terminal nothing is cut.
	TTY bool
	// Width is the terminal width in columns.
	Width int
	// Header is one line printed above the table (table format only), e.g.
	// "backend: local (/path/findings.db) · filter: severity=HIGH".
	Header string
	// ToolName and ToolVersion name the SARIF driver.
	ToolName, ToolVersion string
}

// Write renders list in format f.
func Write(w io.Writer, f Format, list []findings.Finding, o Options) error {
	var err error
	switch f {
	case Table, "":
		err = writeTable(w, list, o)
	case JSON:
		err = writeJSON(w, list)
	case CSV:
		err = writeCSV(w, list)
	case SARIF:
		err = writeSARIF(w, list, o)
	case ASFF:
		err = writeASFF(w, list)
	default:
		return fmt.Errorf("unknown output format %q: use one of %s", f, formatList(Formats()))
	}
	if err != nil {
		return fmt.Errorf("write %s report: %w", f, err)
	}
	return nil
}
