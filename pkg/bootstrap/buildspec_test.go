package bootstrap

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"gopkg.in/yaml.v3"
)

// TestBuildspecRunsInCodeBuild runs the build phase of the buildspec the
// way CodeBuild does (one shell, command after command, CodePipeline's
// checkout without .git) with fake aws and secops commands, and checks
// what secops is asked to do: the source scan names the repository as its
// target, so findings keep their Ids although the checkout path changes on
// every build, and the image scan finds ECR credentials where secops reads
// them (the Docker config; the Scan project has no Docker daemon).
func TestBuildspecRunsInCodeBuild(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	spec, err := Buildspec("HIGH")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Phases map[string]struct {
			Commands []string `yaml:"commands"`
		} `yaml:"phases"`
	}
	if err := yaml.Unmarshal([]byte(spec), &doc); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(tmp, "calls")
	fakes := map[string]string{
		"aws":    "#!/bin/sh\n[ \"$1 $2\" = \"ecr get-login-password\" ] && printf 'ECRTOKEN' && exit 0\nexit 3\n",
		"secops": "#!/bin/sh\necho \"$*\" >> " + calls + "\ncp \"${DOCKER_CONFIG:-$HOME/.docker}/config.json\" " + filepath.Join(tmp, "seen.json") + " 2>/dev/null\nexit 0\n",
	}
	for n, body := range fakes {
		if err := os.WriteFile(filepath.Join(bin, n), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The Scan project's environment: CodeBuild's own variables, the
	// project's, and IMAGE_URI from the pipeline action.
	env := []string{
		"PATH=" + bin + ":/usr/bin:/bin",
		"HOME=" + filepath.Join(tmp, "home"),
		"TMPDIR=" + tmp,
		"FAIL_ON=HIGH",
		"CODEBUILD_INITIATOR=codepipeline/secops",
		"CODEBUILD_SRC_DIR=/codebuild/output/src123456789/src",
		"IMAGE_URI=123456789012.dkr.ecr.eu-west-1.amazonaws.com/secops-app:9e0d294",
	}
	env = append(env, scanProjectEnv(t)...)
	script := strings.Join(doc.Phases["build"].Commands, "\n") + "\n"
	// The fake Docker config must land under the test's directory.
	script = strings.ReplaceAll(script, "/tmp/", tmp+"/")
	cmd := exec.Command("sh", "-e", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build phase: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(calls)
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 2 {
		t.Fatalf("secops ran %d times: %q", len(lines), got)
	}
	if !strings.Contains(lines[0], "scan . --target acme/shop ") {
		t.Errorf("source scan: %q, want --target acme/shop (the checkout path changes every build)", lines[0])
	}
	if !strings.HasPrefix(lines[1], "scan image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/secops-app:9e0d294 ") {
		t.Errorf("image scan: %q", lines[1])
	}
	// What scan image's keychain (authn.DefaultKeychain) resolves for the
	// registry from the config the buildspec wrote.
	seen := filepath.Join(tmp, "seen.json")
	if _, err := os.Stat(seen); err != nil {
		t.Fatalf("no Docker config when scan image ran: ECR pulls are unauthorized")
	}
	cfgDir := filepath.Join(tmp, "dockercfg")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(seen)
	if err := os.WriteFile(filepath.Join(cfgDir, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", cfgDir)
	reg, err := name.NewRegistry("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	a, err := authn.DefaultKeychain.Resolve(reg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Authorization()
	if err != nil {
		t.Fatal(err)
	}
	if c.Username != "AWS" || c.Password != "ECRTOKEN" {
		t.Errorf("ECR credentials = %q/%q, want AWS/ECRTOKEN", c.Username, c.Password)
	}
}

// scanProjectEnv returns the environment variables the pipeline stack sets
// on the Scan project, with RepositoryId set to acme/shop.
func scanProjectEnv(t *testing.T) []string {
	t.Helper()
	tmpls, err := renderNames(StackPipeline)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Properties struct {
				Environment struct {
					EnvironmentVariables []struct {
						Name  string `yaml:"Name"`
						Value string `yaml:"Value"`
					} `yaml:"EnvironmentVariables"`
				} `yaml:"Environment"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(tmpls[0].Body, &doc); err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"RepositoryId": "acme/shop", "ArtifactsBucket": "bucket", "SecopsPackageKey": "key"}
	var out []string
	for _, v := range doc.Resources["ScanProject"].Properties.Environment.EnvironmentVariables {
		// Values are !Ref PARAM; yaml reads the tagged scalar as PARAM.
		val, ok := params[v.Value]
		if !ok {
			val = v.Value
		}
		out = append(out, v.Name+"="+val)
	}
	return out
}

// TestBuildProjectReusesTheCommitImage runs the Build project's buildspec
// under sh with fake aws and docker: the image tag is the commit and ECR
// tags are immutable, so a re-run of the same commit must not push again
// (ECR would refuse it and fail the stage) while a new commit builds and
// pushes.
func TestBuildProjectReusesTheCommitImage(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tmpls, err := renderNames(StackPipeline)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]struct {
			Properties struct {
				Source struct {
					BuildSpec string `yaml:"BuildSpec"`
				} `yaml:"Source"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(tmpls[0].Body, &tmpl); err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Phases map[string]struct {
			Commands []string `yaml:"commands"`
		} `yaml:"phases"`
	}
	if err := yaml.Unmarshal([]byte(tmpl.Resources["BuildProject"].Properties.Source.BuildSpec), &spec); err != nil {
		t.Fatal(err)
	}
	var script []string
	for _, phase := range []string{"install", "pre_build", "build", "post_build"} {
		script = append(script, spec.Phases[phase].Commands...)
	}
	tests := []struct {
		name   string
		exists bool
		want   string // docker calls, one per line
	}{
		{"new commit", false, "login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com\nbuild -t 123456789012.dkr.ecr.eu-west-1.amazonaws.com/secops-app:9e0d294 .\npush 123456789012.dkr.ecr.eu-west-1.amazonaws.com/secops-app:9e0d294"},
		{"same commit again", true, "login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			bin := filepath.Join(tmp, "bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			calls := filepath.Join(tmp, "docker-calls")
			describe := "exit 254" // ImageNotFoundException
			if tt.exists {
				describe = "[ \"$4\" = secops-app ] && [ \"$6\" = imageTag=9e0d294 ] && exit 0; exit 3"
			}
			fakes := map[string]string{
				"aws":    "#!/bin/sh\ncase \"$1 $2\" in\n\"ecr get-login-password\") printf TOKEN;;\n\"ecr describe-images\") " + describe + ";;\n*) exit 3;;\nesac\n",
				"docker": "#!/bin/sh\ncat >/dev/null 2>&1 </dev/null\necho \"$*\" >> " + calls + "\n",
			}
			for n, body := range fakes {
				if err := os.WriteFile(filepath.Join(bin, n), []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("sh", "-e", "-c", strings.Join(script, "\n")+"\n")
			cmd.Dir = tmp
			cmd.Env = []string{
				"PATH=" + bin + ":/usr/bin:/bin",
				"REPOSITORY_URI=123456789012.dkr.ecr.eu-west-1.amazonaws.com/secops-app",
				"CODEBUILD_RESOLVED_SOURCE_VERSION=9e0d294",
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
			got, _ := os.ReadFile(calls)
			if strings.TrimSpace(string(got)) != tt.want {
				t.Errorf("docker calls:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
