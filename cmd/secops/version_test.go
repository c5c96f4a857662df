package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/secops-dev/secops/pkg/buildinfo"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/scan/secrets"
)

func TestVersionFlags(t *testing.T) {
	tests := []struct {
		args       []string
		wantOutput string
		wantSBOM   bool
		wantErr    string
	}{
		{args: []string{"version"}},
		{args: []string{"version", "-o", "json"}, wantOutput: "json"},
		{args: []string{"version", "--sbom"}, wantSBOM: true},
		{args: []string{"version", "extra"}, wantErr: `unknown command "extra" for "secops version"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			f := newFactory(io)
			root := newRootCmd(f)
			var got *versionOptions
			for _, c := range root.Commands() {
				if c.Name() == "version" {
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(newCmdVersion(f, func(o *versionOptions) error { got = o; return nil }))
			root.SetArgs(tc.args)
			err := root.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Output != tc.wantOutput || got.SBOM != tc.wantSBOM {
				t.Errorf("options: output %q sbom %v", got.Output, got.SBOM)
			}
			if got.BuildInfo == nil || got.RuleSet == nil {
				t.Error("dependencies not set")
			}
		})
	}
}

// fixedBuild is a release build as `go version -m` shows it.
func fixedBuild(t *testing.T) func() buildinfo.Info {
	bi, err := debug.ParseBuildInfo(`go	go1.26.8
path	github.com/secops-dev/secops/cmd/secops
mod	github.com/secops-dev/secops	v1.4.0	
dep	github.com/aws/aws-sdk-go-v2	v1.48.0	h1:tFU7EJVm7MfyaXLsXdYTZ0Vd6vwt9OljCyqq0gqk0Mc=
dep	github.com/google/osv-scalibr	v0.5.3	h1:LcXnN8MLhrQF9O4jrFP2mv3Ae1afO516t+3QdPpbhqM=
dep	github.com/securego/gosec/v2	v2.30.0	h1:67aF6LHa7SAL6QEc4es857GrXTT50gUqmrl0XPhtDx0=
dep	github.com/zricethezav/gitleaks/v8	v8.30.1	h1:PmEvCfVI7ti9dV3s5aMZUY7sS2GxRvG3yzih7E+cS3w=
build	CGO_ENABLED=0
build	GOARCH=arm64
build	GOOS=linux
`)
	if err != nil {
		t.Fatal(err)
	}
	return func() buildinfo.Info {
		return buildinfo.FromBuildInfo(bi, buildinfo.Stamp{Version: "v1.4.0", Commit: "8a1c2b3d", Date: "2026-11-02T09:15:00Z"})
	}
}

func fixedRules() secrets.RuleSet {
	return secrets.RuleSet{Source: "gitleaks default config", Rules: 222, SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
}

func TestVersionRun(t *testing.T) {
	tests := []struct {
		name   string
		output string
		want   string
	}{
		{
			name: "table",
			want: `secops v1.4.0 (commit 8a1c2b3d, committed 2026-11-02T09:15:00Z, go1.26.8 linux/arm64)

ENGINE         VERSION  MODULE                              RULES
osv-scalibr    v0.5.3   github.com/google/osv-scalibr       -
gitleaks       v8.30.1  github.com/zricethezav/gitleaks/v8  222 (gitleaks default config, sha256 0123456789ab)
gosec          v2.30.0  github.com/securego/gosec/v2        -
aws-sdk-go-v2  v1.48.0  github.com/aws/aws-sdk-go-v2        -
`,
		},
		{
			name:   "json",
			output: "json",
			want: `{
  "version": "v1.4.0",
  "commit": "8a1c2b3d",
  "date": "2026-11-02T09:15:00Z",
  "go_version": "go1.26.8",
  "os": "linux",
  "arch": "arm64",
  "engines": [
    {
      "name": "osv-scalibr",
      "module": "github.com/google/osv-scalibr",
      "version": "v0.5.3"
    },
    {
      "name": "gitleaks",
      "module": "github.com/zricethezav/gitleaks/v8",
      "version": "v8.30.1",
      "rule_set": {
        "source": "gitleaks default config",
        "rules": 222,
        "sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      }
    },
    {
      "name": "gosec",
      "module": "github.com/securego/gosec/v2",
      "version": "v2.30.0"
    },
    {
      "name": "aws-sdk-go-v2",
      "module": "github.com/aws/aws-sdk-go-v2",
      "version": "v1.48.0"
    }
  ]
}
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			io, _, out, _ := iostreams.Test()
			err := versionRun(&versionOptions{IO: io, BuildInfo: fixedBuild(t), RuleSet: fixedRules, Output: tc.output})
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", out, tc.want)
			}
		})
	}
}

func TestVersionSBOM(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	// --sbom is CycloneDX whatever -o says.
	if err := versionRun(&versionOptions{IO: io, BuildInfo: fixedBuild(t), RuleSet: fixedRules, Output: "json", SBOM: true}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		BOMFormat   string
		SpecVersion string
		Metadata    struct {
			Component struct{ Name, Version, PURL string }
		}
		Components []struct{ Name, Version, PURL string }
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.BOMFormat != "CycloneDX" || doc.SpecVersion != "1.6" || doc.Metadata.Component.PURL != "pkg:golang/github.com/secops-dev/secops@v1.4.0" {
		t.Errorf("document header: %+v", doc)
	}
	var purls []string
	for _, c := range doc.Components {
		purls = append(purls, c.PURL)
	}
	want := "pkg:golang/github.com/aws/aws-sdk-go-v2@v1.48.0 pkg:golang/github.com/google/osv-scalibr@v0.5.3 pkg:golang/github.com/securego/gosec/v2@v2.30.0 pkg:golang/github.com/zricethezav/gitleaks/v8@v8.30.1 pkg:golang/stdlib@1.26.8"
	if strings.Join(purls, " ") != want {
		t.Errorf("components %v", purls)
	}
}

// The engine versions this binary reports are the ones go.mod requires.
func TestVersionEnginesMatchGoMod(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	required := map[string]string{}
	for _, r := range mf.Require {
		required[r.Mod.Path] = r.Mod.Version
	}
	info := buildinfo.Read(buildinfo.Stamp{})
	for _, e := range info.Engines() {
		if want := required[e.Module]; want == "" || e.Version != want {
			t.Errorf("%s: binary reports %s, go.mod requires %q", e.Name, e.Version, want)
		}
	}
}
