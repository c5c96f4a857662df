package sonarqube

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secops-dev/secops/internal/sharedtest"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
)

var prov = findings.Provenance{AwsAccountId: "111122223333", Region: "eu-west-1", Partition: "aws",
	ProductName: "secops", CompanyName: "secops", Now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}

// fakeServer answers api/issues/search and api/hotspots/search from lists
// of raw results, paging them like SonarQube does, and records requests.
type fakeServer struct {
	t        *testing.T
	issues   []json.RawMessage
	hotspots []json.RawMessage
	// total overrides paging.total (to simulate more results than served).
	total int
	// fail answers the first n requests with this status.
	failStatus int
	failN      int
	retryAfter string

	mu       sync.Mutex
	requests []*http.Request
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	fail := s.failN > 0
	if fail {
		s.failN--
	}
	s.mu.Unlock()
	if fail {
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
		w.WriteHeader(s.failStatus)
		fmt.Fprint(w, `{"errors":[{"msg":"Service unavailable"}]}`)
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != "squ_testtoken" || pass != "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	p, _ := strconv.Atoi(r.URL.Query().Get("p"))
	ps, _ := strconv.Atoi(r.URL.Query().Get("ps"))
	if p < 1 || ps < 1 || ps > MaxPageSize {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"errors":[{"msg":"bad paging"}]}`)
		return
	}
	if p*ps > SearchLimit {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"errors":[{"msg":"Can return only the first %d results. %dth result asked."}]}`, SearchLimit, p*ps)
		return
	}
	var all []json.RawMessage
	key := ""
	switch r.URL.Path {
	case "/api/issues/search":
		all, key = s.issues, "issues"
	case "/api/hotspots/search":
		all, key = s.hotspots, "hotspots"
	default:
		w.WriteHeader(http.StatusNotFound)
		return
	}
	from, to := min((p-1)*ps, len(all)), min(p*ps, len(all))
	total := len(all)
	if s.total > 0 {
		total = s.total
	}
	page := map[string]any{
		"paging":     map[string]int{"pageIndex": p, "pageSize": ps, "total": total},
		key:          all[from:to],
		"components": []any{},
	}
	if key == "issues" {
		page["total"], page["p"], page["ps"] = total, p, ps
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

// clone makes n results from a template, each with its own key and line.
func clone(t *testing.T, file string, n int) []json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]json.RawMessage, n)
	for i := range out {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		m["key"] = fmt.Sprintf("AZ%06d", i)
		m["line"] = i + 1
		out[i], _ = json.Marshal(m)
	}
	return out
}

func noSleep(slept *[]time.Duration) func(context.Context, time.Duration) error {
	return func(_ context.Context, d time.Duration) error {
		*slept = append(*slept, d)
		return nil
	}
}

