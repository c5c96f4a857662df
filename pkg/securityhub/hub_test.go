package securityhub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secops-dev/secops/pkg/findings"
)

const testAccount = "123456789012"

// fakeClock is simulated time: sleeping advances it at once.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

// request is what fakeHub saw of one HTTP request.
type request struct {
	op         string
	at         time.Time
	bodyBytes  int
	batch      int
	maxResults int
	nextToken  string
	filters    map[string]json.RawMessage
	sort       []map[string]string
	status     int
}

// fakeHub speaks Security Hub's restJson1 protocol as the AWS SDK for Go
// v2 sends it (GetFindings POST /findings, BatchImportFindings POST
// /findings/import, BatchUpdateFindings PATCH /findings/batchupdate, errors
// as X-Amzn-Errortype plus {"message": …}) and STS GetCallerIdentity
// (awsQuery), keeps the findings it accepts, and evaluates the filters
// secops sends.
type fakeHub struct {
	t     testing.TB
	clock *fakeClock

	mu       sync.Mutex
	stored   []map[string]any // in import order
	index    map[string]int   // ProductArn + "|" + Id → stored index
	received map[string]int   // Id → times accepted
	requests []request
	// throttle decides whether the n-th request (from 0) of op is answered
	// 429 with the given error type.
	throttle func(op string, n int, body []byte) string
	// refuse decides whether BatchImportFindings reports a finding in
	// FailedFindings.
	refuse func(id string) (code, message string, ok bool)
	// fail answers every request of op with this error.
	fail    map[string]apiError
	opCount map[string]int
}

type apiError struct {
	status int
	code   string
	msg    string
}

