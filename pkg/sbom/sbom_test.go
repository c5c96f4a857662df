package sbom

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/package-url/packageurl-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secops-dev/secops/pkg/buildinfo"
)

var update = flag.Bool("update", false, "rewrite the golden SBOM")

// release is `go version -m` of a release build, trimmed to a few modules.
const release = `go	go1.26.8
path	github.com/secops-dev/secops/cmd/secops
mod	github.com/secops-dev/secops	v1.4.0	
dep	github.com/BurntSushi/toml	v1.6.0	h1:dRaEfpa2VI55EwlIW72hMRHdWouJeRF7TPYhI+AUQjk=
dep	github.com/aws/aws-sdk-go-v2	v1.48.0	h1:tFU7EJVm7MfyaXLsXdYTZ0Vd6vwt9OljCyqq0gqk0Mc=
dep	github.com/docker/cli	v29.7.2+incompatible	h1:ZPgHErdhXLU4c2x0ThCpvXZb5Tn+Jas+RiQhOhSS5Gg=
dep	golang.org/x/text	v0.43.0
=>	github.com/example/text-fork	v0.43.1	h1:1QivrlhwAsnMOcqgOdl9my7s9OyZl8O5/UGUTJVXoWc=
dep	gopkg.in/yaml.v3	v3.0.1
=>	../yaml	(devel)	
build	-buildmode=exe
build	-compiler=gc
build	-ldflags="-s -w -buildid= -X main.version=v1.4.0"
build	-tags=lambda.norpc,grpcnotrace
build	-trimpath=true
build	CGO_ENABLED=0
build	GOARCH=amd64
build	GOOS=linux
build	GOAMD64=v1
build	vcs=git
build	vcs.revision=8a1c2b3d4e5f60718293a4b5c6d7e8f901234567
build	vcs.time=2026-11-02T09:15:00Z
build	vcs.modified=false
`

func releaseInfo(t *testing.T) buildinfo.Info {
	t.Helper()
	bi, err := debug.ParseBuildInfo(release)
	if err != nil {
		t.Fatal(err)
	}
	return buildinfo.FromBuildInfo(bi, buildinfo.Stamp{Version: "v1.4.0", Commit: "8a1c2b3d4e5f60718293a4b5c6d7e8f901234567", Date: "2026-11-02T10:15:00+01:00"})
}

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, New(releaseInfo(t))); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "release.cdx.json")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("SBOM differs from %s (refresh with -update):\n%s", golden, buf.String())
	}
}

