package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

var update = flag.Bool("update", false, "rewrite golden files")

const secretPath = "/services/T0000SECRET/B0000SECRET/XXXXXXXXXXXXXXXXXXXXXXXX"

// slackReceiver is a local incoming-webhook endpoint: it answers with the
// scripted statuses in turn (then 200 "ok") and keeps the payloads.
type slackReceiver struct {
	t        *testing.T
	mu       sync.Mutex
	payloads [][]byte
	script   []func(w http.ResponseWriter)
	srv      *httptest.Server
}

func newReceiver(t *testing.T, script ...func(w http.ResponseWriter)) *slackReceiver {
	r := &slackReceiver{t: t, script: script}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != secretPath || !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json") {
			t.Errorf("unexpected request %s %s %s", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
		}
		body, _ := io.ReadAll(req.Body)
		var msg Message
		if err := json.Unmarshal(body, &msg); err != nil {
			t.Errorf("payload is not JSON: %v", err)
		}
		if len(msg.Blocks) > MaxBlocksPerMessage {
			t.Errorf("payload has %d blocks, Slack allows %d", len(msg.Blocks), MaxBlocksPerMessage)
		}
		r.mu.Lock()
		r.payloads = append(r.payloads, body)
		var step func(http.ResponseWriter)
		if len(r.script) > 0 {
			step, r.script = r.script[0], r.script[1:]
		}
		r.mu.Unlock()
		if step != nil {
			step(w)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *slackReceiver) url() string { return r.srv.URL + secretPath }

func status(code int, body string, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// testSender posts to r without real sleeping; it records the waits.
func testSender(t *testing.T, r *slackReceiver) (*Sender, *[]time.Duration) {
	t.Helper()
	s, err := NewSender(r.url())
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	s.Sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	return s, &waits
}

func loadFindings(t *testing.T) []findings.Finding {
	t.Helper()
	list, err := findings.ReadFile(filepath.Join("testdata", "findings.json"))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func goldenJSON(t *testing.T, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs from golden (run go test -update if intended):\n%s", path, buf.String())
	}
}

func TestPayloadsGolden(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	findingMsgs, _, _ := FindingsMessages(loadFindings(t), FindingsOptions{})
	if len(findingMsgs) != 1 {
		t.Fatalf("%d messages, want 1", len(findingMsgs))
	}
	cases := []struct {
		golden string
		msg    Message
	}{
		{"findings.json", findingMsgs[0]},
		{"compliance.json", ComplianceMessage(ComplianceChange{
			Account: "123456789012", Region: "ap-northeast-2", Partition: "aws",
			RuleName: "iam-password-policy-conformance-pack-x7k2q9wmz", ResourceType: "AWS::::Account", ResourceID: "123456789012",
			NewStatus: "NON_COMPLIANT", OldStatus: "COMPLIANT", Annotation: "MinimumPasswordLength is 8, below 12.",
			Time: now, Controls: []string{"2.5.4", "2.10.2"},
		})},
		{"guardduty.json", GuardDutyMessage(GuardDutyFinding{
			ID: "96b0b4b5e7e3b1f3a6f9c2d1e0a1b2c3", Type: "UnauthorizedAccess:EC2/SSHBruteForce", Title: "198.51.100.7 is performing SSH brute force attacks against i-99999999.",
			Description: "198.51.100.7 is performing SSH brute force attacks against i-99999999. Brute force attacks are used to gain unauthorized access.",
			Account:     "123456789012", Region: "us-east-1", Partition: "aws", Severity: 8, ResourceType: "Instance", ResourceID: "i-99999999",
			UpdatedAt: "2026-11-28T09:59:00Z", Count: 3,
		})},
		{"sample.json", SampleMessage(now)},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			r := newReceiver(t)
			s, _ := testSender(t, r)
			if err := s.Send(context.Background(), c.msg); err != nil {
				t.Fatal(err)
			}
			if len(r.payloads) != 1 {
				t.Fatalf("%d payloads", len(r.payloads))
			}
			goldenJSON(t, c.golden, r.payloads[0])
		})
	}
	// Spot checks the golden file must satisfy.
	first := findingMsgs[0].Blocks[2].Text.Text
	if !strings.HasPrefix(first, ":red_circle: *CRITICAL*") {
		t.Errorf("most severe first: %q", first)
	}
	if !strings.Contains(findingMsgs[0].Blocks[4].Fields[0].Text, "acme-&lt;public&gt;-assets") {
		t.Error("resource ids are not mrkdwn-escaped")
	}
}

