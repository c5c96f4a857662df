package secrets

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan"
)

var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// The fake credentials planted in testdata/demo-app/config/settings.yaml.
const (
	demoAWSKey      = "AKIAQFAKEDEMO7SECOPS"
	demoGitHubToken = "ghp_FakeDemoToken4SecopsScanTests0a1b2c3"
)

func runScan(t *testing.T, s *Scanner, root string) scan.Result {
	t.Helper()
	res, err := s.Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatalf("Scan() error = %v", err)
	}
	return res
}

func summary(list []findings.Finding) []string {
	var out []string
	for _, f := range list {
		out = append(out, strings.Join([]string{
			f.ProductFields[findings.FieldPath], f.ProductFields[findings.FieldStartLine],
			f.ProductFields[findings.FieldRuleID], f.Severity.Label, f.ProductFields["secops/Evidence"],
		}, " "))
	}
	sort.Strings(out)
	return out
}

func TestScanDemoApp(t *testing.T) {
	root := filepath.Join("..", "..", "..", "testdata", "demo-app")
	res := runScan(t, New(Options{}), root)
	want := []string{
		"config/settings.yaml 12 aws-access-token HIGH AKIA…REDACTED",
		"config/settings.yaml 14 github-pat HIGH ghp_…REDACTED",
	}
	if got := summary(res.Findings); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Skipped) != 0 {
		t.Errorf("skipped %v, want none", res.Skipped)
	}
	prov := findings.LocalProvenance(testNow, "secops")
	for _, f := range res.Findings {
		prov.Stamp(&f)
		if err := f.Validate(); err != nil {
			t.Error(err)
		}
		if f.GeneratorId != GeneratorID || f.Types[0] != "Sensitive Data Identifications/Passwords" {
			t.Errorf("finding %s: generator %q types %v", f.Id, f.GeneratorId, f.Types)
		}
		if !strings.HasPrefix(f.ProductFields["secops/SecretHash"], "sha256:") || f.ProductFields[findings.FieldScanner] != "gitleaks" {
			t.Errorf("finding %s product fields %v", f.Id, f.ProductFields)
		}
	}
	// The secret value must not be anywhere in what the scanner returns.
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{demoAWSKey, demoGitHubToken, demoAWSKey[4:], demoGitHubToken[4:], demoAWSKey[4:12], demoGitHubToken[4:12]} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("scan result contains (part of) the secret %q", secret)
		}
	}
	// Scanning again gives the same Ids: a re-scan updates, never duplicates.
	again := runScan(t, New(Options{}), root)
	for i := range res.Findings {
		if res.Findings[i].Id != again.Findings[i].Id && len(res.Findings) == len(again.Findings) {
			ids := map[string]bool{}
			for _, f := range again.Findings {
				ids[f.Id] = true
			}
			if !ids[res.Findings[i].Id] {
				t.Errorf("Id %s not stable across scans", res.Findings[i].Id)
			}
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScanSkipsAndIgnores(t *testing.T) {
	root := t.TempDir()
	line := "aws_access_key_id = " + demoAWSKey + "\n"
	write(t, filepath.Join(root, "app.env"), line)
	write(t, filepath.Join(root, ".gitignore"), "*.local\n/build/\n")
	write(t, filepath.Join(root, "settings.local"), line)                     // ignored by *.local
	write(t, filepath.Join(root, "build", "out.txt"), line)                   // ignored dir
	write(t, filepath.Join(root, "sub", ".gitignore"), "secret.txt\n")        // nested .gitignore
	write(t, filepath.Join(root, "sub", "secret.txt"), line)                  // ignored by sub/.gitignore
	write(t, filepath.Join(root, "secret.txt"), line)                         // not ignored: pattern is scoped to sub/
	write(t, filepath.Join(root, ".git", "config"), line)                     // .git is never scanned
	write(t, filepath.Join(root, "blob.bin"), "\x00\x01\x02"+line)            // binary
	write(t, filepath.Join(root, "huge.txt"), strings.Repeat("x", 2048)+line) // over the size limit below
	if err := os.Symlink("loop-b", filepath.Join(root, "loop-a")); err != nil {
		t.Skipf("symlinks not supported: %v", err)
	}
	os.Symlink("loop-a", filepath.Join(root, "loop-b"))
	os.Symlink("missing", filepath.Join(root, "dangling"))
	os.Symlink("app.env", filepath.Join(root, "link.env")) // a good link: not followed, not reported

	res := runScan(t, New(Options{MaxFileSize: 1024}), root)
	var paths []string
	for _, f := range res.Findings {
		paths = append(paths, f.ProductFields[findings.FieldPath])
	}
	sort.Strings(paths)
	if strings.Join(paths, ",") != "app.env,secret.txt" {
		t.Errorf("findings in %v, want app.env and secret.txt", paths)
	}
	var skipped []string
	for _, s := range res.Skipped {
		skipped = append(skipped, s.Path+": "+s.Reason)
	}
	sort.Strings(skipped)
	want := []string{
		"blob.bin: binary file",
		"dangling: broken symlink",
		"huge.txt: larger than 1 KB",
		"loop-a: symlink loop",
		"loop-b: symlink loop",
	}
	if strings.Join(skipped, "\n") != strings.Join(want, "\n") {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(skipped, "\n"), strings.Join(want, "\n"))
	}
}

func TestScanUnreadableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions are not enforced")
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "locked", "a.txt"), "x")
	os.Chmod(filepath.Join(root, "locked"), 0)
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "locked"), 0o755) })
	res := runScan(t, New(Options{}), root)
	if len(res.Skipped) != 1 || res.Skipped[0].Path != "locked" {
		t.Errorf("skipped = %v, want locked", res.Skipped)
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"":                     "REDACTED",
		"short":                "REDACTED",
		"12345678":             "REDACTED",
		demoAWSKey:             "AKIA…REDACTED",
		"пароль-пароль-пароль": "паро…REDACTED",
	}
	for in, want := range tests {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if Hash("a") == Hash("b") || Hash("a") != Hash("a") {
		t.Error("Hash is not a function of the secret")
	}
}

