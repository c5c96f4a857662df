// Package iostreams holds a command's standard streams and what is known of
// the terminal behind them.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams is what a command reads from and writes to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	outTTY   bool
	errTTY   bool
	width    int
	colorOff bool
	quiet    bool
}

// System returns the process's streams, with TTY detection and NO_COLOR.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.outTTY = isTerminal(os.Stdout)
	s.errTTY = isTerminal(os.Stderr)
	s.width = 80
	if s.outTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			s.width = w
		}
	}
	if cols, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && cols > 0 {
		s.width = cols
	}
	// https://no-color.org: any non-empty value turns colour off.
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		s.colorOff = true
	}
	return s
}

// Test returns streams backed by buffers, as a non-TTY: what CI sees.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: 80}, in, out, errOut
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether stderr is a terminal (spinners go there).
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// SetStdoutTTY overrides TTY detection, for tests.
func (s *IOStreams) SetStdoutTTY(v bool) { s.outTTY = v }

// SetStderrTTY overrides TTY detection, for tests.
func (s *IOStreams) SetStderrTTY(v bool) { s.errTTY = v }

// ColorEnabled is true when stdout is a TTY and nobody asked for no colour.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.colorOff }

// SetColorDisabled turns colour off (--no-color).
func (s *IOStreams) SetColorDisabled(off bool) { s.colorOff = s.colorOff || off }

// TerminalWidth is the width tables should fit, 80 when unknown.
func (s *IOStreams) TerminalWidth() int { return s.width }

// SetTerminalWidth overrides the width, for tests.
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// Quiet reports -q: only results and errors, no progress or notes.
func (s *IOStreams) Quiet() bool { return s.quiet }

// SetQuiet sets -q.
func (s *IOStreams) SetQuiet(q bool) { s.quiet = q }

// Notef writes an informational line to stderr unless quiet.
func (s *IOStreams) Notef(format string, args ...any) {
	if s.quiet {
		return
	}
	io.WriteString(s.ErrOut, sprintfln(format, args...))
}
