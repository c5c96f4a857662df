package bootstrap

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"gopkg.in/yaml.v3"
)

// project is a CodeBuild project of the resolved pipeline stack.
type project struct {
	role      string            // logical id of its service role
	buildspec map[string]any    // the parsed inline buildspec
	env       map[string]string // its environment variables
}

func pipelineProjects(t *testing.T, params map[string]string) map[string]project {
	t.Helper()
	r := resolveStack(t, StackPipeline, params)
	out := map[string]project{}
	for id, res := range r.Resources {
		if res["Type"] != "AWS::CodeBuild::Project" {
			continue
		}
		props := res["Properties"].(map[string]any)
		p := project{role: strings.TrimSuffix(props["ServiceRole"].(string), ".Arn"), env: map[string]string{}}
		if err := yaml.Unmarshal([]byte(props["Source"].(map[string]any)["BuildSpec"].(string)), &p.buildspec); err != nil {
			t.Fatalf("%s buildspec: %v", id, err)
		}
		for _, v := range props["Environment"].(map[string]any)["EnvironmentVariables"].([]any) {
			v := v.(map[string]any)
			p.env[v["Name"].(string)] = v["Value"].(string)
		}
		out[id] = p
	}
	return out
}

// phaseCommands returns the commands of a buildspec phase.
func phaseCommands(spec map[string]any, phase string) []string {
	ph, _ := spec["phases"].(map[string]any)[phase].(map[string]any)
	var out []string
	for _, c := range ph["commands"].([]any) {
		out = append(out, c.(string))
	}
	return out
}

