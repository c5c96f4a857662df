package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/demo"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/localstore"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/scan/dast"
)

func TestScanDastFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, o *scanDastOptions)
	}{
		{name: "defaults", args: []string{"http://127.0.0.1:8080/"}, check: func(t *testing.T, o *scanDastOptions) {
			if o.URL != "http://127.0.0.1:8080/" || o.MaxDepth != dast.DefaultMaxDepth || o.Rate != 0 || o.Timeout != dast.DefaultTimeout || o.MaxDuration != dast.DefaultMaxDuration {
				t.Errorf("%+v", o)
			}
		}},
		{name: "all flags", args: []string{"https://app.test/", "--include", "^https://app.test/shop", "--exclude", "/static/", "--max-depth", "3",
			"--max-requests", "500", "--rate", "5", "--concurrency", "2", "--timeout", "3s", "--max-duration", "5m",
			"--header", "Cookie: a=b", "--header", "Authorization: Bearer x", "--fail-on", "high", "--ssrf-canary", "--insecure", "--passive-only"},
			check: func(t *testing.T, o *scanDastOptions) {
				if o.Include[0] != "^https://app.test/shop" || o.Exclude[0] != "/static/" || o.MaxDepth != 3 || o.MaxRequests != 500 || o.Rate != 5 ||
					o.Concurrency != 2 || o.Timeout != 3*time.Second || o.MaxDuration != 5*time.Minute || len(o.Headers) != 2 ||
					o.FailOn != "HIGH" || !o.SSRFCanary || !o.Insecure || !o.PassiveOnly {
					t.Errorf("%+v", o)
				}
			}},
		{name: "login", args: []string{"http://a.test/", "--login-url", "/login", "--login-data", "u=a&p=b", "--logged-in-regex", "Sign out"}, check: func(t *testing.T, o *scanDastOptions) {
			if o.LoginURL != "/login" || o.LoginData != "u=a&p=b" || o.LoggedInRegex != "Sign out" {
				t.Errorf("%+v", o)
			}
		}},
		{name: "zap", args: []string{"http://a.test/", "--zap", "http://127.0.0.1:8090", "--zap-api-key", "k", "--zap-ajax"}, check: func(t *testing.T, o *scanDastOptions) {
			if o.ZAP != "http://127.0.0.1:8090" || o.ZAPAPIKey != "k" || !o.ZAPAjax {
				t.Errorf("%+v", o)
			}
		}},
		{name: "no URL", args: nil, wantErr: "accepts 1 arg"},
		{name: "bad fail-on", args: []string{"http://a.test/", "--fail-on", "urgent"}, wantErr: "unknown severity"},
		{name: "bad header", args: []string{"http://a.test/", "--header", "Cookie session=secret"}, wantErr: `must look like "Name: value"`},
		{name: "login data without url", args: []string{"http://a.test/", "--login-data", "u=a"}, wantErr: "need --login-url"},
		{name: "zap with header", args: []string{"http://a.test/", "--zap", "http://127.0.0.1:8090", "--header", "A: b"}, wantErr: "configure authentication in ZAP"},
		{name: "zap with exclude", args: []string{"http://a.test/", "--zap", "http://127.0.0.1:8090", "--exclude", "/logout"}, wantErr: "--exclude is not passed to ZAP"},
		{name: "zap with include", args: []string{"http://a.test/", "--zap", "http://127.0.0.1:8090", "--include", "/app/"}, wantErr: "--include is not passed to ZAP"},
		{name: "zap with rate", args: []string{"http://a.test/", "--zap", "http://127.0.0.1:8090", "--rate", "2"}, wantErr: "--rate is not passed to ZAP"},
		{name: "zap with max-requests", args: []string{"http://a.test/", "--zap", "http://127.0.0.1:8090", "--max-requests", "100"}, wantErr: "--max-requests is not passed to ZAP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := newFactory(ios)
			var got *scanDastOptions
			cmd := newCmdScanDast(f, func(o *scanDastOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error leaks a header value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

// dastRecorder records imports.
type dastRecorder struct {
	imports []findings.ImportOptions
	lists   [][]findings.Finding
	err     error
}

func (m *dastRecorder) Backend() string { return "memory" }
func (m *dastRecorder) Import(_ context.Context, list []findings.Finding, o findings.ImportOptions) (findings.ImportResult, error) {
	m.imports = append(m.imports, o)
	m.lists = append(m.lists, list)
	return findings.ImportResult{New: len(list)}, m.err
}
func (m *dastRecorder) Close() error { return nil }
func (m *dastRecorder) Get(context.Context, string) (findings.Finding, error) {
	return findings.Finding{}, findings.ErrNotFound
}

func TestScanDastRunAgainstDemo(t *testing.T) {
	srv := httptest.NewUnstartedServer(demo.New().Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	defer srv.Close()

	ios, _, out, errOut := iostreams.Test()
	st := &dastRecorder{}
	opts := &scanDastOptions{
		scanCommon: scanCommon{scanDeps: scanDeps{
			IO: ios, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
			Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, false, true) },
			Store:    func(context.Context) (scanStore, error) { return st, nil },
			Output:   "json",
		}, scanFlags: scanFlags{FailOn: findings.SeverityHigh}},
		URL: srv.URL, Rate: -1, Concurrency: 4, MaxDepth: 5, Timeout: 10 * time.Second, MaxDuration: time.Minute,
	}
	err := scanDastRun(context.Background(), opts)
	var ce *codedError
	if !errors.As(err, &ce) || ce.code != exitFindings {
		t.Fatalf("err = %v, want exit %d for --fail-on HIGH", err, exitFindings)
	}
	var printed []findings.Finding
	if err := json.Unmarshal(out.Bytes(), &printed); err != nil {
		t.Fatalf("stdout is not a JSON list of findings: %v\n%.300s", err, out.String())
	}
	if len(st.lists) != 1 || len(st.lists[0]) != len(printed) || len(printed) != 50 {
		t.Errorf("printed %d findings, stored %v; want the 50 non-TLS answer-key entries", len(printed), len(st.lists))
	}
	sc := st.imports[0].Scope
	if sc == nil || sc.Target != srv.URL+"/" || sc.GeneratorIds[0] != dast.GeneratorID {
		t.Errorf("scope = %+v, want the target and %s so fixed findings are archived", sc, dast.GeneratorID)
	}
	for _, want := range []string{"Scanned " + srv.URL, "requests in", "sqli-time", "Stored: 50 new"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestScanDastIncompleteDoesNotArchive(t *testing.T) {
	srv := httptest.NewServer(demo.New().Handler())
	defer srv.Close()
	ios, _, _, errOut := iostreams.Test()
	st := &dastRecorder{}
	opts := &scanDastOptions{
		scanCommon: scanCommon{scanDeps: scanDeps{
			IO: ios, Now: time.Now, Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, false, false) },
			Store: func(context.Context) (scanStore, error) { return st, nil }, Output: "json",
		}},
		URL: srv.URL, Rate: -1, MaxRequests: 30, MaxDuration: time.Minute,
	}
	if err := scanDastRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if st.imports[0].Scope != nil {
		t.Error("an incomplete scan must not archive older findings")
	}
	if !strings.Contains(errOut.String(), "--max-requests") || !strings.Contains(errOut.String(), "incomplete") {
		t.Errorf("stderr: %s", errOut.String())
	}
}

func TestScanDastUnreachable(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	opts := &scanDastOptions{
		scanCommon: scanCommon{scanDeps: scanDeps{
			IO: ios, Now: time.Now, Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, false, false) },
			Store: func(context.Context) (scanStore, error) { t.Fatal("store opened for a failed scan"); return nil, nil },
		}},
		URL: "http://127.0.0.1:1/", MaxDuration: 5 * time.Second,
	}
	err := scanDastRun(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("err = %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %q", out.String())
	}
}

func TestDemoServeFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := newFactory(ios)
	var got *demoServeOptions
	cmd := newCmdDemoServe(f, func(o *demoServeOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--addr-file", "x.url"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Addr != "127.0.0.1:0" || got.AddrFile != "x.url" || got.AllowRemote {
		t.Errorf("%+v", got)
	}
	err := demoServeRun(context.Background(), &demoServeOptions{IO: ios, Addr: "0.0.0.0:8080"})
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("non-loopback addr: %v", err)
	}
}

