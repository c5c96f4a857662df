// Package fakehub is an in-process AWS Security Hub that speaks restJson1
// as the Go SDK sends it, for tests.
package fakehub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// Account is the caller's account the fake's STS reports.
const Account = "123456789012"

// NewClock starts simulated time at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Clock is simulated time: sleeping advances it at once.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep advances simulated time at once.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

// Request is what Hub saw of one HTTP request.
type Request struct {
	Op         string
	At         time.Time
	BodyBytes  int
	Batch      int
	MaxResults int
	NextToken  string
	Filters    map[string]json.RawMessage
	Sort       []map[string]string
	Status     int
}

// Hub speaks Security Hub's restJson1 protocol as the AWS SDK for Go
// v2 sends it (GetFindings POST /findings, BatchImportFindings POST
// /findings/import, BatchUpdateFindings PATCH /findings/batchupdate, errors
// as X-Amzn-Errortype plus {"message": …}) and STS GetCallerIdentity
// (awsQuery), keeps the findings it accepts, and evaluates the filters
// secops sends.
type Hub struct {
	errorf func(format string, args ...any)
	clock  *Clock

	mu       sync.Mutex
	stored   []map[string]any // in import order
	index    map[string]int   // ProductArn + "|" + Id → stored index
	Received map[string]int   // Id → times accepted
	requests []Request
	// Throttle decides whether the n-th request (from 0) of op is answered
	// 429 with the given error type.
	Throttle func(op string, n int, body []byte) string
	// Refuse decides whether BatchImportFindings reports a finding in
	// FailedFindings.
	Refuse func(id string) (code, message string, ok bool)
	// Fail answers every request of op with this error.
	Fail    map[string]APIError
	opCount map[string]int
}

// APIError is an error the fake answers an operation with.
type APIError struct {
	Status int
	Code   string
	Msg    string
}

// New returns an empty hub. errorf reports requests the real service
// would not accept (t.Errorf in tests); clock nil means real time.
func New(errorf func(format string, args ...any), clock *Clock) *Hub {
	return &Hub{errorf: errorf, clock: clock, index: map[string]int{}, Received: map[string]int{}, Fail: map[string]APIError{}, opCount: map[string]int{}}
}

// ServeHTTP answers one request as Security Hub or STS would.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.errorf("read body: %v", err)
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
		h.errorf("unexpected request %s %s", r.Method, r.URL.Path)
		writeError(w, 404, "UnknownOperationException", "no such operation")
		return
	}
	if op != "GetCallerIdentity" && !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
		h.errorf("%s: request not signed with the test credentials: %q", op, r.Header.Get("Authorization"))
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.opCount[op]
	h.opCount[op]++
	req := Request{Op: op, At: h.clock.Now(), BodyBytes: len(body), Status: 200}
	defer func() { h.requests = append(h.requests, req) }()

	if e, ok := h.Fail[op]; ok {
		req.Status = e.Status
		writeError(w, e.Status, e.Code, e.Msg)
		return
	}
	if h.Throttle != nil {
		if code := h.Throttle(op, n, body); code != "" {
			req.Status = 429
			writeError(w, 429, code, "Rate exceeded")
			return
		}
	}
	switch op {
	case "GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/ci</Arn><UserId>AIDATEST</UserId><Account>%s</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, Account, Account)
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

func (h *Hub) batchImport(w http.ResponseWriter, body []byte, req *Request) {
	var in struct{ Findings []map[string]any }
	if err := json.Unmarshal(body, &in); err != nil {
		h.errorf("BatchImportFindings body: %v", err)
	}
	req.Batch = len(in.Findings)
	type failed struct{ Id, ErrorCode, ErrorMessage string }
	var out struct {
		FailedCount    int
		SuccessCount   int
		FailedFindings []failed
	}
	for _, f := range in.Findings {
		id, _ := f["Id"].(string)
		arn, _ := f["ProductArn"].(string)
		if f["AwsAccountId"] != Account || arn != findings.DefaultProductArn("aws", "us-east-1", Account) && !strings.Contains(arn, "::product/") {
			out.FailedFindings = append(out.FailedFindings, failed{id, "AccessDeniedException", "caller account does not match AwsAccountId"})
			continue
		}
		if h.Refuse != nil {
			if code, msg, ok := h.Refuse(id); ok {
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
		h.Received[id]++
	}
	out.FailedCount = len(out.FailedFindings)
	out.SuccessCount = len(in.Findings) - out.FailedCount
	writeJSON(w, out)
}

func (h *Hub) getFindings(w http.ResponseWriter, body []byte, req *Request) {
	var in struct {
		Filters      map[string]json.RawMessage
		MaxResults   int
		NextToken    string
		SortCriteria []map[string]string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		h.errorf("GetFindings body: %v", err)
	}
	req.MaxResults, req.NextToken, req.Filters, req.Sort = in.MaxResults, in.NextToken, in.Filters, in.SortCriteria
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

func (h *Hub) batchUpdate(w http.ResponseWriter, body []byte) {
	var in struct {
		FindingIdentifiers []struct{ Id, ProductArn string }
		Workflow           *struct{ Status string }
		Note               *struct{ Text, UpdatedBy string }
		Severity           *struct{ Label string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		h.errorf("BatchUpdateFindings body: %v", err)
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

// The SDK repeats a page of a GetFindings page: on a loaded machine the
// client now and then loses a loopback connection while reading a reply
// ("use of closed network connection") and the SDK rightly asks again.
// Pages drops the repeats of a GetFindings page.
func Pages(reqs []Request) []Request {
	seen := map[string]bool{}
	var out []Request
	for _, r := range reqs {
		if r.Status == 200 && !seen[r.NextToken] {
			seen[r.NextToken] = true
			out = append(out, r)
		}
	}
	return out
}

func (h *Hub) RequestsOf(op string) []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Request
	for _, r := range h.requests {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// Stored returns the findings the hub holds, as JSON objects.
func (h *Hub) Stored() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.stored...)
}

// Forget makes the hub lose one finding's index entry, as if it had never
// been imported, so updates of it go unprocessed.
func (h *Hub) Forget(productArn, id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.index, productArn+"|"+id)
}
