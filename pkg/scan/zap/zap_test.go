package zap

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
	"github.com/secops-dev/secops/pkg/progress"
)

// fakeZAP answers the ZAP JSON API (https://www.zaproxy.org/docs/api/)
// the way a daemon does: scan ids as strings, status percentages as
// strings, paginated alerts, errors as {"code","message"}.
type fakeZAP struct {
	t      *testing.T
	key    string
	alerts []Alert
	mu     sync.Mutex
	calls  []string
	polls  map[string]int
}

func (z *fakeZAP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	z.mu.Lock()
	z.calls = append(z.calls, r.URL.Path)
	if z.polls == nil {
		z.polls = map[string]int{}
	}
	z.polls[r.URL.Path]++
	n := z.polls[r.URL.Path]
	z.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("X-ZAP-API-Key") != z.key {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"code":"bad_api_key","message":"Bad API Key"}`))
		return
	}
	q := r.URL.Query()
	var out any
	switch r.URL.Path {
	case "/JSON/core/view/version/":
		out = map[string]string{"version": "2.16.0"}
	case "/JSON/spider/action/scan/", "/JSON/ascan/action/scan/":
		if q.Get("url") != "http://127.0.0.1:8080/" {
			z.t.Errorf("%s url = %q", r.URL.Path, q.Get("url"))
		}
		out = map[string]string{"scan": "3"}
	case "/JSON/spider/view/status/", "/JSON/ascan/view/status/":
		if q.Get("scanId") != "3" {
			z.t.Errorf("%s scanId = %q", r.URL.Path, q.Get("scanId"))
		}
		out = map[string]string{"status": strconv.Itoa(min(50*n, 100))}
	case "/JSON/ajaxSpider/action/scan/":
		out = map[string]string{"Result": "OK"}
	case "/JSON/ajaxSpider/view/status/":
		st := "running"
		if n > 1 {
			st = "stopped"
		}
		out = map[string]string{"status": st}
	case "/JSON/pscan/view/recordsToScan/":
		out = map[string]string{"recordsToScan": strconv.Itoa(max(0, 2-n))}
	case "/JSON/core/view/alerts/":
		if q.Get("baseurl") != "http://127.0.0.1:8080/" {
			z.t.Errorf("alerts baseurl = %q", q.Get("baseurl"))
		}
		start, _ := strconv.Atoi(q.Get("start"))
		count, _ := strconv.Atoi(q.Get("count"))
		end := min(start+count, len(z.alerts))
		page := []Alert{}
		if start < len(z.alerts) {
			page = z.alerts[start:end]
		}
		out = map[string]any{"alerts": page}
	default:
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"code":"bad_view","message":"No Implementor"}`))
		return
	}
	json.NewEncoder(w).Encode(out)
}