func TestSeverity(t *testing.T) {
	tests := map[string]string{
		"aws-access-token": findings.SeverityHigh,
		"private-key":      findings.SeverityHigh,
		"github-pat":       findings.SeverityHigh,
		"generic-api-key":  findings.SeverityMedium,
		"jwt":              findings.SeverityMedium,
	}
	for rule, want := range tests {
		if got := severityFor(rule); got != want {
			t.Errorf("severityFor(%q) = %s, want %s", rule, got, want)
		}
	}
}

func TestScanHistory(t *testing.T) {
	root, gitRun := gitRepo(t)
	gitRun("init", "-q")
	write(t, filepath.Join(root, "deploy.sh"), "export AWS_ACCESS_KEY_ID="+demoAWSKey+"\n")
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "add deploy script")
	write(t, filepath.Join(root, "deploy.sh"), "export AWS_ACCESS_KEY_ID=$FROM_VAULT\n")
	gitRun("commit", "-q", "-am", "read the key from the environment")

	if res := runScan(t, New(Options{}), root); len(res.Findings) != 0 {
		t.Fatalf("working tree scan found %d, want 0", len(res.Findings))
	}
	res := runScan(t, New(Options{History: true}), root)
	if len(res.Findings) != 1 {
		t.Fatalf("history scan found %v, want 1", summary(res.Findings))
	}
	f := res.Findings[0]
	if f.ProductFields["secops/Commit"] == "" || f.ProductFields[findings.FieldPath] != "deploy.sh" || f.ProductFields[findings.FieldRuleID] != "aws-access-token" {
		t.Errorf("history finding = %v", f.ProductFields)
	}
	if res.Incomplete || len(res.Warnings) != 0 {
		t.Errorf("incomplete %v, warnings %v", res.Incomplete, res.Warnings)
	}

	// A secret still in the file it was committed to is one finding, the
	// working tree's, naming the commit; one only in history stays its own.
	write(t, filepath.Join(root, "release.sh"), "export AWS_ACCESS_KEY_ID="+demoAWSKey+"\n")
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "add release script")
	res = runScan(t, New(Options{History: true}), root)
	if got := summary(res.Findings); len(res.Findings) != 2 {
		t.Fatalf("history scan with the secret still in release.sh found %v, want 2", got)
	}
	var tree, old int
	for _, f := range res.Findings {
		switch {
		case f.ProductFields[findings.FieldPath] == "release.sh" && f.ProductFields["secops/Commit"] != "" && !strings.Contains(f.Description, "in commit"):
			tree++
		case f.ProductFields[findings.FieldPath] == "deploy.sh" && strings.Contains(f.Description, "in commit"):
			old++
		}
	}
	if tree != 1 || old != 1 {
		t.Errorf("want the working tree finding of release.sh naming its commit, and the history finding of deploy.sh: %v", summary(res.Findings))
	}

	// Not a repository: the working tree still counts, the history part is a warning.
	res = runScan(t, New(Options{History: true}), t.TempDir())
	if !res.Incomplete || len(res.Warnings) != 1 {
		t.Errorf("non-repository: incomplete %v, warnings %v", res.Incomplete, res.Warnings)
	}
}

func BenchmarkScanDemoApp(b *testing.B) {
	s := New(Options{})
	root := filepath.Join("..", "..", "..", "testdata", "demo-app")
	for b.Loop() {
		if _, err := s.Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops")); err != nil {
			b.Fatal(err)
		}
	}
}

// A file that .gitignore matches but that was committed anyway (git add
// -f) is a committed credential: the working tree scan reads it. Ignored
// files git does not track stay out.
func TestScanTrackedIgnoredFiles(t *testing.T) {
	root, gitRun := gitRepo(t)
	line := "aws_access_key_id = " + demoAWSKey + "\n"
	gitRun("init", "-q")
	write(t, filepath.Join(root, ".gitignore"), ".env\n/private/\n")
	write(t, filepath.Join(root, ".env"), line)                 // ignored, committed with -f
	write(t, filepath.Join(root, "private", "keys.txt"), line)  // in an ignored dir, committed with -f
	write(t, filepath.Join(root, "private", "local.txt"), line) // in an ignored dir, never committed
	write(t, filepath.Join(root, "svc", ".env"), line)          // ignored, never committed
	gitRun("add", ".gitignore")
	gitRun("add", "-f", ".env", "private/keys.txt")
	gitRun("commit", "-q", "-m", "init")

	res := runScan(t, New(Options{}), root)
	var paths []string
	for _, f := range res.Findings {
		paths = append(paths, f.ProductFields[findings.FieldPath])
	}
	sort.Strings(paths)
	if got, want := strings.Join(paths, ","), ".env,private/keys.txt"; got != want {
		t.Errorf("findings in %s, want %s", got, want)
	}
	// Scanning a sub-directory of the repository: paths stay relative to it.
	res = runScan(t, New(Options{}), filepath.Join(root, "private"))
	if len(res.Findings) != 1 || res.Findings[0].ProductFields[findings.FieldPath] != "keys.txt" {
		t.Errorf("sub-directory scan: %v, want keys.txt", summary(res.Findings))
	}
}

// gitRepo returns an empty directory and a function that runs git in it
// with a fixed identity and no system or user configuration; the test is
// skipped where git is missing.
func gitRepo(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH")
	}
	root := t.TempDir()
	return root, func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", root, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+root)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}
