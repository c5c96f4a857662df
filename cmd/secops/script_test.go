package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"secops": func() { os.Exit(run(os.Args[1:])) },
	})
}

// TestScripts runs the end-to-end CLI sessions in testdata/script. Each
// starts with an empty home, data and config directory and no AWS
// credentials, so it sees what a newcomer sees.
func TestScripts(t *testing.T) {
	root := repoRoot(t)
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join(root, "testdata", "script"),
		Setup: func(env *testscript.Env) error {
			work := env.WorkDir
			env.Setenv("HOME", filepath.Join(work, "home"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(work, "data"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(work, "config"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(work, "cache"))
			env.Setenv("REPO", root)
			env.Setenv("SHARED", filepath.Join(root, "..", "shared"))
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			env.Setenv("AWS_CONFIG_FILE", filepath.Join(work, "home", "aws-config"))
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(work, "home", "aws-credentials"))
			env.Setenv("NO_COLOR", "")
			// scan's SAST loads Go packages with the go command: share the
			// build and module caches (a cold build cache costs minutes)
			// and keep it off the network.
			for k, v := range goEnv() {
				env.Setenv(k, v)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "shared":
				_, err := os.Stat(filepath.Join(root, "..", "shared"))
				return err == nil, nil
			}
			return false, nil
		},
		RequireExplicitExec: true,
	})
}

// goEnv is the go command's environment for scripts that run it.
var goEnv = sync.OnceValue(func() map[string]string {
	out := map[string]string{"GOPROXY": "off", "GOFLAGS": "-mod=readonly", "GOTOOLCHAIN": "local"}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		if v, err := exec.Command("go", "env", k).Output(); err == nil {
			out[k] = strings.TrimSpace(string(v))
		}
	}
	return out
})

func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