func loadAlerts(t *testing.T) []Alert {
	b, err := os.ReadFile("testdata/alerts.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Alerts []Alert `json:"alerts"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Alerts
}

func TestScanDrivesZAP(t *testing.T) {
	z := &fakeZAP{t: t, key: "k3y", alerts: loadAlerts(t)}
	srv := httptest.NewServer(z)
	defer srv.Close()
	c, err := NewClient(srv.URL, "k3y", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	prog := progress.New(&out, false, true).WithHeartbeat(time.Hour)
	alerts, err := Scan(context.Background(), c, Options{Target: "http://127.0.0.1:8080/", Ajax: true, Poll: time.Millisecond,
		Progress: prog})
	prog.Done("")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 6 {
		t.Fatalf("got %d alerts, want 6", len(alerts))
	}
	want := []string{
		"/JSON/core/view/version/",
		"/JSON/spider/action/scan/", "/JSON/spider/view/status/", "/JSON/spider/view/status/",
		"/JSON/ajaxSpider/action/scan/", "/JSON/ajaxSpider/view/status/", "/JSON/ajaxSpider/view/status/",
		"/JSON/pscan/view/recordsToScan/", "/JSON/pscan/view/recordsToScan/",
		"/JSON/ascan/action/scan/", "/JSON/ascan/view/status/", "/JSON/ascan/view/status/",
		"/JSON/core/view/alerts/",
	}
	if strings.Join(z.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("API calls:\n%s\nwant:\n%s", strings.Join(z.calls, "\n"), strings.Join(want, "\n"))
	}
	if len(lines) < 5 {
		t.Errorf("progress lines: %q", lines)
	}
}

func TestAlertsPaginate(t *testing.T) {
	z := &fakeZAP{t: t, key: "k", alerts: loadAlerts(t)}
	srv := httptest.NewServer(z)
	defer srv.Close()
	c, _ := NewClient(srv.URL, "k", nil)
	got, err := c.Alerts(context.Background(), "http://127.0.0.1:8080/", 4)
	if err != nil || len(got) != 6 {
		t.Fatalf("got %d alerts, err %v", len(got), err)
	}
	if z.polls["/JSON/core/view/alerts/"] != 2 {
		t.Errorf("pages fetched: %d, want 2", z.polls["/JSON/core/view/alerts/"])
	}
}

func TestBadAPIKey(t *testing.T) {
	srv := httptest.NewServer(&fakeZAP{t: t, key: "right"})
	defer srv.Close()
	c, _ := NewClient(srv.URL, "wrong", nil)
	_, err := Scan(context.Background(), c, Options{Target: "http://127.0.0.1:8080/"})
	if err == nil || !strings.Contains(err.Error(), "Bad API Key (bad_api_key)") || !strings.Contains(err.Error(), "--zap-api-key") {
		t.Errorf("err = %v", err)
	}
	c2, _ := NewClient("http://127.0.0.1:1", "", &http.Client{Timeout: time.Second})
	if _, err := c2.Version(context.Background()); err == nil || !strings.Contains(err.Error(), "is the ZAP daemon running") {
		t.Errorf("unreachable daemon: %v", err)
	}
}

func TestToFindings(t *testing.T) {
	prov := findings.LocalProvenance(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "OWASP ZAP")
	fs, err := ToFindings(loadAlerts(t), "http://127.0.0.1:8080/", prov)
	if err != nil {
		t.Fatal(err)
	}
	// 6 alerts, 6 findings: the two XSS instances differ in their query,
	// and the alert marked False Positive in ZAP is kept, suppressed.
	type row struct{ sev, title, res, rule, conf, workflow string }
	var got []row
	for _, f := range fs {
		c := ""
		if f.Confidence != nil {
			c = strconv.Itoa(int(*f.Confidence))
		}
		got = append(got, row{f.Severity.Label, f.Title, f.Resources[0].Id, f.ProductFields[findings.FieldRuleID], c, f.WorkflowStatus()})
		if err := f.Validate(); err != nil {
			t.Error(err)
		}
		if f.GeneratorId != GeneratorID || f.ProductFields[findings.FieldTarget] != "http://127.0.0.1:8080/" {
			t.Errorf("%s: generator %q target %q", f.Title, f.GeneratorId, f.ProductFields[findings.FieldTarget])
		}
		if strings.Contains(f.Description, "<p>") {
			t.Errorf("%s: HTML in the description %q", f.Title, f.Description)
		}
	}
	want := []row{
		{"HIGH", "SQL Injection - MySQL", "http://127.0.0.1:8080/safe/product", "40019", "0", "SUPPRESSED"},
		{"HIGH", "Cross Site Scripting (Reflected)", "http://127.0.0.1:8080/greet", "40012", "60", "NEW"},
		{"HIGH", "Cross Site Scripting (Reflected)", "http://127.0.0.1:8080/greet", "40012", "60", "NEW"},
		{"MEDIUM", "Content Security Policy (CSP) Header Not Set", "http://127.0.0.1:8080/", "10038", "90", "NEW"},
		{"LOW", `Server Leaks Version Information via "Server" HTTP Response Header Field`, "http://127.0.0.1:8080/", "10036", "90", "NEW"},
		{"INFORMATIONAL", "Information Disclosure - Suspicious Comments", "http://127.0.0.1:8080/", "10027", "30", "NEW"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	var xss findings.Finding
	for _, f := range fs {
		if f.ProductFields["zap/URI"] == "http://127.0.0.1:8080/greet?name=%3Cimg+src%3Dx+onerror%3Dalert%281%29%3E" {
			xss = f
		}
	}
	if xss.Id != findings.NewID(GeneratorID, xss.ProductFields["zap/URI"], "GET\x00name\x00<img src=x onerror=alert(1)>\x00<img src=x onerror=alert(1)>", "40012") {
		t.Errorf("xss id %s", xss.Id)
	}
	if xss.Remediation.Recommendation.Url != "https://owasp.org/www-community/attacks/xss/" {
		t.Errorf("remediation %+v", xss.Remediation.Recommendation)
	}
	if xss.ProductFields["zap/CWE"] != "CWE-79" || xss.ProductFields["zap/Param"] != "name" || xss.ProductFields["zap/AlertRef"] != "40012" {
		t.Errorf("fields %v", xss.ProductFields)
	}
	// The evidence (here the echoed payload; elsewhere a token or
	// personal data) feeds the Id and is not kept.
	for _, f := range fs {
		for k, v := range f.ProductFields {
			if strings.Contains(k, "Evidence") || (v == "Apache/2.4.49 (Unix)") {
				t.Errorf("%s keeps the evidence in %s", f.Title, k)
			}
		}
	}
}

// TestAPIAndReportGiveTheSameFindings converts the same alerts as ZAP's API
// answers them and as ZAP's report lists them (testdata/report.json holds
// the alerts of alerts.json): the findings, Ids included, are the same.
func TestAPIAndReportGiveTheSameFindings(t *testing.T) {
	prov := findings.LocalProvenance(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "secops")
	fromAPI, err := ToFindings(loadAlerts(t), "http://127.0.0.1:8080/", prov)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/report.json")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := importer.Detect(data); err != nil || f != importer.FormatZAP {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	fromReport, err := importer.Parse(context.Background(), importer.FormatZAP, data, prov)
	if err != nil {
		t.Fatal(err)
	}
	byID := func(list []findings.Finding) map[string]string {
		m := map[string]string{}
		for _, f := range list {
			b, _ := json.MarshalIndent(f, "", "  ")
			m[f.Id] = string(b)
		}
		return m
	}
	api, rep := byID(fromAPI), byID(fromReport)
	if len(api) != 6 || len(rep) != len(api) {
		t.Fatalf("%d findings from the API, %d from the report; want 6 each", len(api), len(rep))
	}
	for id, a := range api {
		r, ok := rep[id]
		if !ok {
			t.Errorf("finding %s from the API has no twin from the report", id)
			continue
		}
		if a != r {
			t.Errorf("finding %s differs:\nAPI:    %s\nreport: %s", id, a, r)
		}
	}
}

func TestScanInterruptedKeepsAlerts(t *testing.T) {
	z := &fakeZAP{t: t, key: "", alerts: loadAlerts(t)[:2]}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/JSON/ascan/view/status/" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"status":"10"}`))
			return
		}
		z.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	alerts, err := Scan(ctx, c, Options{Target: "http://127.0.0.1:8080/", Poll: 20 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "active scan") {
		t.Errorf("err = %v", err)
	}
	if len(alerts) != 2 {
		t.Errorf("kept %d alerts, want 2", len(alerts))
	}
}
