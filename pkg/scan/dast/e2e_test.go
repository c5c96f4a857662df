package dast

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/demo"
	"github.com/secops-dev/secops/pkg/findings"
)

type answerKey struct {
	Vulnerable []struct {
		Check     string `json:"check"`
		Path      string `json:"path"`
		Parameter string `json:"parameter"`
		TLSOnly   bool   `json:"tls_only"`
	} `json:"vulnerable"`
	SafePaths []string `json:"safe_paths"`
}

func loadAnswerKey(t *testing.T) answerKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dast", "answer-key.json"))
	if err != nil {
		t.Fatal(err)
	}
	var k answerKey
	if err := json.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	return k
}

// recorder wraps a handler and remembers every path it served.
type recorder struct {
	h     http.Handler
	mu    sync.Mutex
	paths map[string]int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	if r.paths == nil {
		r.paths = map[string]int{}
	}
	r.paths[req.URL.Path]++
	r.mu.Unlock()
	r.h.ServeHTTP(w, req)
}

func (r *recorder) count(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paths[path]
}

// TestScanDemoMatchesAnswerKey scans the demo app over HTTPS and checks
// that the findings are exactly the planted vulnerabilities: every one
// found, nothing reported on the safe twins, nothing else.
func TestScanDemoMatchesAnswerKey(t *testing.T) {
	for _, tls := range []bool{true, false} {
		name := "http"
		if tls {
			name = "https"
		}
		t.Run(name, func(t *testing.T) { scanDemo(t, tls) })
	}
}

func scanDemo(t *testing.T, tls bool) {
	key := loadAnswerKey(t)
	app := demo.New()
	rec := &recorder{h: app.Handler()}
	srv := httptest.NewUnstartedServer(rec)
	// The demo's SSRF endpoint fetching plain http from a TLS port logs
	// handshake errors; they are expected.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	defer srv.Close()

	res, err := Scan(context.Background(), Options{
		Target:      srv.URL + "/",
		Rate:        -1,
		Concurrency: 6,
		MaxDuration: 60 * time.Second,
		Transport:   srv.Client().Transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("requests %d, pages %d, targets %d, parameters %d, time %s", res.Stats.Requests, res.Stats.Pages, res.Stats.Targets, res.Stats.Parameters, res.Stats.Duration.Round(time.Millisecond))
	for _, w := range res.Warnings {
		t.Logf("warning: %s", w)
	}
	if res.Incomplete {
		t.Errorf("scan incomplete")
	}

	want := map[string]bool{}
	for _, v := range key.Vulnerable {
		if v.TLSOnly && !tls {
			continue
		}
		want[fmt.Sprintf("%s %s %s", v.Check, v.Path, v.Parameter)] = true
	}
	got := map[string]Issue{}
	for _, i := range res.Issues {
		got[fmt.Sprintf("%s %s %s", i.Check, i.Path(), i.Param)] = i
	}
	var missing, extra []string
	for k := range want {
		if _, ok := got[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k, i := range got {
		if !want[k] {
			extra = append(extra, k+"\n    "+strings.ReplaceAll(i.Request, "\n", "\n    ")+"\n    ---\n    "+strings.ReplaceAll(i.Response, "\n", "\n    "))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("missed %d planted vulnerabilities:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("%d findings not in the answer key:\n  %s", len(extra), strings.Join(extra, "\n  "))
	}
	for _, i := range res.Issues {
		for _, sp := range key.SafePaths {
			if i.Path() == sp {
				t.Errorf("false positive on safe twin %s: %s %s", sp, i.Check, i.Param)
			}
		}
	}
	// The safe twins were really scanned, so "nothing reported" means
	// something; and the key lists the demo's own safe paths.
	if strings.Join(key.SafePaths, " ") != strings.Join(demo.SafePaths(), " ") {
		t.Errorf("answer key safe paths %v differ from the demo's %v", key.SafePaths, demo.SafePaths())
	}
	for _, sp := range key.SafePaths {
		if n := rec.count(sp); n < 2 {
			t.Errorf("safe twin %s received %d requests; it was not tested", sp, n)
		}
	}
	if n := app.Wiped(); n != 0 {
		t.Errorf("the feedback form's Clear all button was pressed %d times; destructive buttons must not be pressed", n)
	}
	for _, p := range []string{"/logout", "/account/delete"} {
		if n := rec.count(p); n != 0 {
			t.Errorf("the scanner requested %s %d times; destructive links must not be followed", p, n)
		}
	}
	// Every issue converts to valid ASFF.
	prov := findings.LocalProvenance(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "secops")
	fs, err := res.Findings(prov)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != len(want) {
		t.Errorf("got %d findings, want %d", len(fs), len(want))
	}
	for _, f := range fs {
		if f.GeneratorId != GeneratorID || f.ProductFields[findings.FieldTarget] != srv.URL+"/" || f.Resources[0].Type != "Other" {
			t.Errorf("finding %s: generator %q, target %q, resource %+v", f.Id, f.GeneratorId, f.ProductFields[findings.FieldTarget], f.Resources[0])
		}
	}
}