// cycloneDXSchema compiles the vendored CycloneDX 1.6 schema, with format
// assertions on (date-time, iri-reference…).
func cycloneDXSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// The bom schema refers to the others relative to its $id.
	for _, f := range []string{"bom-1.6.SNAPSHOT.schema.json", "spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"} {
		r, err := os.Open(filepath.Join("testdata", "cyclonedx", f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		url := "http://cyclonedx.org/schema/" + f
		if f == "bom-1.6.SNAPSHOT.schema.json" {
			url = "http://cyclonedx.org/schema/bom-1.6.schema.json"
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, doc Document) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("not valid CycloneDX 1.6: %v", err)
	}
}

func TestValidAgainstCycloneDXSchema(t *testing.T) {
	s := cycloneDXSchema(t)

	// The schema is not a rubber stamp: it refuses what CycloneDX forbids.
	bad := New(releaseInfo(t))
	bad.Components[0].Type = "module"
	var buf bytes.Buffer
	Write(&buf, bad)
	inst, _ := jsonschema.UnmarshalJSON(&buf)
	if err := s.Validate(inst); err == nil {
		t.Fatal("the schema accepted a component of type \"module\"")
	}

	t.Run("release build", func(t *testing.T) { validate(t, s, New(releaseInfo(t))) })
	t.Run("this test binary", func(t *testing.T) { validate(t, s, New(buildinfo.Read(buildinfo.Stamp{}))) })
	t.Run("no build info", func(t *testing.T) { validate(t, s, New(buildinfo.FromBuildInfo(nil, buildinfo.Stamp{}))) })
}

func TestComponents(t *testing.T) {
	doc := New(releaseInfo(t))
	type comp struct{ name, version, purl, sha256 string }
	want := []comp{
		{"github.com/BurntSushi/toml", "v1.6.0", "pkg:golang/github.com/BurntSushi/toml@v1.6.0", "7516847e96b6548e791309485bbda13111dd5a8b8979117b4cf62123e0144239"},
		{"github.com/aws/aws-sdk-go-v2", "v1.48.0", "pkg:golang/github.com/aws/aws-sdk-go-v2@v1.48.0", "b4553b109566ecc7f26972ec5dd61367455deafc2df4e9630b2aaad20aa4d0c7"},
		{"github.com/docker/cli", "v29.7.2+incompatible", "pkg:golang/github.com/docker/cli@v29.7.2%2Bincompatible", "64f80712b7615cb538736c744e10a9bd765be539fe25ab3e4624213a1492e468"},
		{"github.com/example/text-fork", "v0.43.1", "pkg:golang/github.com/example/text-fork@v0.43.1", "d508afae587002c9cc39caa039d97d9b2eecf4ec9997c3b9fd41944c9557a167"},
		{"gopkg.in/yaml.v3", "(devel)", "pkg:golang/gopkg.in/yaml.v3", ""},
		{"stdlib", "go1.26.8", "pkg:golang/stdlib@1.26.8", ""},
	}
	if len(doc.Components) != len(want) {
		t.Fatalf("%d components, want %d: %+v", len(doc.Components), len(want), doc.Components)
	}
	for i, w := range want {
		c := doc.Components[i]
		var sha string
		if len(c.Hashes) == 1 && c.Hashes[0].Alg == "SHA-256" {
			sha = c.Hashes[0].Content
		}
		got := comp{c.Name, c.Version, c.PURL, sha}
		if got != w {
			t.Errorf("component %d = %+v, want %+v", i, got, w)
		}
		if c.BOMRef != c.PURL || c.Type != "library" {
			t.Errorf("component %d: bom-ref %q, type %q", i, c.BOMRef, c.Type)
		}
		p, err := packageurl.FromString(c.PURL)
		if err != nil || p.Type != "golang" {
			t.Errorf("component %d: purl %q does not parse as golang: %v", i, c.PURL, err)
		}
	}
	if got := doc.Components[3].Properties; len(got) != 1 || got[0] != (Property{Name: "secops:go:replaces", Value: "golang.org/x/text"}) {
		t.Errorf("replacement properties = %+v", got)
	}

	app := doc.Metadata.Component
	if app.Type != "application" || app.Name != "github.com/secops-dev/secops" || app.Version != "v1.4.0" || app.PURL != "pkg:golang/github.com/secops-dev/secops@v1.4.0" {
		t.Errorf("metadata.component = %+v", app)
	}
	wantProps := []Property{
		{Name: "cdx:gomod:build:env:GOOS", Value: "linux"},
		{Name: "cdx:gomod:build:env:GOARCH", Value: "amd64"},
		{Name: "cdx:gomod:build:env:CGO_ENABLED", Value: "0"},
		{Name: "cdx:gomod:build:env:GOFLAGS", Value: "-trimpath -tags=lambda.norpc,grpcnotrace"},
		{Name: "secops:build:vcs.revision", Value: "8a1c2b3d4e5f60718293a4b5c6d7e8f901234567"},
	}
	if len(app.Properties) != len(wantProps) {
		t.Fatalf("properties = %+v", app.Properties)
	}
	for i := range wantProps {
		if app.Properties[i] != wantProps[i] {
			t.Errorf("property %d = %+v, want %+v", i, app.Properties[i], wantProps[i])
		}
	}
	if doc.Metadata.Timestamp != "2026-11-02T09:15:00Z" {
		t.Errorf("timestamp %q, want the commit time in UTC", doc.Metadata.Timestamp)
	}
	if len(doc.Dependencies) != 1 || doc.Dependencies[0].Ref != app.BOMRef || len(doc.Dependencies[0].DependsOn) != len(want) {
		t.Errorf("dependencies = %+v", doc.Dependencies)
	}
}

func TestSerialNumber(t *testing.T) {
	info := releaseInfo(t)
	a, b := New(info), New(info)
	if a.SerialNumber != b.SerialNumber {
		t.Errorf("one binary, two serial numbers: %s, %s", a.SerialNumber, b.SerialNumber)
	}
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a.SerialNumber) {
		t.Errorf("serial number %q is not a name-based UUID URN", a.SerialNumber)
	}
	info.Modules = info.Modules[1:]
	if c := New(info); c.SerialNumber == a.SerialNumber {
		t.Error("a binary with other modules has the same serial number")
	}
	info = releaseInfo(t)
	info.Arch = "arm64"
	if c := New(info); c.SerialNumber == a.SerialNumber {
		t.Error("the arm64 binary has the amd64 binary's serial number")
	}
}

// The expected digests are `echo BASE64 | base64 -d | xxd -p` of the sums.
func TestSHA256OfSum(t *testing.T) {
	tests := []struct {
		sum  string
		want string
		ok   bool
	}{
		{"h1:tFU7EJVm7MfyaXLsXdYTZ0Vd6vwt9OljCyqq0gqk0Mc=", "b4553b109566ecc7f26972ec5dd61367455deafc2df4e9630b2aaad20aa4d0c7", true},
		{"", "", false},
		{"h2:tFU7EJVm7MfyaXLsXdYTZ0Vd6vwt9OljCyqq0gqk0Mc=", "", false},
		{"h1:not base64!", "", false},
		{"h1:AAAA", "", false}, // too short for SHA-256
	}
	for _, tc := range tests {
		got, ok := sha256OfSum(tc.sum)
		if got != tc.want || ok != tc.ok {
			t.Errorf("sha256OfSum(%q) = %q, %v; want %q, %v", tc.sum, got, ok, tc.want, tc.ok)
		}
	}
	if !strings.HasPrefix(SpecVersion, "1.") {
		t.Errorf("SpecVersion %q", SpecVersion)
	}
}
