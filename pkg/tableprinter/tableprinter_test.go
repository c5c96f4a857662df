package tableprinter

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		cols []Column
		rows [][]string
		want string
	}{
		{
			name: "aligned, trailing spaces trimmed",
			cols: Plain("STACK", "STATUS"),
			rows: [][]string{{"security", "CREATE_COMPLETE"}, {"alerts-long", "-"}},
			want: "STACK        STATUS\nsecurity     CREATE_COMPLETE\nalerts-long  -\n",
		},
		{
			name: "control characters removed, line breaks become spaces",
			cols: Plain("A", "B"),
			rows: [][]string{{"x\x1b[31m", "two\nlines"}},
			want: "A      B\nx[31m  two lines\n",
		},
		{
			name: "flexible column shrinks on a terminal",
			o:    Options{TTY: true, Width: 20},
			cols: []Column{{Name: "ID"}, {Name: "TITLE", Flexible: true}},
			rows: [][]string{{"abc", "a very long title that does not fit"}},
			want: "ID   TITLE\nabc  a very long ti…\n",
		},
		{
			name: "keep the end of a path",
			o:    Options{TTY: true, Width: 16},
			cols: []Column{{Name: "ID"}, {Name: "PATH", Flexible: true, KeepEnd: true}},
			rows: [][]string{{"abc", "some/deep/dir/file.go:12"}},
			want: "ID   PATH\nabc  …file.go:12\n",
		},
		{
			name: "off a terminal nothing shrinks",
			o:    Options{TTY: false, Width: 20},
			cols: []Column{{Name: "ID"}, {Name: "TITLE", Flexible: true}},
			rows: [][]string{{"abc", "a very long title that does not fit"}},
			want: "ID   TITLE\nabc  a very long title that does not fit\n",
		},
		{
			name: "wide characters count twice",
			cols: Plain("CONTROL", "TITLE"),
			rows: [][]string{{"1.1.1", "경영진의 참여"}, {"2.1.1", "policy"}},
			want: "CONTROL  TITLE\n1.1.1    경영진의 참여\n2.1.1    policy\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := New(&buf, tt.o, tt.cols...)
			for _, r := range tt.rows {
				p.Row(r...)
			}
			if err := p.Render(); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

func TestHugeCellIsCapped(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, Options{}, Plain("ID", "TITLE")...)
	p.Row("a", strings.Repeat("x", 1<<20))
	p.Row("b", "short")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 4*MaxCellWidth {
		t.Errorf("table of a 1 MiB cell is %d bytes", buf.Len())
	}
	if p.Cut() != 1 {
		t.Errorf("Cut() = %d, want 1", p.Cut())
	}
	if !strings.Contains(buf.String(), strings.Repeat("x", MaxCellWidth-1)+"…") {
		t.Error("the cut cell does not end in …")
	}
}

func TestStyleAppliedAfterTruncation(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf, Options{TTY: true, Width: 12}, Column{Name: "SEV"}, Column{Name: "TITLE", Flexible: true})
	p.AddField("HIGH", func(s string) string { return "<" + s + ">" })
	p.AddField("0123456789abcdef")
	p.EndRow()
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<HIGH>") {
		t.Errorf("style lost: %q", buf.String())
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	s := strings.Repeat("한국어👍🏽", 40)
	for w := 0; w < 30; w++ {
		for _, got := range []string{TruncateRight(s, w), TruncateLeft(s, w)} {
			if !utf8.ValidString(got) {
				t.Fatalf("width %d: invalid UTF-8 %q", w, got)
			}
			if DisplayWidth(got) > w {
				t.Fatalf("width %d: %q is %d wide", w, got, DisplayWidth(got))
			}
		}
	}
}
