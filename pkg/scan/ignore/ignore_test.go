package ignore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

func TestParseErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, yaml string
		line       int
		problem    string
	}{
		{"no reason", "- rule: G101\n  reason: ok\n- rule: G204\n", 3, "no reason"},
		{"no subject", "- reason: because\n", 1, "needs an id"},
		{"both", "- id: abc\n  rule: G101\n  reason: x\n", 1, "both id and rule"},
		{"bad date", "- rule: G101\n  reason: x\n  expires: 31/12/2026\n", 3, "YYYY-MM-DD"},
		{"unknown key", "- rule: G101\n  reason: x\n  expiry: 2026-01-01\n", 3, `unknown key "expiry"`},
		{"bad glob", "- rule: G101\n  reason: x\n  paths:\n    - \"[a\"\n", 4, "syntax error"},
		{"not a list", "rule: G101\n", 1, "expected a list"},
		{"scalar entry", "- G101\n", 1, "must be a mapping"},
		{"duplicate key", "- rule: G101\n  rule: G102\n  reason: x\n", 2, "given twice"},
		{"nested reason", "- rule: G101\n  reason: [a, b]\n", 2, "single value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(".secopsignore", []byte(tt.yaml))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse() error = %v, want *Error", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Problem, tt.problem) {
				t.Errorf("got line %d %q, want line %d containing %q", pe.Line, pe.Problem, tt.line, tt.problem)
			}
			if !strings.HasPrefix(err.Error(), ".secopsignore:") {
				t.Errorf("message %q does not name the file", err)
			}
		})
	}
}

