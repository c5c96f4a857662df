package vulndb

import (
	"context"
	"slices"
	"testing"
	"time"
)

func openTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open("testdata/db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestMatchEcosystems covers each ecosystem's own version ordering on the
// cases string comparison gets wrong.
func TestMatchEcosystems(t *testing.T) {
	db := openTestDB(t)
	tests := []struct {
		eco, name, version string
		want               []string
	}{
		// PEP 440: pre-releases sort before the release; names normalise.
		{"PyPI", "demo-pkg-core", "1.0a1", []string{"TEST-PY-1"}},
		{"PyPI", "Demo.Pkg_Core", "1.0.dev1", nil},
		{"PyPI", "demo-pkg-core", "2.0.0b2", []string{"TEST-PY-1"}},
		{"PyPI", "DEMO_PKG_CORE", "2.0.0rc1", nil},
		{"PyPI", "demo-pkg-core", "2.0.0", nil},
		{"PyPI", "demo-pkg-core", "1.10", []string{"TEST-PY-1"}},
		// versions list; events listed out of order; GIT range ignored.
		{"PyPI", "demo-pkg-core", "0.9.post1", []string{"TEST-PY-2"}},
		{"PyPI", "demo-pkg-core", "3.2.4", []string{"TEST-PY-2"}},
		{"PyPI", "demo-pkg-core", "3.2.5", nil},
		{"PyPI", "demo-pkg-core", "3.10", nil},
		{"PyPI", "demo-pkg-core", "4.0.1", []string{"TEST-PY-2"}},
		{"PyPI", "demo-pkg-core", "4.1", nil},
		// Maven: .RELEASE equals the plain version; milestones and RCs
		// sort before the release; two affected entries for one package.
		{"Maven", "org.example:demo-core", "5.2.19.RELEASE", []string{"TEST-MVN-1"}},
		{"Maven", "org.example:demo-core", "5.2.20", nil},
		{"Maven", "org.example:demo-core", "5.2.20.RELEASE", nil},
		{"Maven", "org.example:demo-core", "5.3.0-RC1", nil},
		{"Maven", "org.example:demo-core", "5.3.17", []string{"TEST-MVN-1"}},
		{"Maven", "org.example:demo-core", "5.3.18", nil},
		{"Maven", "org.example:demo-core", "6.0.0-M3", []string{"TEST-MVN-1"}},
		{"Maven", "org.example:demo-core", "6.0.0-RC2", []string{"TEST-MVN-1"}},
		{"Maven", "org.example:demo-core", "6.0.0", nil},
		{"Maven", "org.example:demo-api", "5.3.17", nil},
		// RubyGems: four-part versions, rc before release.
		{"RubyGems", "demo-gem", "2.2.3", []string{"TEST-GEM-1"}},
		{"RubyGems", "demo-gem", "2.2.3.1", nil},
		{"RubyGems", "demo-gem", "2.2.10", nil},
		{"RubyGems", "demo-gem", "1.11.0.rc4", []string{"TEST-GEM-1"}},
		{"RubyGems", "demo-gem", "1.11.0", nil},
		// Go: pseudo-versions and +incompatible, with go.mod's v prefix.
		{"Go", "example.com/demo/crypto", "v0.0.0-20191011191535-87dc89f01550", []string{"TEST-GO-1"}},
		{"Go", "example.com/demo/crypto", "0.0.0-20200220183623-bac4c82f6975", nil},
		{"Go", "example.com/demo/crypto", "v0.1.0", nil},
		{"Go", "example.com/demo/jwt", "v3.2.0+incompatible", []string{"TEST-GO-1"}},
		{"Go", "example.com/demo/jwt", "v3.2.1+incompatible", nil},
		// npm: SemVer pre-releases, scoped names, 0.0.0-0 lower bound.
		{"npm", "@demo/pkg", "0.0.1", []string{"TEST-NPM-1"}},
		{"npm", "@demo/pkg", "1.2.3-beta.1", []string{"TEST-NPM-1"}},
		{"npm", "@demo/pkg", "1.2.3-beta.10", nil},
		{"npm", "@demo/pkg", "1.2.3", nil},
		{"npm", "@demo/PKG", "0.0.1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.eco+"/"+tt.name+"@"+tt.version, func(t *testing.T) {
			got, err := db.Query(context.Background(), tt.eco, tt.name, ParseVersion(tt.eco, tt.version))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchAllFixedAndRecord(t *testing.T) {
	db := openTestDB(t)
	ms, err := db.MatchAll(context.Background(), []PackageQuery{
		{Ecosystem: "Maven", Name: "org.example:demo-core", Version: "5.3.2"},
		{Ecosystem: "Go", Name: "example.com/demo/jwt", Version: "3.2.0+incompatible"},
		{Ecosystem: "PyPI", Name: "demo-pkg-core", Version: "3.2.4"},
		{Ecosystem: "PyPI", Name: "demo_pkg_core", Version: "1.5"},
		{Ecosystem: "Cargo", Name: "nothing", Version: "1.0.0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	type got struct{ id, fixed string }
	var all [][]got
	for _, l := range ms {
		var g []got
		for _, m := range l {
			g = append(g, got{m.Vuln.ID, m.Fixed})
		}
		all = append(all, g)
	}
	want := [][]got{
		{{"TEST-MVN-1", "5.3.18"}},
		{{"TEST-GO-1", ""}},
		{{"TEST-PY-2", "3.2.5"}},
		{{"TEST-PY-1", "2.0.0rc1"}},
		nil,
	}
	if !slices.EqualFunc(all, want, func(a, b []got) bool { return slices.Equal(a, b) }) {
		t.Errorf("MatchAll = %v, want %v", all, want)
	}
	if len(ms[0]) == 1 && ms[0][0].Vuln.Aliases[0] != "CVE-2099-0001" {
		t.Errorf("full record not read: %+v", ms[0][0].Vuln)
	}
	probs := db.Problems()
	if len(probs) != 0 {
		t.Errorf("problems: %v", probs)
	}
	// MatchAll skips files about other packages without decoding them;
	// loading the whole ecosystem finds the one that is no OSV record.
	if _, err := db.MatchAll(context.Background(), []PackageQuery{{Ecosystem: "npm", Name: "x", Version: "1"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.Count(context.Background(), "npm"); err != nil || n != 1 {
		t.Fatalf("Count(npm) = %d, %v", n, err)
	}
	if p := db.Problems(); len(p) != 1 || p[0].Path != "testdata/db/npm/not-a-record.json" {
		t.Errorf("problems after npm = %v, want the non-record file", p)
	}
}

func TestRate(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	tests := []struct {
		eco, id, name, label, source string
	}{
		{"Maven", "TEST-MVN-1", "org.example:demo-core", LabelCritical, "CVSS_V3"},
		{"RubyGems", "TEST-GEM-1", "demo-gem", LabelLow, "CVSS_V3"},
		{"npm", "TEST-NPM-1", "@demo/pkg", LabelCritical, "CVSS_V4"},
		{"PyPI", "TEST-PY-1", "demo-pkg-core", LabelLow, "GHSA"},
		{"Go", "TEST-GO-1", "example.com/demo/jwt", LabelMedium, ""},
	}
	for _, tt := range tests {
		v, err := db.Record(ctx, tt.eco, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		r := v.Rate(tt.eco, tt.name)
		if r.Label != tt.label || r.Source != tt.source {
			t.Errorf("%s: Rate = %s/%s, want %s/%s", tt.id, r.Label, r.Source, tt.label, tt.source)
		}
	}
}

func TestParseCVSS(t *testing.T) {
	tests := []struct {
		vector  string
		version string
		score   float64
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "3.1", 10.0},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.1", 7.5},
		{"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.0", 5.9},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3},
	}
	for _, tt := range tests {
		s, ok := ParseCVSS(tt.vector)
		if !ok || s.Version != tt.version || s.Base != tt.score {
			t.Errorf("ParseCVSS(%s) = %+v, %v; want %s %.1f", tt.vector, s, ok, tt.version, tt.score)
		}
	}
	if _, ok := ParseCVSS("CVSS:3.1/AV:X"); ok {
		t.Error("bad vector parsed")
	}
	for score, label := range map[float64]string{0: LabelInformational, 0.1: LabelLow, 3.9: LabelLow, 4.0: LabelMedium, 6.9: LabelMedium, 7.0: LabelHigh, 8.9: LabelHigh, 9.0: LabelCritical, 10: LabelCritical} {
		if got := LabelForScore(score); got != label {
			t.Errorf("LabelForScore(%.1f) = %s, want %s", score, got, label)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ eco, in, want string }{
		{"PyPI", "PyYAML", "pyyaml"},
		{"PyPI", "Foo.Bar__baz--qux", "foo-bar-baz-qux"},
		{"PyPI", "zope.interface", "zope-interface"},
		{"Maven", "org.apache:commons", "org.apache:commons"},
		{"Go", "golang.org/x/net", "golang.org/x/net"},
		{"npm", "@Scope/Name", "@Scope/Name"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.eco, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%s, %s) = %s, want %s", tt.eco, tt.in, got, tt.want)
		}
	}
}

func TestEcosystemMatches(t *testing.T) {
	tests := []struct {
		affected, pkg string
		want          bool
	}{
		{"Debian:12", "Debian:12", true},
		{"Debian:11", "Debian:12", false},
		{"Debian", "Debian:12", true},
		{"Debian:12", "Debian", true},
		{"Alpine:v3.19", "Alpine:v3.19", true},
		{"Alpine:v3.18", "Alpine:v3.19", false},
		{"npm", "PyPI", false},
		{"Ubuntu:22.04:LTS", "Ubuntu:22.04", true},
		{"Ubuntu:22.04:LTS", "Ubuntu:22.04:LTS", true},
		{"Ubuntu:20.04:LTS", "Ubuntu:22.04", false},
		{"Ubuntu:23.10", "Ubuntu:23.10", true},
		{"Ubuntu:Pro:22.04:LTS", "Ubuntu:22.04", false},
		{"Ubuntu:22.04:LTS", "Ubuntu", true},
	}
	for _, tt := range tests {
		if got := ecosystemMatches(tt.affected, tt.pkg); got != tt.want {
			t.Errorf("ecosystemMatches(%s, %s) = %v", tt.affected, tt.pkg, got)
		}
	}
}

var fixedNow = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

func TestMayName(t *testing.T) {
	want := map[string]bool{"demo-pkg": true, "org.example:core": true}
	tests := []struct {
		data string
		eco  string
		may  bool
	}{
		{`{"affected":[{"package":{"name":"demo-pkg"}}]}`, "npm", true},
		{`{"affected":[{"package":{"name" : "Demo_Pkg"}}]}`, "PyPI", true},
		{"{\"package\":{\"name\"\n:\t\"demo.pkg\"}}", "PyPI", true},
		{`{"package":{"name":"other"},"credits":[{"name":"demo"}]}`, "npm", false},
		{`{"package":{"name":"dem\u006f-pkg"}}`, "npm", true},
		{`{"package":{"name":"org.example:core"}}`, "Maven", true},
		{`{"package":{"name":"org.example:core2"}}`, "Maven", false},
		{`{"package":{"name": 5}}`, "npm", false},
		{`{"package":{"name":"unterminated`, "npm", true},
	}
	for _, tt := range tests {
		if got := mayName([]byte(tt.data), tt.eco, want); got != tt.may {
			t.Errorf("mayName(%s) = %v, want %v", tt.data, got, tt.may)
		}
	}
}
