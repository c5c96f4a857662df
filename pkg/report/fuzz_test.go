package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secops-dev/secops/pkg/findings"
)

// FuzzWrite feeds scanner-controlled text (titles, paths, resource ids come
// from scanned files and reports) through every writer and checks what each
// promises: no terminal escapes where colour is off, tables that fit the
// terminal, CSV that parses back with formulas defused, SARIF that validates
// and uploads, ASFF that decodes back to the same finding.
func FuzzWrite(f *testing.F) {
	f.Add("lodash 4.17.20: Command Injection", "app/package-lock.json", "12", "app", 80, true, true)
	f.Add("硬编码凭据 — hard-coded credential ✓", "文档/示例.go", "7", "文档/示例.go", 40, true, false)
	f.Add("=HYPERLINK(\"http://x\")", "@evil.csv", "-1", "+cmd", 200, false, false)
	f.Add("\x1b]0;title\x07\x1b[2J\u202egnp", "a\tb\nc.go", "0", "http://127.0.0.1:8080/a b", 60, true, true)
	f.Add("👩‍👩‍👧‍👦 family e\u0301\u0301 ZWJ", "dir with space/#?.go", "99999999999999999999", "arn:aws:s3:::b", 41, true, false)
	f.Add(strings.Repeat("long ", 100), strings.Repeat("deep/", 60)+"x.go", "3", "C:\\src\\x.go", 1, true, false)

	f.Fuzz(fuzzBody)
}

func fuzzBody(t *testing.T, title, path, line, resource string, width int, tty, color bool) {
	if width > 1000 || width < -1000 {
		t.Skip()
	}
	{
		fd := sastFinding()
		fd.Title = title
		fd.ProductFields[findings.FieldPath] = path
		fd.ProductFields[findings.FieldStartLine] = line
		fd.Resources[0].Id = resource
		other := scaFinding()
		other.Resources[0].Id = resource
		list := []findings.Finding{fd, other, dastFinding()}
		opts := Options{TTY: tty, Color: color, Width: width, Header: title}

		var buf bytes.Buffer
		if err := Write(&buf, Table, list, opts); err != nil {
			t.Fatal(err)
		}
		table := buf.String()
		if !color && strings.ContainsRune(table, '\x1b') {
			t.Fatalf("escape in an uncoloured table: %q", table)
		}
		if strings.ContainsAny(stripANSI(table), "\x07\x1b\u202e") {
			t.Fatalf("control character reached the table: %q", table)
		}
		if tty && width > 0 { // width 0 is unknown: nothing is cut
			lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
			// Skip the header line (not truncated) and the count line.
			for _, l := range lines[1 : len(lines)-1] {
				if w := displayWidth(stripANSI(l)); w > max(width, minTableWidth) {
					t.Fatalf("width %d: line is %d wide: %q", width, w, l)
				}
			}
		}

		buf.Reset()
		if err := WriteFinding(&buf, fd, opts); err != nil {
			t.Fatal(err)
		}
		if !color && strings.ContainsRune(buf.String(), '\x1b') {
			t.Fatalf("escape in an uncoloured finding view: %q", buf.String())
		}

		buf.Reset()
		if err := Write(&buf, CSV, list, opts); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse back: %v", err)
		}
		if len(rows) != 1+len(list) {
			t.Fatalf("%d CSV rows, want %d", len(rows), 1+len(list))
		}
		for _, row := range rows[1:] {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Fatalf("CSV cell starts with a formula character: %q", cell)
				}
			}
		}

		buf.Reset()
		if err := Write(&buf, SARIF, list, opts); err != nil {
			t.Fatal(err)
		}
		if err := validateSARIF(t, buf.Bytes()); err != nil {
			t.Fatalf("invalid SARIF: %v\n%s", err, buf.String())
		}
		checkGitHubRules(t, buf.Bytes())

		if fd.Validate() != nil || !utf8.ValidString(title+path+line+resource) {
			return // not a finding a store would hold, or not representable in JSON
		}
		buf.Reset()
		if err := Write(&buf, ASFF, list, opts); err != nil {
			t.Fatal(err)
		}
		back, err := findings.DecodeBytes(buf.Bytes())
		if err != nil {
			t.Fatalf("ASFF does not decode back: %v", err)
		}
		want, _ := json.Marshal(list)
		got, _ := json.Marshal(back)
		if !sameJSON(t, got, want) {
			t.Fatalf("ASFF round trip changed the findings:\n got %s\nwant %s", got, want)
		}
	}
}
