package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

func TestWriteFindingGolden(t *testing.T) {
	tests := []struct {
		name string
		f    findings.Finding
		opts Options
	}{
		{"show_sca", scaFinding(), Options{}},
		{"show_sca_tty_color_60", scaFinding(), Options{TTY: true, Color: true, Width: 60}},
		{"show_secret", secretFinding(), Options{}},
		{"show_sast", sastFinding(), Options{}},
		{"show_dast_tty_40", dastFinding(), Options{TTY: true, Width: 40}},
		{"show_archived", archivedFinding(), Options{}},
		{"show_imported", importedFinding(), Options{TTY: true, Width: 200}},
		{"show_unicode_tty_40", unicodeFinding(), Options{TTY: true, Width: 40}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteFinding(&buf, tt.f, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())
		})
	}
}

func TestWriteFindingShowsWhatMatters(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFinding(&buf, scaFinding(), Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"HIGH  lodash 4.17.20: Command Injection in lodash",
		"secops-sca/abcd43476649aad3ad7dcb36830a62f9",
		"workflow NEW, record ACTIVE",
		"Upgrade lodash to 4.17.21 or later.",
		"https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm",
		"lodash@4.17.20 (npm) in app/package-lock.json",
		"Fixed in     4.17.21",
		"v3.1 7.2 CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H (NVD)",
		"CVE-2021-23337",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}

	buf.Reset()
	if err := WriteFinding(&buf, sastFinding(), Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"internal/store/users.go:41-43", "Input is an enum", "alice, 2026-11-21T10:00:00.000Z", "secops/RuleId", "G201"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("show sast lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestWrapKeepsWidth(t *testing.T) {
	f := importedFinding()
	f.Description = strings.Repeat("words that wrap nicely ", 30)
	for _, width := range []int{40, 60, 80} {
		var buf bytes.Buffer
		if err := WriteFinding(&buf, f, Options{TTY: true, Width: width}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(buf.String(), "\n") {
			// Unbreakable words (ids, ARNs, URLs) may run over; prose must not.
			if displayWidth(l) > width && strings.Contains(l, "words that wrap") {
				t.Errorf("width %d: %q is %d wide", width, l, displayWidth(l))
			}
		}
	}
}