// TestScanDastRescanArchivesFixed scans the demo into a real local store,
// fixes one vulnerability and scans again: the fixed finding is archived.
func TestScanDastRescanArchivesFixed(t *testing.T) {
	var fixed atomic.Bool
	h := demo.New().Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fixed.Load() && r.URL.Path == "/greet" {
			r.URL.Path = "/safe/greet"
		}
		h.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	defer srv.Close()

	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "findings.db")
	ios, _, _, errOut := iostreams.Test()
	opts := &scanDastOptions{
		scanCommon: scanCommon{scanDeps: scanDeps{
			IO: ios, Now: time.Now, Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, false, false) },
			Store: func(ctx context.Context) (scanStore, error) { return localstore.Open(ctx, path) }, Output: "json",
		}},
		URL: srv.URL, Rate: -1, MaxDuration: time.Minute, Timeout: 10 * time.Second,
	}
	if err := scanDastRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	fixed.Store(true)
	errOut.Reset()
	if err := scanDastRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "0 new, 49 updated, 1 archived") {
		t.Errorf("second scan: %s", errOut.String())
	}
	st, err := localstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	archived, err := st.Query(ctx, findings.Query{RecordState: findings.RecordArchived})
	if err != nil {
		t.Fatal(err)
	}
	if len(archived) != 1 || archived[0].ProductFields["dast/CheckId"] != dast.CheckXSSReflected || archived[0].Resources[0].Id != srv.URL+"/greet" {
		t.Errorf("archived: %d findings, first %+v", len(archived), archived)
	}
}

