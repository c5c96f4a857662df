package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/secops-dev/secops/internal/fakehub"
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
			// A loopback port free at setup, for servers a script starts.
			port, err := freePort()
			if err != nil {
				return err
			}
			env.Setenv("FREEPORT", fmt.Sprint(port))
			// AWS and Slack stand-ins on loopback, one set per script.
			hub := fakehub.New(func(format string, args ...any) { env.T().Log(fmt.Sprintf(format, args...)) }, nil)
			hubServer := httptest.NewServer(hub)
			env.Defer(hubServer.Close)
			env.Setenv("SECURITYHUB_ENDPOINT", hubServer.URL)
			env.Values["hub"] = hub
			slack := &slackReceiver{}
			slackServer := httptest.NewServer(slack)
			env.Defer(slackServer.Close)
			env.Setenv("SLACK_WEBHOOK", slackServer.URL+"/services/T000/B000/secretpart")
			env.Values["slack"] = slack
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// hubcount N: the fake Security Hub holds N findings.
			"hubcount": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: hubcount N")
				}
				got := len(ts.Value("hub").(*fakehub.Hub).Stored())
				if (fmt.Sprint(got) == args[0]) == neg {
					ts.Fatalf("fake Security Hub holds %d findings, want %s%s", got, map[bool]string{true: "not "}[neg], args[0])
				}
			},
			// slackposts N REGEXP: the fake Slack got N messages, and the
			// last one matches REGEXP.
			"slackposts": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: slackposts N REGEXP")
				}
				bodies := ts.Value("slack").(*slackReceiver).posts()
				if fmt.Sprint(len(bodies)) != args[0] {
					ts.Fatalf("Slack got %d messages, want %s", len(bodies), args[0])
				}
				if len(bodies) > 0 && !regexp.MustCompile(args[1]).MatchString(bodies[len(bodies)-1]) {
					ts.Fatalf("last Slack message does not match %s:\n%s", args[1], bodies[len(bodies)-1])
				}
			},
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// slackReceiver is an incoming-webhook endpoint that keeps what it is sent.
type slackReceiver struct {
	mu     sync.Mutex
	bodies []string
}

func (s *slackReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()
	io.WriteString(w, "ok")
}

func (s *slackReceiver) posts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
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