func TestPullPaginatesIssuesAndHotspots(t *testing.T) {
	srv := &fakeServer{t: t, issues: clone(t, "issue.json", 5), hotspots: clone(t, "hotspot.json", 3)}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var slept []time.Duration
	list, err := Pull(context.Background(), Options{URL: ts.URL + "/", ProjectKey: "shop", Token: "squ_testtoken", PageSize: 2,
		Hotspots: true, Provenance: prov, Sleep: noSleep(&slept)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 8 {
		t.Fatalf("got %d findings, want 5 issues + 3 hotspots", len(list))
	}
	var paths []string
	for _, r := range srv.requests {
		paths = append(paths, r.URL.Path+"?p="+r.URL.Query().Get("p"))
	}
	want := "/api/issues/search?p=1 /api/issues/search?p=2 /api/issues/search?p=3 /api/hotspots/search?p=1 /api/hotspots/search?p=2"
	if strings.Join(paths, " ") != want {
		t.Errorf("requests = %v, want %s", paths, want)
	}
	q := srv.requests[0].URL.Query()
	for k, v := range map[string]string{"componentKeys": "shop", "types": "VULNERABILITY,BUG,CODE_SMELL", "statuses": "OPEN,CONFIRMED,REOPENED", "ps": "2"} {
		if q.Get(k) != v {
			t.Errorf("issues query %s = %q, want %q", k, q.Get(k), v)
		}
	}
	hq := srv.requests[3].URL.Query()
	if hq.Get("projectKey") != "shop" || hq.Get("status") != "TO_REVIEW" {
		t.Errorf("hotspots query = %v", hq)
	}
	auth := srv.requests[0].Header.Get("Authorization")
	if auth != "Basic "+base64.StdEncoding.EncodeToString([]byte("squ_testtoken:")) {
		t.Errorf("Authorization = %q, want the token as basic user with an empty password", auth)
	}
	if len(slept) != 0 {
		t.Errorf("slept %v without a failure", slept)
	}
	f := list[0]
	if f.ProductName != "SonarQube" || f.Severity.Label != "HIGH" || f.Severity.Original != "CRITICAL" ||
		f.ProductFields[findings.FieldPath] != "app/db.py" || f.ProductFields[findings.FieldStartLine] != "1" ||
		f.SourceUrl != ts.URL+"/project/issues?id=shop&open=AZ000000" {
		t.Errorf("first finding = %s %s/%s %v %s", f.ProductName, f.Severity.Label, f.Severity.Original, f.ProductFields, f.SourceUrl)
	}
	h := list[5]
	if h.ProductFields["sonarqube/Type"] != "SECURITY_HOTSPOT" || h.Severity.Label != "HIGH" || h.ProductFields[findings.FieldRuleID] != "python:S2068" {
		t.Errorf("first hotspot = %v %v", h.Severity, h.ProductFields)
	}
	ids := map[string]bool{}
	for i := range list {
		if err := list[i].Validate(); err != nil {
			t.Error(err)
		}
		ids[list[i].Id] = true
	}
	if len(ids) != 8 {
		t.Errorf("%d distinct Ids among 8 findings", len(ids))
	}
}

func TestPullSelectsTypesAndStatuses(t *testing.T) {
	issues := clone(t, "issue.json", 1)
	var m map[string]any
	_ = json.Unmarshal(issues[0], &m)
	m["branch"] = "feature/login"
	issues[0], _ = json.Marshal(m)
	srv := &fakeServer{t: t, issues: issues}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	list, err := Pull(context.Background(), Options{URL: ts.URL, ProjectKey: "shop", Token: "squ_testtoken",
		Types: []string{"vulnerability"}, Statuses: []string{"OPEN"}, Organization: "acme", Branch: "feature/login", Provenance: prov})
	if err != nil {
		t.Fatal(err)
	}
	q := srv.requests[0].URL.Query()
	if q.Get("types") != "VULNERABILITY" || q.Get("statuses") != "OPEN" || q.Get("ps") != "500" ||
		q.Get("organization") != "acme" || q.Get("branch") != "feature/login" || q.Has("pullRequest") {
		t.Errorf("query = %v", q)
	}
	if got := list[0].ProductFields[findings.FieldTarget]; got != "shop@feature/login" {
		t.Errorf("target = %q, want the project at its branch", got)
	}
	if len(srv.requests) != 1 {
		t.Errorf("%d requests, want 1 (no hotspots unless asked)", len(srv.requests))
	}
}

func TestPullStopsAtTheSearchLimit(t *testing.T) {
	srv := &fakeServer{t: t, issues: clone(t, "issue.json", SearchLimit), total: 12345}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var warnings []string
	list, err := Pull(context.Background(), Options{URL: ts.URL, ProjectKey: "shop", Token: "squ_testtoken", PageSize: 300,
		Provenance: prov, Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	// 33 pages of 300 stay under 10,000; a 34th would ask for result 10,200.
	if len(list) != 9900 || len(srv.requests) != 33 {
		t.Errorf("got %d findings in %d requests, want 9900 in 33", len(list), len(srv.requests))
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "at most 10000 issues") || !strings.Contains(warnings[0], "pulled 9900 of 12345") {
		t.Errorf("warnings = %q", warnings)
	}
}

func TestPullRetries(t *testing.T) {
	for _, tt := range []struct {
		name       string
		status     int
		retryAfter string
		wantSleep  []time.Duration
	}{
		{"503 backs off", http.StatusServiceUnavailable, "", []time.Duration{time.Second, 2 * time.Second}},
		{"429 honours Retry-After", http.StatusTooManyRequests, "7", []time.Duration{7 * time.Second, 7 * time.Second}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := &fakeServer{t: t, issues: clone(t, "issue.json", 2), failStatus: tt.status, failN: 2, retryAfter: tt.retryAfter}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			var slept []time.Duration
			list, err := Pull(context.Background(), Options{URL: ts.URL, ProjectKey: "shop", Token: "squ_testtoken", Provenance: prov, Sleep: noSleep(&slept)})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || fmt.Sprint(slept) != fmt.Sprint(tt.wantSleep) {
				t.Errorf("got %d findings after sleeping %v, want 2 after %v", len(list), slept, tt.wantSleep)
			}
		})
	}
	srv := &fakeServer{t: t, failStatus: http.StatusBadGateway, failN: 100}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var slept []time.Duration
	_, err := Pull(context.Background(), Options{URL: ts.URL, ProjectKey: "shop", Token: "squ_testtoken", Provenance: prov, Sleep: noSleep(&slept), Retries: 3})
	if err == nil || !strings.Contains(err.Error(), "502") || !strings.Contains(err.Error(), "Service unavailable") {
		t.Errorf("err = %v, want the 502 and the server's message", err)
	}
	if len(srv.requests) != 4 {
		t.Errorf("%d requests, want 1 + 3 retries", len(srv.requests))
	}
}

func TestPullErrors(t *testing.T) {
	srv := &fakeServer{t: t, issues: clone(t, "issue.json", 1)}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"bad token", Options{URL: ts.URL, ProjectKey: "shop", Token: "wrong"}, "refused the token (401): set SONAR_TOKEN"},
		{"no URL", Options{ProjectKey: "shop"}, "no server URL"},
		{"not a URL", Options{URL: "sonar.example.com", ProjectKey: "shop"}, "is not a server URL"},
		{"token in URL", Options{URL: "https://tok@sonar.example.com", ProjectKey: "shop"}, "not in the URL"},
		{"no project", Options{URL: ts.URL}, "no project key"},
		{"wrong path", Options{URL: ts.URL + "/nothing-here", ProjectKey: "shop", Token: "squ_testtoken"}, "not found (404)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Pull(context.Background(), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "squ_testtoken") {
				t.Errorf("the token leaked into the error: %v", err)
			}
		})
	}
	// A closed port fails at once instead of after every retry.
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	var slept []time.Duration
	if _, err := Pull(context.Background(), Options{URL: closedURL, ProjectKey: "shop", Sleep: noSleep(&slept)}); err == nil ||
		!strings.Contains(err.Error(), "is the server reachable?") || len(slept) != 0 {
		t.Errorf("closed port: err = %v after sleeping %v", err, slept)
	}
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>login</html>") }))
	defer html.Close()
	if _, err := Pull(context.Background(), Options{URL: html.URL, ProjectKey: "shop"}); err == nil || !strings.Contains(err.Error(), "is --url the SonarQube server") {
		t.Errorf("HTML answer: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Pull(ctx, Options{URL: ts.URL, ProjectKey: "shop", Token: "squ_testtoken"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestPullMatchesImport serves real api/issues/search answers (read in
// place from ../shared/reports/sonarqube) page by page and checks that
// pulling them gives exactly the findings importing the file gives.
func TestPullMatchesImport(t *testing.T) {
	dir := sharedtest.Dir(t, "reports", "sonarqube")
	for _, file := range []string{"api-issues-dvpwa.json", "api-issues-analysis-model.json", "dd-findings_over_api_hotspots.json"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, file))
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("real SonarQube answers not found in %s", dir)
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Issues   []json.RawMessage `json:"issues"`
				Hotspots []json.RawMessage `json:"hotspots"`
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			srv := &fakeServer{t: t, issues: doc.Issues, hotspots: doc.Hotspots}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			pulled, err := Pull(context.Background(), Options{URL: ts.URL, ProjectKey: "p", Token: "squ_testtoken", PageSize: 10, Hotspots: true, HotspotStatus: "ALL", Provenance: prov})
			if err != nil {
				t.Fatal(err)
			}
			imported, err := importer.Parse(context.Background(), importer.FormatSonarQube, data, prov)
			if err != nil {
				t.Fatal(err)
			}
			if len(pulled) != len(imported) || len(pulled) != len(doc.Issues)+len(doc.Hotspots) {
				t.Fatalf("pulled %d, imported %d, file has %d", len(pulled), len(imported), len(doc.Issues)+len(doc.Hotspots))
			}
			for i := range pulled {
				if pulled[i].Id != imported[i].Id || pulled[i].Severity.Original != imported[i].Severity.Original || pulled[i].Title != imported[i].Title {
					t.Errorf("#%d pulled %s %s, imported %s %s", i, pulled[i].Id, pulled[i].Title, imported[i].Id, imported[i].Title)
				}
			}
		})
	}
}