// newFakeZAP is a stand-in daemon answering the ZAP JSON API
// (https://www.zaproxy.org/docs/api/) with one High SQL injection alert;
// keyOK turns false when a request lacks the API key k3y.
func newFakeZAP(t *testing.T, keyOK *atomic.Bool) *httptest.Server {
	keyOK.Store(true)
	zapSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-ZAP-API-Key") != "k3y" {
			keyOK.Store(false)
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/JSON/core/view/version/":
			io.WriteString(w, `{"version":"2.16.0"}`)
		case "/JSON/spider/action/scan/", "/JSON/ascan/action/scan/":
			io.WriteString(w, `{"scan":"1"}`)
		case "/JSON/spider/view/status/", "/JSON/ascan/view/status/":
			io.WriteString(w, `{"status":"100"}`)
		case "/JSON/pscan/view/recordsToScan/":
			io.WriteString(w, `{"recordsToScan":"0"}`)
		case "/JSON/core/view/alerts/":
			if r.URL.Query().Get("start") != "0" {
				io.WriteString(w, `{"alerts":[]}`)
				return
			}
			io.WriteString(w, `{"alerts":[{"pluginId":"40018","alertRef":"40018","name":"SQL Injection","risk":"High","confidence":"Medium","url":"http://app.test/item?id=1","method":"GET","param":"id","attack":"1'","evidence":"","cweid":"89","wascid":"19","description":"SQL injection may be possible.","solution":"Use prepared statements.","reference":"https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html","id":"1","messageId":"9"}]}`)
		default:
			w.WriteHeader(400)
			io.WriteString(w, `{"code":"bad_view","message":"No Implementor"}`)
		}
	}))
	t.Cleanup(zapSrv.Close)
	return zapSrv
}

// TestScanDastDrivesZAP runs scan dast --zap against a stand-in daemon
// answering the ZAP JSON API (https://www.zaproxy.org/docs/api/).
func TestScanDastDrivesZAP(t *testing.T) {
	var keyOK atomic.Bool
	zapSrv := newFakeZAP(t, &keyOK)
	ios, _, out, _ := iostreams.Test()
	st := &dastRecorder{}
	opts := &scanDastOptions{
		scanCommon: scanCommon{scanDeps: scanDeps{
			IO: ios, Now: time.Now, Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, false, false) },
			Store: func(context.Context) (scanStore, error) { return st, nil }, Output: "json",
		}, scanFlags: scanFlags{FailOn: findings.SeverityCritical}},
		URL: "http://app.test/", ZAP: zapSrv.URL, ZAPAPIKey: "k3y", MaxDuration: time.Minute,
	}
	if err := scanDastRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !keyOK.Load() {
		t.Error("a request lacked the X-ZAP-API-Key header")
	}
	var printed []findings.Finding
	if err := json.Unmarshal(out.Bytes(), &printed); err != nil || len(printed) != 1 {
		t.Fatalf("printed %d findings (%v): %s", len(printed), err, out.String())
	}
	f := printed[0]
	if f.GeneratorId != "secops/zap" || f.Severity.Label != findings.SeverityHigh || f.Resources[0].Id != "http://app.test/item" {
		t.Errorf("finding %+v", f)
	}
	if sc := st.imports[0].Scope; sc == nil || sc.GeneratorIds[0] != "secops/zap" || sc.Target != "http://app.test/" {
		t.Errorf("scope %+v", sc)
	}
}