func TestParseValid(t *testing.T) {
	src := `# accepted risks
- rule: GHSA-jfh8-c2jp-5v3q
  paths: ["services/**/pom.xml"]
  reason: JNDI lookups disabled
  expires: 2026-12-31
- id: 0123456789ab
  reason: fixture
- rule: G101
  paths: cmd/**
  reason: constants are names, not passwords
`
	f, err := Parse("x", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != 3 {
		t.Fatalf("got %d entries, want 3", len(f.Entries))
	}
	e := f.Entries[0]
	if e.Rule != "GHSA-jfh8-c2jp-5v3q" || e.Expires != "2026-12-31" || e.Line != 2 || len(e.Paths) != 1 {
		t.Errorf("entry 0 = %+v", e)
	}
	if f.Entries[1].ID != "0123456789ab" || f.Entries[1].Line != 6 {
		t.Errorf("entry 1 = %+v", f.Entries[1])
	}
	if got := f.Entries[2].Paths; len(got) != 1 || got[0] != "cmd/**" {
		t.Errorf("scalar paths = %v", got)
	}
	for _, empty := range []string{"", "  \n", "# nothing yet\n", "~\n", "[]\n"} {
		f, err := Parse("x", []byte(empty))
		if err != nil || len(f.Entries) != 0 {
			t.Errorf("Parse(%q) = %v, %v; want no entries", empty, f, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	f, err := Parse("x", []byte("- rule: A\n  reason: r\n  expires: 2026-06-30\n- rule: B\n  reason: r\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		now         string
		active, exp int
	}{
		{"2026-06-29T12:00:00Z", 2, 0},
		{"2026-06-30T23:59:59Z", 2, 0}, // the expiry day itself still applies
		{"2026-07-01T00:00:00Z", 1, 1},
		{"2027-01-01T00:00:00Z", 1, 1},
	}
	for _, tt := range tests {
		now, _ := time.Parse(time.RFC3339, tt.now)
		active, expired := f.Split(now)
		if len(active) != tt.active || len(expired) != tt.exp {
			t.Errorf("at %s: %d active, %d expired; want %d, %d", tt.now, len(active), len(expired), tt.active, tt.exp)
		}
		if len(expired) == 1 && expired[0].Rule != "A" {
			t.Errorf("expired %v, want rule A", expired[0])
		}
	}
}

func finding(id, rule, path string, vulns ...findings.Vulnerability) findings.Finding {
	return findings.Finding{
		Id:              id,
		ProductFields:   map[string]string{findings.FieldRuleID: rule, findings.FieldPath: path},
		Vulnerabilities: vulns,
	}
}

func TestMatches(t *testing.T) {
	gosec := finding("secops/sast/gosec/0123456789abcdef0123456789abcdef", "G101", "cmd/app/main.go")
	log4j := finding("secops/sca/ffffeeeeddddccccbbbbaaaa99998888", "", "",
		findings.Vulnerability{Id: "GHSA-jfh8-c2jp-5v3q", RelatedVulnerabilities: []string{"CVE-2021-44228"},
			VulnerablePackages: []findings.SoftwarePackage{{Name: "org.apache.logging.log4j:log4j-core", FilePath: "services/billing/pom.xml"}}})
	tests := []struct {
		name  string
		entry Entry
		f     findings.Finding
		want  bool
	}{
		{"full id", Entry{ID: gosec.Id}, gosec, true},
		{"short id", Entry{ID: "0123456789ab"}, gosec, true},
		{"other id", Entry{ID: "0123456789ac"}, gosec, false},
		{"rule", Entry{Rule: "G101"}, gosec, true},
		{"rule any case", Entry{Rule: "g101"}, gosec, true},
		{"other rule", Entry{Rule: "G204"}, gosec, false},
		{"rule and path", Entry{Rule: "G101", Paths: []string{"cmd/**"}}, gosec, true},
		{"rule and dir path", Entry{Rule: "G101", Paths: []string{"cmd"}}, gosec, true},
		{"rule and other path", Entry{Rule: "G101", Paths: []string{"internal/**"}}, gosec, false},
		{"star does not cross dirs", Entry{Rule: "G101", Paths: []string{"*.go"}}, gosec, false},
		{"doublestar suffix", Entry{Rule: "G101", Paths: []string{"**/*.go"}}, gosec, true},
		{"advisory", Entry{Rule: "GHSA-jfh8-c2jp-5v3q"}, log4j, true},
		{"alias", Entry{Rule: "CVE-2021-44228"}, log4j, true},
		{"alias with package path", Entry{Rule: "CVE-2021-44228", Paths: []string{"services/*/pom.xml"}}, log4j, true},
		{"alias with other path", Entry{Rule: "CVE-2021-44228", Paths: []string{"frontend/**"}}, log4j, false},
		{"empty entry", Entry{}, gosec, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.entry.Matches(&tt.f); got != tt.want {
				t.Errorf("Matches() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"**", "a/b/c", true},
		{"a/**/c", "a/c", true},
		{"a/**/c", "a/x/y/c", true},
		{"a/**/c", "a/x/y/d", false},
		{"**/c", "c", true},
		{"a/*", "a/b", true},
		{"a/*", "a/b/c", true}, // a/b matched, c is under it
		{"a/*.go", "a/b.txt", false},
		{"./a/b", "a/b", true},
		{"a/b/", "a/b/c", true},
		{"b", "a/b", false},
	}
	for _, tt := range tests {
		if got := MatchGlob(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestApply(t *testing.T) {
	list := []findings.Finding{
		finding("g/1", "G101", "a.go"),
		finding("g/2", "G204", "a.go"),
		finding("g/3", "G101", "b/c.go"),
	}
	kept, ignored := Apply(list, []Entry{{Rule: "G101", Paths: []string{"b/**"}, Reason: "r"}})
	if len(kept) != 2 || len(ignored) != 1 || ignored[0].Id != "g/3" {
		t.Errorf("kept %d, ignored %v", len(kept), ignored)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, DefaultName)
	f, err := Load(missing, true)
	if err != nil || len(f.Entries) != 0 {
		t.Errorf("optional missing file: %v, %v", f, err)
	}
	if _, err := Load(missing, false); err == nil {
		t.Error("named missing file: no error")
	}
	if err := os.WriteFile(missing, []byte("- rule: G101\n  reason: r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err = Load(missing, false)
	if err != nil || len(f.Entries) != 1 {
		t.Errorf("Load() = %v, %v", f, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("- rule: G101\n  paths: [\"a/**\"]\n  reason: r\n  expires: 2026-01-02\n"))
	f.Add([]byte("- id: abc\n  reason: r\n"))
	f.Add([]byte("rule: x"))
	f.Add([]byte("- [a\n"))
	f.Add([]byte("- rule: &a G1\n  reason: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		probe := finding("p/0123456789abcdef", "G101", "a/b/c.go")
		now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		active, expired := file.Split(now)
		if len(active)+len(expired) != len(file.Entries) {
			t.Fatalf("split lost entries")
		}
		for _, e := range file.Entries {
			if e.Reason == "" || (e.ID == "") == (e.Rule == "") {
				t.Fatalf("invalid entry accepted: %+v", e)
			}
			_ = e.Matches(&probe)
			_ = e.String()
		}
	})
}
