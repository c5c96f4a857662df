package reach

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/vulndb"
)

// stdlibAdvisory is GO-2024-2887 as the Go vulnerability database publishes
// it (package stdlib, net/netip and its affected methods), written for the
// test from the record's facts.
var stdlibAdvisory = &vulndb.Vulnerability{
	ID:       "GO-2024-2887",
	Modified: "2024-06-04T22:20:49Z",
	Aliases:  []string{"CVE-2024-24790"},
	Summary:  "Unexpected behavior from Is methods for IPv4-mapped IPv6 addresses in net/netip",
	Affected: []vulndb.Affected{{
		Package: vulndb.Package{Ecosystem: "Go", Name: "stdlib"},
		Ranges:  []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "1.21.11"}, {Introduced: "1.22.0-0"}, {Fixed: "1.22.4"}}}},
		EcosystemSpecific: []byte(`{"imports": [{"path": "net/netip", "symbols": ["Addr.IsGlobalUnicast", "Addr.IsInterfaceLocalMulticast",
			"Addr.IsLinkLocalMulticast", "Addr.IsLoopback", "Addr.IsMulticast", "Addr.IsPrivate"]}]}`),
	}},
}

// TestMark: of two modules that use net/netip, the one calling a
// vulnerable method is marked called, the other (which parses an address
// only) not called; a module whose packages do not load is unknown, and so
// are modules with a go.mod and no code, named in one warning.
func TestMark(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("govulncheck loads packages with the go command, which is not on PATH")
	}
	t.Setenv("GOFLAGS", "")
	root := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("calls/go.mod", "module example.com/calls\n\ngo 1.21\n\ntoolchain go1.22.3\n")
	write("calls/main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"net/netip\"\n)\n\nfunc main() {\n\tfmt.Println(netip.MustParseAddr(\"::ffff:10.0.0.1\").IsPrivate())\n}\n")
	write("parses/go.mod", "module example.com/parses\n\ngo 1.21\n\ntoolchain go1.22.3\n")
	write("parses/main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"net/netip\"\n)\n\nfunc main() {\n\tfmt.Println(netip.MustParseAddr(\"10.0.0.1\").String())\n}\n")
	write("broken/go.mod", "module example.com/broken\n\ngo 1.21\n\ntoolchain go1.22.3\n")
	write("broken/main.go", "package main\n\nfunc main() { undefined() }\n")
	// Lockfiles copied out of their projects: nothing to analyse.
	write("lockonly-a/go.mod", "module example.com/a\n\ngo 1.21\n")
	write("lockonly-b/go.mod", "module example.com/b\n\ngo 1.21\n")
	write("lockonly-b/docs/README", "no Go here\n")

	finding := func(dir string) findings.Finding {
		return findings.Finding{
			Id:            "f-" + dir,
			ProductFields: map[string]string{findings.FieldRuleID: "GO-2024-2887"},
			Vulnerabilities: []findings.Vulnerability{{Id: "CVE-2024-24790", RelatedVulnerabilities: []string{"CVE-2024-24790"},
				VulnerablePackages: []findings.SoftwarePackage{{Name: "stdlib", Version: "1.22.3", PackageManager: "Go", FilePath: dir + "/go.mod"}}}},
		}
	}
	list := []findings.Finding{finding("calls"), finding("parses"), finding("broken"), finding("lockonly-a"), finding("lockonly-b")}
	warnings := Mark(context.Background(), root, list, Options{
		Offline: true,
		Record: func(_ context.Context, id string) (*vulndb.Vulnerability, error) {
			if id != stdlibAdvisory.ID {
				return nil, fmt.Errorf("unknown advisory %s", id)
			}
			return stdlibAdvisory, nil
		},
	})
	got := map[string]string{}
	for _, f := range list {
		got[f.Id] = f.ProductFields[findings.FieldReachable]
	}
	want := map[string]string{"f-calls": findings.ReachableCalled, "f-parses": findings.ReachableNotCalled, "f-broken": findings.ReachableUnknown,
		"f-lockonly-a": findings.ReachableUnknown, "f-lockonly-b": findings.ReachableUnknown}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: reachability %q, want %q", id, got[id], w)
		}
	}
	wantWarnings := []string{
		"reachability of the Go advisories of broken is unknown: govulncheck",
		"reachability of the Go advisories of 2 modules (lockonly-a, lockonly-b) is unknown: no Go source files beside go.mod",
	}
	if len(warnings) != len(wantWarnings) {
		t.Fatalf("warnings = %q, want %d", warnings, len(wantWarnings))
	}
	for i, w := range wantWarnings {
		if !strings.HasPrefix(warnings[i], w) {
			t.Errorf("warning %d = %q, want it to start %q", i, warnings[i], w)
		}
	}
}
