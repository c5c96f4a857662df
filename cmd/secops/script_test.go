package main

import (
	"encoding/json"
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
	"github.com/secops-dev/secops/internal/fakessm"
	"github.com/secops-dev/secops/internal/motoserver"
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
			ssm := &scriptSSM{}
			ssm.SSM = fakessm.New(ssm.errorf)
			ssmServer := httptest.NewServer(ssm.SSM)
			env.Defer(ssmServer.Close)
			env.Setenv("SSM_ENDPOINT", ssmServer.URL)
			env.Values["ssm"] = ssm
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// debimage FILE OPENSSL_VERSION: write a one-layer Debian 12
			// image with libssl3 from that openssl version to FILE, as
			// 'docker save' does (the image package's test database in
			// pkg/scan/image/testdata/db marks 3.0.9-1 vulnerable, fixed in
			// 3.0.11-1~deb12u2).
			"debimage": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: debimage FILE OPENSSL_VERSION")
				}
				ts.Check(writeImage(ts.MkAbs(args[0]), debianImage(args[1])))
			},
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
			// moto: start moto_server for the rest of the script and point
			// every AWS client at it, with its test credentials. Guard it
			// with [!moto] skip.
			"moto": func(ts *testscript.TestScript, neg bool, args []string) {
				srv, err := motoserver.Launch()
				ts.Check(err)
				ts.Defer(srv.Stop)
				for k, v := range map[string]string{
					"AWS_ENDPOINT_URL": srv.URL, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
					"AWS_REGION": "us-east-1",
				} {
					ts.Setenv(k, v)
				}
			},
			// ssmscript FILE: the fake SSM at $SSM_ENDPOINT answers
			// GetCommandInvocation with the JSON array of fakessm.Invocation
			// in FILE, in order.
			"ssmscript": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: ssmscript FILE")
				}
				var replies []fakessm.Invocation
				ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &replies))
				ts.Value("ssm").(*scriptSSM).Script(replies...)
			},
			// ssmsent N REGEXP: the fake SSM got N SendCommand calls and
			// the last one's JSON body matches REGEXP; it saw no protocol error.
			"ssmsent": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: ssmsent N REGEXP")
				}
				ssm := ts.Value("ssm").(*scriptSSM)
				if errs := ssm.errors(); len(errs) > 0 {
					ts.Fatalf("fake SSM: %s", strings.Join(errs, "; "))
				}
				sends := ssm.Sends()
				if fmt.Sprint(len(sends)) != args[0] {
					ts.Fatalf("SSM got %d SendCommand calls, want %s", len(sends), args[0])
				}
				if len(sends) > 0 {
					body, _ := json.Marshal(sends[len(sends)-1])
					if !regexp.MustCompile(args[1]).Match(body) {
						ts.Fatalf("last SendCommand does not match %s:\n%s", args[1], body)
					}
				}
			},
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "moto":
				_, err := exec.LookPath("moto_server")
				return err == nil, nil
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

// scriptSSM is the fake SSM of one script; it keeps protocol errors for
// ssmsent to report, as a script has no testing.T to fail.
type scriptSSM struct {
	*fakessm.SSM
	mu   sync.Mutex
	errs []string
}

func (s *scriptSSM) errorf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}

func (s *scriptSSM) errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
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
