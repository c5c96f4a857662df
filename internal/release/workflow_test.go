package release

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestReleaseWorkflowMatchesREADME: the workflow that signs releases is
// the one README.md tells users to verify against, it may mint the OIDC
// token keyless signing needs, and it runs the GoReleaser version the
// configuration is tested with.
func TestReleaseWorkflowMatchesREADME(t *testing.T) {
	root := repoRoot(t)
	const path = ".github/workflows/release.yml"
	raw, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			Push struct {
				Tags []string `yaml:"tags"`
			} `yaml:"push"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !slices.Equal(wf.On.Push.Tags, []string{"v*"}) {
		t.Errorf("%s runs on tags %q, want [v*] (README's identity names refs/tags/vX)", path, wf.On.Push.Tags)
	}
	for perm, want := range map[string]string{"id-token": "write", "contents": "write"} {
		if wf.Permissions[perm] != want {
			t.Errorf("%s: permission %s = %q, want %q", path, perm, wf.Permissions[perm], want)
		}
	}
	var goreleaser string
	for _, job := range wf.Jobs {
		for _, s := range job.Steps {
			if regexp.MustCompile(`^goreleaser/goreleaser-action@`).MatchString(s.Uses) {
				goreleaser = s.With["version"]
			}
		}
	}
	if goreleaser != goreleaserVersion {
		t.Errorf("%s runs GoReleaser %q, want %s (the version whose schema the config is tested with)", path, goreleaser, goreleaserVersion)
	}

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	identities := regexp.MustCompile(`--certificate-identity "https://github\.com/secops-dev/secops/([^@"]+)@refs/tags/v\$VERSION"`).FindAllSubmatch(readme, -1)
	if len(identities) == 0 {
		t.Fatal("README.md gives no cosign --certificate-identity")
	}
	for _, m := range identities {
		if string(m[1]) != path {
			t.Errorf("README.md verifies against %s, the release is signed by %s", m[1], path)
		}
	}
}