// fakeTools writes executables into a new bin directory.
func fakeTools(t *testing.T, tools map[string]string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, body := range tools {
		if err := os.WriteFile(filepath.Join(bin, n), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// TestScanStageGate runs the build phase of the pipeline stack's Scan
// stage the way CodeBuild does (one shell, CodePipeline's checkout without
// .git) with fake aws and secops commands. Both scans run and upload
// whatever the first one found, and only then does the stage fail; the
// source scan names the repository as its target, so findings keep their
// Ids although the checkout path changes on every build, and the image
// scan finds ECR credentials where secops reads them (the Docker config;
// the Scan project has no Docker daemon).
func TestScanStageGate(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	scan := pipelineProjects(t, map[string]string{"RepositoryId": "acme/shop", "ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/x", "FailOn": "CRITICAL"})["ScanProject"]
	if scan.env["FAIL_ON"] != "CRITICAL" || scan.env["SOURCE_REPOSITORY"] != "acme/shop" {
		t.Fatalf("Scan project environment %v", scan.env)
	}
	build := phaseCommands(scan.buildspec, "build")
	tests := []struct {
		name          string
		source, image int // exit codes of the fake scans
		wantFail      bool
	}{
		{"clean", 0, 0, false},
		{"source over the gate: the image is still scanned and uploaded", 1, 0, true},
		{"image over the gate", 0, 1, true},
		{"scan error", 2, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			calls := filepath.Join(tmp, "calls")
			bin := fakeTools(t, map[string]string{
				"aws": "#!/bin/sh\n[ \"$1 $2\" = \"ecr get-login-password\" ] && printf 'ECRTOKEN' && exit 0\nexit 3\n",
				"secops": "#!/bin/sh\necho \"$*\" >> " + calls + "\n" +
					"cp \"${DOCKER_CONFIG:-$HOME/.docker}/config.json\" " + filepath.Join(tmp, "seen.json") + " 2>/dev/null\n" +
					fmt.Sprintf("case \"$2\" in image) exit %d;; *) exit %d;; esac\n", tt.image, tt.source),
			})
			env := []string{
				"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + filepath.Join(tmp, "home"),
				"CODEBUILD_INITIATOR=codepipeline/secops-pipeline", "CODEBUILD_SRC_DIR=/codebuild/output/src123456789/src",
				"IMAGE_URI=123456789012.dkr.ecr.eu-west-1.amazonaws.com/secops-app:9e0d294",
			}
			for k, v := range scan.env {
				env = append(env, k+"="+v)
			}
			script := strings.Join(build, "\n") + "\n"
			// The fake Docker config must land under the test's directory.
			script = strings.ReplaceAll(script, "/tmp/", tmp+"/")
			cmd := exec.Command("sh", "-e", "-c", script)
			cmd.Dir, cmd.Env = t.TempDir(), env
			out, err := cmd.CombinedOutput()
			if (err != nil) != tt.wantFail {
				t.Fatalf("stage failed = %v, want %v\n%s", err != nil, tt.wantFail, out)
			}
			got, _ := os.ReadFile(calls)
			lines := strings.Split(strings.TrimSpace(string(got)), "\n")
			want := []string{
				"scan . --target acme/shop --fail-on CRITICAL --upload",
				"scan image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/secops-app:9e0d294 --fail-on CRITICAL --upload",
			}
			if strings.Join(lines, "\n") != strings.Join(want, "\n") {
				t.Errorf("secops ran:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
			}
			if !strings.Contains(string(out), fmt.Sprintf("Scan gate at CRITICAL: source scan exit %d, image scan exit %d", tt.source, tt.image)) {
				t.Errorf("output:\n%s", out)
			}
			// What scan image's keychain (authn.DefaultKeychain) resolves for
			// the registry from the config the stage wrote.
			data, err := os.ReadFile(filepath.Join(tmp, "seen.json"))
			if err != nil {
				t.Fatalf("no Docker config when scan image ran: ECR pulls are unauthorized")
			}
			cfgDir := filepath.Join(tmp, "dockercfg")
			_ = os.MkdirAll(cfgDir, 0o755)
			_ = os.WriteFile(filepath.Join(cfgDir, "config.json"), data, 0o600)
			t.Setenv("DOCKER_CONFIG", cfgDir)
			reg, _ := name.NewRegistry("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
			a, err := authn.DefaultKeychain.Resolve(reg)
			if err != nil {
				t.Fatal(err)
			}
			c, err := a.Authorization()
			if err != nil || c.Username != "AWS" || c.Password != "ECRTOKEN" {
				t.Errorf("ECR credentials = %q/%q (%v), want AWS/ECRTOKEN", c.Username, c.Password, err)
			}
		})
	}
}

// TestInitBuildspecIsTheStageGate: the buildspec init writes carries the
// same phases as the stack's Scan stage.
func TestInitBuildspecIsTheStageGate(t *testing.T) {
	spec, err := Buildspec("HIGH")
	if err != nil {
		t.Fatal(err)
	}
	var written map[string]any
	if err := yaml.Unmarshal([]byte(spec), &written); err != nil {
		t.Fatal(err)
	}
	scan := pipelineProjects(t, nil)["ScanProject"]
	if !reflect.DeepEqual(written["phases"], scan.buildspec["phases"]) {
		t.Error("init buildspec and the Scan stage differ")
	}
	if fmt.Sprint(written["env"]) != "map[variables:map[FAIL_ON:HIGH]]" {
		t.Errorf("env %v", written["env"])
	}
}

// TestInstallersCheckThePackage runs the install steps of the Scan and
// DAST projects and of the scanner host with a fake aws that downloads a
// package: the right package is installed, a different one is refused
// before anything from it runs.
func TestInstallersCheckThePackage(t *testing.T) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("no sha256sum")
	}
	if _, err := exec.LookPath("unzip"); err != nil {
		t.Skip("no unzip")
	}
	good, err := ZipBinary([]byte("#!/bin/sh\necho secops-ran\n"))
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := ZipBinary([]byte("#!/bin/sh\necho tampered\n"))
	projects := pipelineProjects(t, nil)
	scanner := resolveStack(t, StackScanner, map[string]string{"SecopsPackageSha256": PackageSHA256(good)})
	userData := scanner.Resources["ScannerInstance"]["Properties"].(map[string]any)["UserData"].(string)
	hostScript := userData[strings.Index(userData, "#!/bin/bash"):strings.Index(userData, "--//--")]
	installers := map[string]string{
		"ScanProject":  strings.Join(phaseCommands(projects["ScanProject"].buildspec, "install"), "\n"),
		"DastProject":  strings.Join(phaseCommands(projects["DastProject"].buildspec, "install"), "\n"),
		"scanner host": hostScript,
	}
	for name, script := range installers {
		for _, tt := range []struct {
			pkg  []byte
			want bool
		}{{good, true}, {bad, false}} {
			tmp := t.TempDir()
			pkgFile := filepath.Join(tmp, "pkg.zip")
			_ = os.WriteFile(pkgFile, tt.pkg, 0o644)
			installed := filepath.Join(tmp, "installed")
			bin := fakeTools(t, map[string]string{
				"aws":     "#!/bin/sh\n[ \"$1 $2\" = \"s3 cp\" ] || exit 3\ncp " + pkgFile + " \"$4\"\n",
				"dnf":     "#!/bin/sh\nexit 0\n",
				"install": "#!/bin/sh\ncp \"$3\" " + installed + "\n",
				"secops":  "#!/bin/sh\nexit 0\n",
			})
			s := strings.ReplaceAll(script, "/tmp/", tmp+"/")
			s = strings.ReplaceAll(s, "set -euo pipefail", "set -eu")
			cmd := exec.Command("sh", "-e", "-c", s)
			cmd.Dir = tmp
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "SECOPS_BUCKET=b", "SECOPS_KEY=k", "SECOPS_SHA256=" + PackageSHA256(good)}
			out, err := cmd.CombinedOutput()
			_, statErr := os.Stat(installed)
			if (err == nil) != tt.want || (statErr == nil) != tt.want {
				t.Errorf("%s with the %s package: ran ok = %v, installed = %v\n%s", name, map[bool]string{true: "right", false: "tampered"}[tt.want], err == nil, statErr == nil, out)
			}
		}
	}
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