func TestSecurityHubFindingURL(t *testing.T) {
	id := "arn:aws:securityhub:ap-northeast-2:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/4b0c"
	got := SecurityHubFindingURL("aws", "ap-northeast-2", id)
	want := "https://console.aws.amazon.com/securityhub/home?region=ap-northeast-2#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A" +
		"arn%253Aaws%253Asecurityhub%253Aap-northeast-2%253A123456789012%253Asubscription%252Faws-foundational-security-best-practices%252Fv%252F1.0.0%252FS3.8%252Ffinding%252F4b0c"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := SecurityHubFindingURL("aws-us-gov", "us-gov-west-1", "x y"); got != "https://console.amazonaws-us-gov.com/securityhub/home?region=us-gov-west-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Ax%2520y" {
		t.Errorf("gov: %s", got)
	}
	if SecurityHubFindingURL("aws", "", id) != "" {
		t.Error("no region must give no link")
	}
}

func TestBatchingAndSummary(t *testing.T) {
	base := loadFindings(t)[0]
	var many []findings.Finding
	for i := range 30 {
		f := base
		f.Id = fmt.Sprintf("finding-%02d", i)
		many = append(many, f)
	}
	// 30 findings × 2 blocks (section + remediation) + header + summary = 62 blocks.
	msgs, shown, rest := FindingsMessages(many, FindingsOptions{MaxFindings: 100})
	if len(msgs) != 2 || len(shown) != 30 || rest != 0 {
		t.Fatalf("%d messages, %d shown, %d summarised", len(msgs), len(shown), rest)
	}
	if n := len(msgs[0].Blocks); n != 50 {
		t.Errorf("first message %d blocks, want 50", n)
	}
	if n := len(msgs[1].Blocks); n != 12 {
		t.Errorf("second message %d blocks, want 12", n)
	}
	msgs, shown, rest = FindingsMessages(many, FindingsOptions{})
	if len(msgs) != 1 || len(shown) != 20 || rest != 10 {
		t.Fatalf("default cap: %d messages, %d shown, %d summarised", len(msgs), len(shown), rest)
	}
	last := msgs[0].Blocks[len(msgs[0].Blocks)-1]
	if last.Type != "context" || !strings.HasPrefix(last.Elements[0].Text, "…and 10 more (10 HIGH): <https://console.aws.amazon.com/securityhub/home?region=ap-northeast-2#/findings?search=SeverityLabel%3D%255Coperator%255C%253AEQUALS%255C%253AHIGH%26WorkflowStatus") {
		t.Errorf("summary block: %+v", last)
	}

	r := newReceiver(t)
	s, _ := testSender(t, r)
	n := &Notifier{Sender: s, Options: FindingsOptions{MaxFindings: 100}}
	res, err := n.Findings(context.Background(), many)
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 2 || len(res.Notified) != 30 || len(r.payloads) != 2 {
		t.Errorf("result %+v, %d payloads", res, len(r.payloads))
	}
}