// TestScanDastGateUsesStoredStatus: a finding suppressed in the store is
// shown so on the next scan and does not fail --fail-on.
func TestScanDastGateUsesStoredStatus(t *testing.T) {
	var keyOK atomic.Bool
	zapSrv := newFakeZAP(t, &keyOK)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "findings.db")
	ios, _, out, errOut := iostreams.Test()
	opts := &scanDastOptions{
		scanCommon: scanCommon{scanDeps: scanDeps{
			IO: ios, Now: time.Now, Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, false, false) },
			Store: func(ctx context.Context) (scanStore, error) { return localstore.Open(ctx, path) }, Output: "json",
		}, scanFlags: scanFlags{FailOn: findings.SeverityHigh}},
		URL: "http://app.test/", ZAP: zapSrv.URL, ZAPAPIKey: "k3y", MaxDuration: time.Minute,
	}
	var ce *codedError
	if err := scanDastRun(ctx, opts); !errors.As(err, &ce) || ce.code != exitFindings {
		t.Fatalf("first scan: err = %v, want the --fail-on exit", err)
	}
	st, err := localstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.Query(ctx, findings.Query{})
	if err != nil || len(list) != 1 {
		t.Fatalf("stored %d findings, err %v", len(list), err)
	}
	if _, err := st.Update(ctx, findings.Update{Ids: []string{list[0].Id}, Status: findings.WorkflowSuppressed}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out.Reset()
	errOut.Reset()
	if err := scanDastRun(ctx, opts); err != nil {
		t.Fatalf("suppressed finding failed the gate: %v", err)
	}
	if !strings.Contains(out.String(), `"Status": "SUPPRESSED"`) {
		t.Errorf("stdout does not show the stored status: %s", out.String())
	}
	if !strings.Contains(errOut.String(), "Gate: 1 finding at or above HIGH not counted") {
		t.Errorf("stderr = %s", errOut.String())
	}
}

// TestScanDastCredentialsInNoFormat scans a page that echoes the request
// headers and checks every output format for the --header credential.
func TestScanDastCredentialsInNoFormat(t *testing.T) {
	const secret = "Bearer tok-3f9a8b7c6d5e4f"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<pre>Traceback (most recent call last):\n  File \"app.py\"\nAuthorization: "+r.Header.Get("Authorization")+"</pre>")
	}))
	defer srv.Close()
	for _, format := range []string{"table", "json", "csv", "sarif", "asff"} {
		t.Run(format, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			opts := &scanDastOptions{
				scanCommon: scanCommon{scanDeps: scanDeps{
					IO: ios, Now: time.Now, Progress: func() *progress.Reporter { return progress.New(ios.ErrOut, true, true) },
					Output: format,
				}, scanFlags: scanFlags{NoStore: true}},
				URL: srv.URL, Rate: -1, Concurrency: 2, MaxDepth: 2, Timeout: 5 * time.Second, MaxDuration: time.Minute,
				Headers: []string{"Authorization: " + secret},
			}
			if err := scanDastRun(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "stack-trace-disclosure") && !strings.Contains(out.String(), "Stack trace") && !strings.Contains(out.String(), "stack trace") {
				t.Fatalf("the stack trace finding is missing from the %s output:\n%.500s", format, out.String())
			}
			for _, s := range []string{"tok-3f9a8b7c6d5e4f"} {
				if strings.Contains(out.String(), s) || strings.Contains(errOut.String(), s) {
					t.Errorf("%s output carries the --header credential", format)
				}
			}
		})
	}
}