func newFakeHub(t testing.TB, clock *fakeClock) *fakeHub {
	return &fakeHub{t: t, clock: clock, index: map[string]int{}, received: map[string]int{}, fail: map[string]apiError{}, opCount: map[string]int{}}
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.t.Errorf("read body: %v", err)
	}
	op := ""
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/" && strings.Contains(string(body), "Action=GetCallerIdentity"):
		op = "GetCallerIdentity"
	case r.Method == http.MethodPost && r.URL.Path == "/findings":
		op = "GetFindings"
	case r.Method == http.MethodPost && r.URL.Path == "/findings/import":
		op = "BatchImportFindings"
	case r.Method == http.MethodPatch && r.URL.Path == "/findings/batchupdate":
		op = "BatchUpdateFindings"
	default:
		h.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		writeError(w, 404, "UnknownOperationException", "no such operation")
		return
	}
	if op != "GetCallerIdentity" && !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
		h.t.Errorf("%s: request not signed with the test credentials: %q", op, r.Header.Get("Authorization"))
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.opCount[op]
	h.opCount[op]++
	req := request{op: op, at: h.clock.Now(), bodyBytes: len(body), status: 200}
	defer func() { h.requests = append(h.requests, req) }()

	if e, ok := h.fail[op]; ok {
		req.status = e.status
		writeError(w, e.status, e.code, e.msg)
		return
	}
	if h.throttle != nil {
		if code := h.throttle(op, n, body); code != "" {
			req.status = 429
			writeError(w, 429, code, "Rate exceeded")
			return
		}
	}
	switch op {
	case "GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/ci</Arn><UserId>AIDATEST</UserId><Account>%s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, testAccount, testAccount)
	case "GetFindings":
		h.getFindings(w, body, &req)
	case "BatchImportFindings":
		h.batchImport(w, body, &req)
	case "BatchUpdateFindings":
		h.batchUpdate(w, body)
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (h *fakeHub) batchImport(w http.ResponseWriter, body []byte, req *request) {
	var in struct{ Findings []map[string]any }
	if err := json.Unmarshal(body, &in); err != nil {
		h.t.Errorf("BatchImportFindings body: %v", err)
	}
	req.batch = len(in.Findings)
	type failed struct{ Id, ErrorCode, ErrorMessage string }
	var out struct {
		FailedCount    int
		SuccessCount   int
		FailedFindings []failed
	}
	for _, f := range in.Findings {
		id, _ := f["Id"].(string)
		arn, _ := f["ProductArn"].(string)
		if f["AwsAccountId"] != testAccount || arn != findings.DefaultProductArn("aws", "us-east-1", testAccount) && !strings.Contains(arn, "::product/") {
			out.FailedFindings = append(out.FailedFindings, failed{id, "AccessDeniedException", "caller account does not match AwsAccountId"})
			continue
		}
		if h.refuse != nil {
			if code, msg, ok := h.refuse(id); ok {
				out.FailedFindings = append(out.FailedFindings, failed{id, code, msg})
				continue
			}
		}
		k := arn + "|" + id
		if i, ok := h.index[k]; ok {
			// Workflow and Note are not the importer's to change.
			f["Workflow"], f["Note"] = h.stored[i]["Workflow"], h.stored[i]["Note"]
			h.stored[i] = f
		} else {
			if f["Workflow"] == nil {
				f["Workflow"] = map[string]any{"Status": "NEW"}
			}
			h.index[k] = len(h.stored)
			h.stored = append(h.stored, f)
		}
		h.received[id]++
	}
	out.FailedCount = len(out.FailedFindings)
	out.SuccessCount = len(in.Findings) - out.FailedCount
	writeJSON(w, out)
}

func (h *fakeHub) getFindings(w http.ResponseWriter, body []byte, req *request) {
	var in struct {
		Filters      map[string]json.RawMessage
		MaxResults   int
		NextToken    string
		SortCriteria []map[string]string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		h.t.Errorf("GetFindings body: %v", err)
	}
	req.maxResults, req.nextToken, req.filters, req.sort = in.MaxResults, in.NextToken, in.Filters, in.SortCriteria
	if in.MaxResults < 1 || in.MaxResults > 100 {
		writeError(w, 400, "InvalidInputException", "MaxResults must be a number between 1 and 100")
		return
	}
	var match []map[string]any
	for _, f := range h.stored {
		ok, err := matchFilters(f, in.Filters)
		if err != nil {
			writeError(w, 400, "InvalidInputException", err.Error())
			return
		}
		if ok {
			match = append(match, f)
		}
	}
	if len(in.SortCriteria) > 0 {
		field, order := in.SortCriteria[0]["Field"], in.SortCriteria[0]["SortOrder"]
		sort.SliceStable(match, func(i, j int) bool {
			a, b := sortValue(match[i], field), sortValue(match[j], field)
			if order == "desc" {
				return a > b
			}
			return a < b
		})
	}
	start, _ := strconv.Atoi(in.NextToken)
	end := min(start+in.MaxResults, len(match))
	out := map[string]any{"Findings": match[start:end]}
	if end < len(match) {
		out["NextToken"] = strconv.Itoa(end)
	}
	writeJSON(w, out)
}

func sortValue(f map[string]any, field string) string {
	switch field {
	case "SeverityNormalized":
		sev, _ := f["Severity"].(map[string]any)
		n, _ := sev["Normalized"].(float64)
		return fmt.Sprintf("%03d", int(n))
	default:
		s, _ := f[field].(string)
		return s
	}
}

// attribute returns the values a filter key refers to in a finding.
func attribute(f map[string]any, key string) ([]string, bool) {
	str := func(v any) []string {
		if s, ok := v.(string); ok {
			return []string{s}
		}
		return nil
	}
	sub := func(obj, field string) []string {
		m, _ := f[obj].(map[string]any)
		return str(m[field])
	}
	switch key {
	case "Id", "ProductArn", "ProductName", "GeneratorId", "AwsAccountId", "Title":
		return str(f[key]), true
	case "RecordState":
		if v := str(f[key]); v != nil {
			return v, true
		}
		return []string{"ACTIVE"}, true
	case "SeverityLabel":
		return sub("Severity", "Label"), true
	case "WorkflowStatus":
		return sub("Workflow", "Status"), true
	case "Type":
		var out []string
		types, _ := f["Types"].([]any)
		for _, t := range types {
			out = append(out, str(t)...)
		}
		return out, true
	case "ResourceId":
		var out []string
		res, _ := f["Resources"].([]any)
		for _, r := range res {
			m, _ := r.(map[string]any)
			out = append(out, str(m["Id"])...)
		}
		return out, true
	}
	return nil, false
}

func matchFilters(f map[string]any, filters map[string]json.RawMessage) (bool, error) {
	for key, raw := range filters {
		switch key {
		case "UpdatedAt":
			var dfs []struct{ Start, End string }
			if err := json.Unmarshal(raw, &dfs); err != nil {
				return false, err
			}
			ts, _ := f["UpdatedAt"].(string)
			t, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil {
				return false, nil
			}
			for _, d := range dfs {
				start, err1 := time.Parse(time.RFC3339Nano, d.Start)
				end, err2 := time.Parse(time.RFC3339Nano, d.End)
				if err1 != nil || err2 != nil {
					return false, fmt.Errorf("UpdatedAt filter needs Start and End timestamps")
				}
				if t.Before(start) || t.After(end) {
					return false, nil
				}
			}
		case "ProductFields":
			var mfs []struct{ Key, Value, Comparison string }
			if err := json.Unmarshal(raw, &mfs); err != nil {
				return false, err
			}
			pf, _ := f["ProductFields"].(map[string]any)
			hit := false
			for _, m := range mfs {
				if m.Comparison != "EQUALS" {
					return false, fmt.Errorf("unsupported map comparison %s", m.Comparison)
				}
				if v, _ := pf[m.Key].(string); v == m.Value {
					hit = true
				}
			}
			if !hit {
				return false, nil
			}
		default:
			var sfs []struct{ Value, Comparison string }
			if err := json.Unmarshal(raw, &sfs); err != nil {
				return false, err
			}
			if len(sfs) > 20 {
				return false, fmt.Errorf("too many values for %s", key)
			}
			values, known := attribute(f, key)
			if !known {
				return false, fmt.Errorf("filter %s not supported by the fake", key)
			}
			hit := false
			for _, sf := range sfs {
				for _, v := range values {
					switch sf.Comparison {
					case "EQUALS":
						hit = hit || v == sf.Value
					case "PREFIX":
						hit = hit || strings.HasPrefix(v, sf.Value)
					case "CONTAINS":
						hit = hit || strings.Contains(v, sf.Value)
					default:
						return false, fmt.Errorf("unsupported comparison %s", sf.Comparison)
					}
				}
			}
			if !hit {
				return false, nil
			}
		}
	}
	return true, nil
}

func (h *fakeHub) batchUpdate(w http.ResponseWriter, body []byte) {
	var in struct {
		FindingIdentifiers []struct{ Id, ProductArn string }
		Workflow           *struct{ Status string }
		Note               *struct{ Text, UpdatedBy string }
		Severity           *struct{ Label string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		h.t.Errorf("BatchUpdateFindings body: %v", err)
	}
	type ident struct{ Id, ProductArn string }
	var out struct {
		ProcessedFindings   []ident
		UnprocessedFindings []map[string]any
	}
	for _, fi := range in.FindingIdentifiers {
		i, ok := h.index[fi.ProductArn+"|"+fi.Id]
		if !ok {
			out.UnprocessedFindings = append(out.UnprocessedFindings, map[string]any{
				"FindingIdentifier": ident(fi), "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"})
			continue
		}
		f := h.stored[i]
		if in.Workflow != nil {
			f["Workflow"] = map[string]any{"Status": in.Workflow.Status}
		}
		if in.Note != nil {
			f["Note"] = map[string]any{"Text": in.Note.Text, "UpdatedBy": in.Note.UpdatedBy, "UpdatedAt": findings.FormatTime(h.clock.Now())}
		}
		if in.Severity != nil {
			f["Severity"] = map[string]any{"Label": in.Severity.Label}
		}
		out.ProcessedFindings = append(out.ProcessedFindings, ident(fi))
	}
	writeJSON(w, out)
}

// pages drops the repeats of a GetFindings page: on a loaded machine the
// client now and then loses a loopback connection while reading a reply
// ("use of closed network connection") and the SDK rightly asks again.
func pages(reqs []request) []request {
	seen := map[string]bool{}
	var out []request
	for _, r := range reqs {
		if r.status == 200 && !seen[r.nextToken] {
			seen[r.nextToken] = true
			out = append(out, r)
		}
	}
	return out
}

func (h *fakeHub) requestsOf(op string) []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []request
	for _, r := range h.requests {
		if r.op == op {
			out = append(out, r)
		}
	}
	return out
}

// newTestStore starts a fakeHub and a Store pointed at it through the
// real SDK client, with static credentials, simulated time and no backoff.
func newTestStore(t testing.TB) (*Store, *fakeHub, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	hub := newFakeHub(t, clock)
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRET", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
	}
	s := New(cfg, Options{
		Now: clock.Now, Sleep: clock.Sleep,
		Backoff: retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil }),
	})
	return s, hub, clock
}

// localFinding is a secops finding as a scan without AWS credentials
// stamps it.
func localFinding(i int, label, target string, now time.Time) findings.Finding {
	resource := fmt.Sprintf("%s/go.mod:pkg-%05d@v1.0.0", target, i)
	rule := fmt.Sprintf("CVE-2025-%05d", i)
	f := findings.Finding{
		Id:          findings.NewID("secops/sca", resource, "", rule),
		GeneratorId: "secops/sca",
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CVE"},
		Title:       fmt.Sprintf("%s in pkg-%05d", rule, i),
		Description: "A flaw lets a remote attacker cause a denial of service.",
		Severity:    findings.NewSeverity(label, label),
		ProductFields: map[string]string{
			findings.FieldTarget: target,
		},
		Resources: []findings.Resource{{Type: "Other", Id: resource}},
	}
	findings.LocalProvenance(now, "secops").Stamp(&f)
	return f
}
