package release

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// goreleaserVersion is the GoReleaser release .goreleaser.yaml is written
// for; testdata/goreleaser holds that version's configuration schema.
const goreleaserVersion = "v2.17.0"

func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func readConfig(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goreleaserSchema compiles GoReleaser's schema; it refuses fields the
// version does not have (additionalProperties: false) and wrong types.
func goreleaserSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "goreleaser", goreleaserVersion+".schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://goreleaser.com/schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlAsJSON turns a YAML document into the JSON value a schema validates.
func yamlAsJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestGoReleaserConfigMatchesSchema(t *testing.T) {
	s := goreleaserSchema(t)
	cfg := readConfig(t)
	if !bytes.Contains(cfg, []byte("GoReleaser "+goreleaserVersion)) {
		t.Errorf(".goreleaser.yaml does not name GoReleaser %s, the version its schema is checked against", goreleaserVersion)
	}
	if err := s.Validate(yamlAsJSON(t, cfg)); err != nil {
		t.Errorf(".goreleaser.yaml is not a valid GoReleaser %s configuration: %v", goreleaserVersion, err)
	}

	// The schema is strict: these mistakes must be caught, for their reason.
	mistakes := []struct{ name, yaml, want string }{
		{"misspelt field", "version: 2\nbuilds:\n  - id: x\n    ldflag: [-s]\n", "at '/builds/0': additional properties 'ldflag' not allowed"},
		{"field of v1", "version: 2\narchives:\n  - id: x\n    replacements:\n      darwin: Darwin\n", "at '/archives/0': additional properties 'replacements' not allowed"},
		{"wrong type", "version: 2\nchecksum:\n  split: sometimes\n", "at '/checksum/split': got string, want boolean"},
		{"unknown top level", "version: 2\ncontainers:\n  - image: x\n", "additional properties 'containers' not allowed"},
		{"unknown sbom target", "version: 2\nsboms:\n  - artifacts: everything\n", "at '/sboms/0/artifacts': value must be one of"},
	}
	for _, m := range mistakes {
		err := s.Validate(yamlAsJSON(t, []byte(m.yaml)))
		if err == nil || !strings.Contains(err.Error(), m.want) {
			t.Errorf("%s: validation error %v, want %q", m.name, err, m.want)
		}
	}
}

// releaseConfig is the part of .goreleaser.yaml the release depends on.
type releaseConfig struct {
	Builds []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Env          []string `yaml:"env"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		Flags        []string `yaml:"flags"`
		Tags         []string `yaml:"tags"`
		Ldflags      []string `yaml:"ldflags"`
		ModTimestamp string   `yaml:"mod_timestamp"`
	} `yaml:"builds"`
	Archives []struct {
		IDs             []string `yaml:"ids"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	SBOMs []struct {
		Artifacts string   `yaml:"artifacts"`
		Cmd       string   `yaml:"cmd"`
		Args      []string `yaml:"args"`
	} `yaml:"sboms"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	Signs []struct {
		Cmd       string   `yaml:"cmd"`
		Artifacts string   `yaml:"artifacts"`
		Signature string   `yaml:"signature"`
		Args      []string `yaml:"args"`
	} `yaml:"signs"`
	Kos []struct {
		Build      string   `yaml:"build"`
		BaseImage  string   `yaml:"base_image"`
		User       string   `yaml:"user"`
		Platforms  []string `yaml:"platforms"`
		Flags      []string `yaml:"flags"`
		Ldflags    []string `yaml:"ldflags"`
		Env        []string `yaml:"env"`
		Repository []string `yaml:"repositories"`
	} `yaml:"kos"`
}

func TestGoReleaserConfigBuildsTheRelease(t *testing.T) {
	var cfg releaseConfig
	if err := yaml.Unmarshal(readConfig(t), &cfg); err != nil {
		t.Fatal(err)
	}

	if len(cfg.Builds) != 1 {
		t.Fatalf("%d builds, want the one secops build", len(cfg.Builds))
	}
	b := cfg.Builds[0]
	if b.Main != "./cmd/secops" || !reflect.DeepEqual(b.Env, Env) {
		t.Errorf("build main %q env %v, want ./cmd/secops with %v", b.Main, b.Env, Env)
	}
	if !reflect.DeepEqual(b.Goos, []string{"linux", "darwin", "windows"}) || !reflect.DeepEqual(b.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("targets %v × %v, want linux/darwin/windows × amd64/arm64", b.Goos, b.Goarch)
	}
	// The same flags as the reproducibility test's build, through flags so
	// that ko (which reads flags, not tags) builds the same binary.
	if !reflect.DeepEqual(b.Flags, Flags()) || len(b.Tags) != 0 {
		t.Errorf("build flags %v tags %v, want flags %v", b.Flags, b.Tags, Flags())
	}
	templated := Stamp{Version: "{{ .Version }}", Commit: "{{ .FullCommit }}", Date: "{{ .CommitDate }}"}
	if got := strings.Join(b.Ldflags, " "); got != LDFlags(templated) {
		t.Errorf("ldflags %q,\nwant %q (commit date, never the build date)", got, LDFlags(templated))
	}
	if b.ModTimestamp != "{{ .CommitTimestamp }}" {
		t.Errorf("mod_timestamp %q, want the commit time", b.ModTimestamp)
	}

	if len(cfg.Archives) != 1 || !reflect.DeepEqual(cfg.Archives[0].Formats, []string{"tar.gz"}) ||
		len(cfg.Archives[0].FormatOverrides) != 1 || cfg.Archives[0].FormatOverrides[0].Goos != "windows" ||
		!reflect.DeepEqual(cfg.Archives[0].FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archives %+v, want tar.gz, zip for windows", cfg.Archives)
	}

	if len(cfg.SBOMs) != 1 || cfg.SBOMs[0].Artifacts != "archive" || cfg.SBOMs[0].Cmd != "syft" {
		t.Errorf("sboms %+v, want syft on every archive", cfg.SBOMs)
	}

	if cfg.Checksum.NameTemplate != "checksums.txt" || cfg.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum %+v", cfg.Checksum)
	}

	if len(cfg.Signs) != 1 {
		t.Fatalf("signs %+v, want one", cfg.Signs)
	}
	s := cfg.Signs[0]
	if s.Cmd != "cosign" || s.Artifacts != "checksum" || s.Signature != "${artifact}.sigstore.json" {
		t.Errorf("signs %+v, want cosign on checksums.txt with a Sigstore bundle", s)
	}
	if !reflect.DeepEqual(s.Args, []string{"sign-blob", "--bundle=${signature}", "${artifact}", "--yes"}) {
		t.Errorf("cosign args %v", s.Args)
	}
	for _, a := range s.Args {
		if strings.HasPrefix(a, "--key") {
			t.Errorf("cosign signs with a key (%s): the release is signed keyless", a)
		}
	}

	if len(cfg.Kos) != 1 {
		t.Fatalf("kos %+v, want one image", cfg.Kos)
	}
	k := cfg.Kos[0]
	if k.Build != b.ID || len(k.Flags)+len(k.Ldflags)+len(k.Env) != 0 {
		t.Errorf("ko image builds with its own settings (%+v): it must take build %q's", k, b.ID)
	}
	if !strings.HasPrefix(k.BaseImage, "gcr.io/distroless/static") || !strings.HasSuffix(k.BaseImage, ":nonroot") {
		t.Errorf("base image %q, want distroless/static :nonroot", k.BaseImage)
	}
	if k.User == "" || strings.HasPrefix(k.User, "0:") || k.User == "0" || k.User == "root" {
		t.Errorf("image user %q, want a non-root uid", k.User)
	}
	if !slices.Equal(k.Platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("image platforms %v", k.Platforms)
	}
}
