package buildinfo

import (
	"reflect"
	"runtime/debug"
	"testing"
)

// release is what `go version -m` prints for a release build of secops,
// trimmed to a few modules.
const release = `go	go1.26.8
path	github.com/secops-dev/secops/cmd/secops
mod	github.com/secops-dev/secops	v1.4.0	
dep	github.com/aws/aws-sdk-go-v2	v1.48.0	h1:tFU7EJVm7MfyaXLsXdYTZ0Vd6vwt9OljCyqq0gqk0Mc=
dep	github.com/google/osv-scalibr	v0.5.3	h1:LcXnN8MLhrQF9O4jrFP2mv3Ae1afO516t+3QdPpbhqM=
dep	github.com/securego/gosec/v2	v2.30.0	h1:67aF6LHa7SAL6QEc4es857GrXTT50gUqmrl0XPhtDx0=
dep	github.com/zricethezav/gitleaks/v8	v8.30.1	h1:PmEvCfVI7ti9dV3s5aMZUY7sS2GxRvG3yzih7E+cS3w=
dep	golang.org/x/text	v0.43.0
=>	github.com/example/text-fork	v0.43.1	h1:1QivrlhwAsnMOcqgOdl9my7s9OyZl8O5/UGUTJVXoWc=
dep	gopkg.in/yaml.v3	v3.0.1
=>	../yaml	(devel)	
build	-buildmode=exe
build	-compiler=gc
build	-tags=lambda.norpc,grpcnotrace
build	-trimpath=true
build	CGO_ENABLED=0
build	GOARCH=arm64
build	GOOS=darwin
build	vcs=git
build	vcs.revision=8a1c2b3d4e5f60718293a4b5c6d7e8f901234567
build	vcs.time=2026-11-02T09:15:00Z
build	vcs.modified=false
`

func parse(t *testing.T, s string) *debug.BuildInfo {
	t.Helper()
	bi, err := debug.ParseBuildInfo(s)
	if err != nil {
		t.Fatal(err)
	}
	return bi
}

func TestFromBuildInfo(t *testing.T) {
	tests := []struct {
		name  string
		stamp Stamp
		bi    string
		want  Info // Modules and Settings checked apart
	}{
		{
			name:  "release stamp wins",
			stamp: Stamp{Version: "v1.4.0", Commit: "8a1c2b3", Date: "2026-11-02T09:15:00Z"},
			bi:    release,
			want:  Info{Version: "v1.4.0", Commit: "8a1c2b3", Date: "2026-11-02T09:15:00Z", GoVersion: "go1.26.8", OS: "darwin", Arch: "arm64", Path: "github.com/secops-dev/secops"},
		},
		{
			name: "go install records the module version and VCS",
			bi:   release,
			want: Info{Version: "v1.4.0", Commit: "8a1c2b3d4e5f60718293a4b5c6d7e8f901234567", Date: "2026-11-02T09:15:00Z", GoVersion: "go1.26.8", OS: "darwin", Arch: "arm64", Path: "github.com/secops-dev/secops"},
		},
		{
			name: "work tree build",
			bi:   "go\tgo1.26.8\npath\tgithub.com/secops-dev/secops/cmd/secops\nmod\tgithub.com/secops-dev/secops\t(devel)\t\nbuild\tGOOS=linux\nbuild\tGOARCH=amd64\n",
			want: Info{Version: "dev", Commit: "unknown", Date: "unknown", GoVersion: "go1.26.8", OS: "linux", Arch: "amd64", Path: "github.com/secops-dev/secops"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FromBuildInfo(parse(t, tc.bi), tc.stamp)
			got.Modules, got.Settings = nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestModules(t *testing.T) {
	info := FromBuildInfo(parse(t, release), Stamp{})
	want := []Module{
		{Path: "github.com/aws/aws-sdk-go-v2", Version: "v1.48.0", Sum: "h1:tFU7EJVm7MfyaXLsXdYTZ0Vd6vwt9OljCyqq0gqk0Mc="},
		{Path: "github.com/google/osv-scalibr", Version: "v0.5.3", Sum: "h1:LcXnN8MLhrQF9O4jrFP2mv3Ae1afO516t+3QdPpbhqM="},
		{Path: "github.com/securego/gosec/v2", Version: "v2.30.0", Sum: "h1:67aF6LHa7SAL6QEc4es857GrXTT50gUqmrl0XPhtDx0="},
		{Path: "github.com/zricethezav/gitleaks/v8", Version: "v8.30.1", Sum: "h1:PmEvCfVI7ti9dV3s5aMZUY7sS2GxRvG3yzih7E+cS3w="},
		{Path: "golang.org/x/text", Version: "v0.43.1", Sum: "h1:1QivrlhwAsnMOcqgOdl9my7s9OyZl8O5/UGUTJVXoWc=", Replace: "github.com/example/text-fork"},
		{Path: "gopkg.in/yaml.v3", Version: "(devel)"},
	}
	if !reflect.DeepEqual(info.Modules, want) {
		t.Errorf("Modules\n got %+v\nwant %+v", info.Modules, want)
	}
	if v, ok := info.Setting("-tags"); !ok || v != "lambda.norpc,grpcnotrace" {
		t.Errorf("Setting(-tags) = %q, %v", v, ok)
	}
	if _, ok := info.Setting("-ldflags"); ok {
		t.Error("Setting(-ldflags) found in a build without it")
	}
	if _, ok := info.Module("golang.org/x/net"); ok {
		t.Error("Module found a module the binary does not link")
	}
}

func TestEngines(t *testing.T) {
	got := FromBuildInfo(parse(t, release), Stamp{}).Engines()
	want := []Engine{
		{Name: "osv-scalibr", Module: "github.com/google/osv-scalibr", Version: "v0.5.3"},
		{Name: "gitleaks", Module: "github.com/zricethezav/gitleaks/v8", Version: "v8.30.1"},
		{Name: "gosec", Module: "github.com/securego/gosec/v2", Version: "v2.30.0"},
		{Name: "aws-sdk-go-v2", Module: "github.com/aws/aws-sdk-go-v2", Version: "v1.48.0"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Engines\n got %+v\nwant %+v", got, want)
	}

	// A binary without build info still names every engine.
	none := FromBuildInfo(nil, Stamp{}).Engines()
	if len(none) != 4 || none[0].Version != "unknown" || none[3].Version != "unknown" {
		t.Errorf("Engines without build info = %+v", none)
	}
}