func TestDedupBursts(t *testing.T) {
	list := loadFindings(t)
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	r := newReceiver(t)
	s, _ := testSender(t, r)
	n := &Notifier{Sender: s, Dedup: NewDeduper(10 * time.Minute), Now: func() time.Time { return now }}
	ctx := context.Background()

	res, err := n.Findings(ctx, append(list, list[0])) // the same finding twice in one burst
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notified) != 3 || res.Duplicates != 1 || res.Messages != 1 {
		t.Errorf("first burst: %+v", res)
	}
	now = now.Add(5 * time.Minute)
	res, _ = n.Findings(ctx, list[:2])
	if len(res.Notified) != 0 || res.Duplicates != 2 || res.Messages != 0 {
		t.Errorf("within window: %+v", res)
	}
	now = now.Add(6 * time.Minute)
	res, _ = n.Findings(ctx, list[:1])
	if len(res.Notified) != 1 || res.Duplicates != 0 {
		t.Errorf("after window: %+v", res)
	}
	c := ComplianceChange{RuleName: "r", ResourceID: "x", NewStatus: "NON_COMPLIANT"}
	if sent, _ := n.Compliance(ctx, c); !sent {
		t.Error("first compliance change not sent")
	}
	if sent, _ := n.Compliance(ctx, c); sent {
		t.Error("duplicate compliance change sent")
	}
	if len(r.payloads) != 3 {
		t.Errorf("%d payloads, want 3", len(r.payloads))
	}
}

func TestDedupDoesNotRememberFailures(t *testing.T) {
	r := newReceiver(t, status(400, "invalid_payload"))
	s, _ := testSender(t, r)
	n := &Notifier{Sender: s, Dedup: NewDeduper(time.Hour)}
	list := loadFindings(t)
	if _, err := n.Findings(context.Background(), list); err == nil {
		t.Fatal("want an error")
	}
	res, err := n.Findings(context.Background(), list)
	if err != nil || len(res.Notified) != 3 {
		t.Errorf("retry after failure: %+v %v", res, err)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		script    []func(http.ResponseWriter)
		wantErr   string
		wantCalls int
		wantWaits string
	}{
		{"429 honours Retry-After", []func(http.ResponseWriter){status(429, "rate_limited", "Retry-After", "3")}, "", 2, "[3s]"},
		{"429 Retry-After capped", []func(http.ResponseWriter){status(429, "rate_limited", "Retry-After", "3600")}, "", 2, "[1m0s]"},
		{"5xx backs off", []func(http.ResponseWriter){status(500, "oops"), status(502, "bad gateway"), status(503, "")}, "", 4, "[1s 2s 4s]"},
		{"gives up after 4", []func(http.ResponseWriter){status(500, ""), status(500, ""), status(500, ""), status(500, "still broken")}, `HTTP 500 "still broken" (after 4 attempts)`, 4, "[1s 2s 4s]"},
		{"400 not retried", []func(http.ResponseWriter){status(400, "invalid_blocks")}, `HTTP 400 "invalid_blocks": Slack rejected the message`, 1, "[]"},
		{"404 explains", []func(http.ResponseWriter){status(404, "no_service")}, "create a new one in Slack", 1, "[]"},
		{"403 explains", []func(http.ResponseWriter){status(403, "action_prohibited")}, "disabled", 1, "[]"},
		{"echoed URL scrubbed", []func(http.ResponseWriter){status(400, "bad "+secretPath)}, `"bad /***"`, 1, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiver(t, tt.script...)
			s, waits := testSender(t, r)
			err := s.Send(context.Background(), SampleMessage(time.Unix(0, 0)))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
			if err != nil {
				assertNoSecret(t, err.Error())
			}
			if len(r.payloads) != tt.wantCalls {
				t.Errorf("%d calls, want %d", len(r.payloads), tt.wantCalls)
			}
			if fmt.Sprint(*waits) != tt.wantWaits {
				t.Errorf("waits %v, want %s", *waits, tt.wantWaits)
			}
		})
	}
}

func TestTransportErrorsHideTheURL(t *testing.T) {
	r := newReceiver(t)
	url := r.url()
	r.srv.Close() // connection refused
	s, err := NewSender(url)
	if err != nil {
		t.Fatal(err)
	}
	s.Sleep = func(context.Context, time.Duration) error { return nil }
	err = s.Send(context.Background(), SampleMessage(time.Unix(0, 0)))
	if err == nil {
		t.Fatal("want an error")
	}
	assertNoSecret(t, err.Error())
	assertNoSecret(t, fmt.Sprintf("%v %+v %#v %s", s, s, s, s))
	if !strings.Contains(err.Error(), RedactedWebhook) || !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("error %q", err)
	}

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		time.Sleep(200 * time.Millisecond)
	}))
	defer slow.Close()
	s, _ = NewSender(slow.URL + secretPath)
	s.Timeout, s.MaxAttempts = 20*time.Millisecond, 1
	err = s.Send(context.Background(), SampleMessage(time.Unix(0, 0)))
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("timeout error %v", err)
	}
	assertNoSecret(t, err.Error())
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{"T0000SECRET", "B0000SECRET", "XXXXXXXXXXXX"} {
		if strings.Contains(s, secret) {
			t.Errorf("output reveals the webhook: %s", s)
		}
	}
}

func TestValidateAndRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T1/B2/abc": "https://hooks.slack.com/services/***",
		"https://example.com/hook/abc":               "https://example.com/***",
		"::not a url":                                "***",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.slack.com/services/T1/B2/abc", true},
		{"http://127.0.0.1:8080/services/x", true},
		{"http://localhost/x", true},
		{"http://hooks.slack.com/services/T1/B2/abc", false},
		{"", false},
		{"hooks.slack.com/services/T1", false},
	} {
		err := ValidateWebhook(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateWebhook(%q) = %v", tt.url, err)
		}
		if err != nil {
			if strings.Contains(err.Error(), "T1/B2") {
				t.Errorf("error reveals the URL: %v", err)
			}
		}
	}
}

func TestSendFindings(t *testing.T) {
	r := newReceiver(t)
	res, err := SendFindings(context.Background(), r.url(), loadFindings(t), FindingsOptions{Source: "secops scan", MaxFindings: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 1 || len(res.Notified) != 2 || res.Summarised != 1 || res.Notified[0] != "arn:aws:inspector2:ap-northeast-2:123456789012:finding/0f1e2d3c4b5a69788796a5b4c3d2e1f0" {
		t.Errorf("%+v", res)
	}
	var msg Message
	json.Unmarshal(r.payloads[0], &msg)
	if msg.Blocks[0].Text.Text != "secops scan: 3 findings" || !strings.HasPrefix(msg.Blocks[len(msg.Blocks)-1].Elements[0].Text, "…and 1 more (1 MEDIUM)") {
		t.Errorf("%+v", msg.Blocks)
	}
	if _, err := SendFindings(context.Background(), "http://example.com/services/x", nil, FindingsOptions{}); err == nil {
		t.Error("plain http accepted")
	}
}

// The console link goes to the partition of the Security Hub that holds
// the finding (its ProductArn), not of the resource: secops findings keep
// the "aws" partition their local scan gave their code resources when they
// are imported into an aws-cn or aws-us-gov account.
func TestFindingLinkUsesTheProductPartition(t *testing.T) {
	tests := []struct {
		productArn, region, resourcePartition, wantHost string
	}{
		{"arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default", "cn-north-1", "aws", "https://console.amazonaws.cn/"},
		{"arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:product/123456789012/default", "us-gov-west-1", "aws", "https://console.amazonaws-us-gov.com/"},
		{"arn:aws:securityhub:eu-west-1::product/aws/securityhub", "eu-west-1", "aws", "https://console.aws.amazon.com/"},
		{"", "cn-northwest-1", "aws-cn", "https://console.amazonaws.cn/"},
	}
	for _, tt := range tests {
		f := findings.Finding{
			Id: "secops/sca/0123456789abcdef", ProductArn: tt.productArn, Region: tt.region, Title: "CVE-2025-0001 in lodash",
			Severity:  findings.NewSeverity(findings.SeverityHigh, "HIGH"),
			Resources: []findings.Resource{{Type: "Other", Id: "app/package-lock.json:lodash@4.17.20", Partition: tt.resourcePartition, Region: "us-east-1"}},
		}
		msgs, _, _ := FindingsMessages([]findings.Finding{f}, FindingsOptions{})
		text := msgs[0].Blocks[2].Text.Text
		if !strings.Contains(text, "<"+tt.wantHost+"securityhub/home?region="+tt.region+"#") {
			t.Errorf("%s: link in %q, want one to %s", tt.productArn, text, tt.wantHost)
		}
	}
}
