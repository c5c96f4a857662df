package lambdahandler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/secops-dev/secops/internal/awstest"
	"github.com/secops-dev/secops/pkg/eventpattern"
	"github.com/secops-dev/secops/pkg/notify"
)

const (
	secretARN  = "arn:aws:secretsmanager:us-west-2:111122223333:secret:secops/slack-webhook-AbCdEf"
	secretPath = "/services/T0SECRET/B0SECRET/s3cr3ts3cr3ts3cr3t"
)

// fakeAWS is one local endpoint for Secrets Manager (awsJson1_1) and
// Security Hub (restJson1), recording what the SDK clients sent.
type fakeAWS struct {
	t            *testing.T
	mu           sync.Mutex
	secretCalls  int
	secretString string
	updates      []map[string]any
	unprocessed  bool
	configCalls  []string
	// controlPages are the pages GetFindings answers with, in order.
	controlPages [][]map[string]any
	getFindings  []map[string]any
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		f.t.Errorf("%s %s is not SigV4-signed", r.Method, r.URL.Path)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") == "secretsmanager.GetSecretValue":
		if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			f.t.Errorf("GetSecretValue Content-Type %q", ct)
		}
		var in map[string]any
		json.Unmarshal(body, &in)
		if in["SecretId"] != secretARN {
			f.t.Errorf("GetSecretValue SecretId %v", in["SecretId"])
		}
		f.secretCalls++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(map[string]any{
			"ARN": secretARN, "Name": "secops/slack-webhook", "SecretString": f.secretString,
			"VersionId": "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1523477145.713,
		})
	case r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") == "StarlingDoveService.DescribeConfigRules":
		var in map[string]any
		json.Unmarshal(body, &in)
		f.configCalls = append(f.configCalls, fmt.Sprint(in["ConfigRuleNames"]))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigRules.html
		json.NewEncoder(w).Encode(map[string]any{"ConfigRules": []any{map[string]any{
			"ConfigRuleName": "cloudtrail-enabled", "ConfigRuleArn": "arn:aws:config:us-east-2:123456789012:config-rule/config-rule-9rpvxc",
			"ConfigRuleId": "config-rule-9rpvxc", "Source": map[string]any{"Owner": "AWS", "SourceIdentifier": "CLOUD_TRAIL_ENABLED"},
			"MaximumExecutionFrequency": "TwentyFour_Hours", "ConfigRuleState": "ACTIVE",
		}}})
	case r.Method == http.MethodPatch && r.URL.Path == "/findings/batchupdate":
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			f.t.Errorf("BatchUpdateFindings body: %v", err)
		}
		f.updates = append(f.updates, in)
		var processed []any
		if !f.unprocessed {
			processed, _ = in["FindingIdentifiers"].([]any)
		}
		resp := map[string]any{"ProcessedFindings": processed, "UnprocessedFindings": []any{}}
		if f.unprocessed {
			resp["UnprocessedFindings"] = []any{map[string]any{"FindingIdentifier": in["FindingIdentifiers"].([]any)[0], "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding not found"}}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	case r.Method == http.MethodPost && r.URL.Path == "/findings":
		var in map[string]any
		json.Unmarshal(body, &in)
		f.getFindings = append(f.getFindings, in)
		page := 0
		if tok, ok := in["NextToken"].(string); ok {
			fmt.Sscanf(tok, "page-%d", &page)
		}
		resp := map[string]any{"Findings": []any{}}
		if page < len(f.controlPages) {
			resp["Findings"] = f.controlPages[page]
			if page+1 < len(f.controlPages) {
				resp["NextToken"] = fmt.Sprintf("page-%d", page+1)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	default:
		f.t.Errorf("unexpected AWS request %s %s target %q", r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"))
		w.WriteHeader(http.StatusBadRequest)
	}
}

type slack struct {
	mu       sync.Mutex
	payloads []notify.Message
	status   int
}

func (s *slack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m notify.Message
	json.NewDecoder(r.Body).Decode(&m)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.payloads = append(s.payloads, m)
	if s.status != 0 {
		w.WriteHeader(s.status)
		io.WriteString(w, "no_service")
		return
	}
	io.WriteString(w, "ok")
}

type env struct {
	h     *Handler
	aws   *fakeAWS
	slack *slack
	logs  *bytes.Buffer
	hook  string
}

func setup(t *testing.T, pattern string, secretJSON bool) *env {
	t.Helper()
	sl := &slack{}
	slackSrv := httptest.NewServer(sl)
	t.Cleanup(slackSrv.Close)
	hook := slackSrv.URL + secretPath
	fa := &fakeAWS{t: t, secretString: hook}
	if secretJSON {
		fa.secretString = `{"webhook_url": "` + hook + `"}`
	}
	awsSrv := httptest.NewServer(fa)
	t.Cleanup(awsSrv.Close)
	cfg := awstest.Config("us-west-2")
	logs := &bytes.Buffer{}
	c := Config{
		SecretARN:   secretARN,
		Secrets:     secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(awsSrv.URL) }),
		SecurityHub: securityhub.NewFromConfig(cfg, func(o *securityhub.Options) { o.BaseEndpoint = aws.String(awsSrv.URL) }),
		ConfigRules: configservice.NewFromConfig(cfg, func(o *configservice.Options) { o.BaseEndpoint = aws.String(awsSrv.URL) }),
		Log:         slog.New(slog.NewJSONHandler(logs, nil)),
		Now:         func() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC) },
		Sender: func(s *notify.Sender) {
			s.Sleep = func(context.Context, time.Duration) error { return nil }
		},
	}
	if pattern != "" {
		c.Pattern = eventpattern.MustCompile(pattern)
	}
	h, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{h: h, aws: fa, slack: sl, logs: logs, hook: hook}
	t.Cleanup(func() {
		for _, secret := range []string{secretPath, "T0SECRET", "s3cr3t"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("logs reveal the webhook:\n%s", logs)
			}
		}
	})
	return e
}

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editEvent changes one finding field of the Security Hub sample.
func editEvent(t *testing.T, raw []byte, edit func(f map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	json.Unmarshal(raw, &ev)
	f := ev["detail"].(map[string]any)["findings"].([]any)[0].(map[string]any)
	edit(f)
	out, _ := json.Marshal(ev)
	return out
}

// inspectorEvent is an Inspector finding as Security Hub's imported event:
// a product the default pattern posts.
const inspectorEvent = "events/securityhub-inspector.json"

func TestSecurityHubEventNotifiesAndMarksNotified(t *testing.T) {
	e := setup(t, "", false)
	ctx := context.Background()
	raw := readEvent(t, inspectorEvent)

	out, err := e.h.Handle(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Matched || out.Sent != 1 || out.Marked != 1 || out.DetailType != DetailSecurityHubImported {
		t.Errorf("outcome %+v", out)
	}
	if len(e.slack.payloads) != 1 || !strings.Contains(e.slack.payloads[0].Blocks[2].Text.Text, "CVE-2021-44228 - org.apache.logging.log4j:log4j-core") {
		t.Fatalf("slack payloads %+v", e.slack.payloads)
	}
	if len(e.aws.updates) != 1 {
		t.Fatalf("%d BatchUpdateFindings calls", len(e.aws.updates))
	}
	got, _ := json.Marshal(e.aws.updates[0])
	want := `{"FindingIdentifiers":[{"Id":"arn:aws:inspector2:us-east-1:123456789012:finding/0e7c1a2b3c4d5e6f7a8b9c0d1e2f3a4b","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/inspector"}],"Workflow":{"Status":"NOTIFIED"}}`
	if string(got) != want {
		t.Errorf("BatchUpdateFindings request\n got %s\nwant %s", got, want)
	}

	// The same event again (EventBridge retry, re-import): de-duplicated.
	out, err = e.h.Handle(ctx, raw)
	if err != nil || out.Sent != 0 || out.Duplicates != 1 || len(e.slack.payloads) != 1 || len(e.aws.updates) != 1 {
		t.Errorf("second delivery: %+v %v, %d payloads, %d updates", out, err, len(e.slack.payloads), len(e.aws.updates))
	}
	// Another finding: the cached webhook is reused.
	other := editEvent(t, raw, func(f map[string]any) { f["Id"] = "another-finding" })
	if out, err = e.h.Handle(ctx, other); err != nil || out.Sent != 1 {
		t.Errorf("other finding: %+v %v", out, err)
	}
	if e.aws.secretCalls != 1 {
		t.Errorf("GetSecretValue called %d times, want 1 (cached)", e.aws.secretCalls)
	}
}

func TestDefaultPatternSkips(t *testing.T) {
	e := setup(t, "", true)
	raw := readEvent(t, inspectorEvent)
	cases := map[string][]byte{
		"MEDIUM":   editEvent(t, raw, func(f map[string]any) { f["Severity"] = map[string]any{"Label": "MEDIUM"} }),
		"NOTIFIED": editEvent(t, raw, func(f map[string]any) { f["Workflow"] = map[string]any{"Status": "NOTIFIED"} }),
		"ARCHIVED": editEvent(t, raw, func(f map[string]any) { f["RecordState"] = "ARCHIVED" }),
		// Control findings go to the digest; Security Hub's own Config
		// rules and GuardDuty's direct events never reach Slack.
		"control finding":        readEvent(t, "events/securityhub-control.json"),
		"securityhub-* rule":     readEvent(t, "events/config-securityhub-rule.json"),
		"GuardDuty, not via hub": readEvent(t, "events/guardduty-finding.json"),
	}
	for name, ev := range cases {
		out, err := e.h.Handle(context.Background(), ev)
		if err != nil || out.Matched || out.Sent != 0 {
			t.Errorf("%s: %+v %v", name, out, err)
		}
	}
	if e.aws.secretCalls != 0 || len(e.slack.payloads) != 0 {
		t.Errorf("skipped events must not read the secret (%d) or post (%d)", e.aws.secretCalls, len(e.slack.payloads))
	}
	if !strings.Contains(e.logs.String(), "does not match the event pattern") {
		t.Errorf("logs: %s", e.logs)
	}
}

// routedDirectly is a pattern that sends GuardDuty's and Config's events
// straight to the function, whatever the rule: the message tests below
// are about rendering, not routing.
const routedDirectly = `{"$or": [{"source": ["aws.guardduty"]}, {"source": ["aws.config"], "detail": {"newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}}}]}`

func TestGuardDutyAndConfigEvents(t *testing.T) {
	e := setup(t, routedDirectly, true) // secret stored as JSON
	ctx := context.Background()
	out, err := e.h.Handle(ctx, readEvent(t, "guardduty-finding.json"))
	if err != nil || out.Sent != 1 {
		t.Fatalf("GuardDuty: %+v %v", out, err)
	}
	gd := e.slack.payloads[0]
	if gd.Blocks[0].Text.Text != "GuardDuty: UnauthorizedAccess:EC2/SSHBruteForce" ||
		!strings.Contains(gd.Blocks[1].Text.Text, "*HIGH* (8.0)") ||
		!strings.Contains(gd.Blocks[1].Text.Text, "https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=16afba5c5c43e07c9e3e5e2e544e95df") ||
		gd.Blocks[1].Fields[0].Text != "*Resource*\nInstance `i-99999999`" {
		t.Errorf("GuardDuty message %+v", gd)
	}

	out, err = e.h.Handle(ctx, readEvent(t, "config-compliance-change.json"))
	if err != nil || out.Sent != 1 {
		t.Fatalf("Config: %+v %v", out, err)
	}
	cfg := e.slack.payloads[1]
	if cfg.Blocks[0].Text.Text != "AWS Config: cloudtrail-enabled is now NON_COMPLIANT" ||
		!strings.HasPrefix(cfg.Blocks[1].Text.Text, ":x: COMPLIANT → *NON_COMPLIANT*  <https://console.aws.amazon.com/config/home?region=us-east-2#/rules/details?configRuleName=cloudtrail-enabled|cloudtrail-enabled>") {
		t.Errorf("Config message %+v", cfg)
	}
	if len(e.aws.updates) != 0 {
		t.Errorf("GuardDuty/Config events must not call BatchUpdateFindings")
	}
	// The rule is looked up once and its ISMS-P controls named.
	var controls string
	for _, fl := range cfg.Blocks[1].Fields {
		if strings.HasPrefix(fl.Text, "*Controls*") {
			controls = fl.Text
		}
	}
	if controls != "*Controls*\n2.9.4, 2.10.1, 2.10.2" || fmt.Sprint(e.aws.configCalls) != "[[cloudtrail-enabled]]" {
		t.Errorf("controls %q, DescribeConfigRules calls %v", controls, e.aws.configCalls)
	}
	// Back to COMPLIANT: the default pattern only passes NON_COMPLIANT.
	var ev map[string]any
	json.Unmarshal(readEvent(t, "config-compliance-change.json"), &ev)
	ev["detail"].(map[string]any)["newEvaluationResult"].(map[string]any)["complianceType"] = "COMPLIANT"
	back, _ := json.Marshal(ev)
	if out, _ := e.h.Handle(ctx, back); out.Matched {
		t.Errorf("COMPLIANT change matched the pattern")
	}
}

func TestCustomPatternFiltersEachFinding(t *testing.T) {
	// Only CRITICAL: of an event carrying a CRITICAL and a LOW finding, only
	// the CRITICAL one is sent and marked.
	e := setup(t, `{"detail-type": ["Security Hub Findings - Imported"], "detail": {"findings": {"Severity": {"Label": ["CRITICAL"]}}}}`, false)
	var ev map[string]any
	json.Unmarshal(readEvent(t, "securityhub-findings-imported.json"), &ev)
	list := ev["detail"].(map[string]any)["findings"].([]any)
	low := map[string]any{}
	for k, v := range list[0].(map[string]any) {
		low[k] = v
	}
	low["Id"], low["Severity"] = "low-one", map[string]any{"Label": "LOW"}
	ev["detail"].(map[string]any)["findings"] = append(list, low)
	raw, _ := json.Marshal(ev)
	out, err := e.h.Handle(context.Background(), raw)
	if err != nil || out.Sent != 1 || out.Skipped != 1 || out.Marked != 1 {
		t.Fatalf("%+v %v", out, err)
	}
	ids := e.aws.updates[0]["FindingIdentifiers"].([]any)
	if len(ids) != 1 || ids[0].(map[string]any)["Id"] == "low-one" {
		t.Errorf("marked %v", ids)
	}
}

func TestSlackFailureIsAnErrorWithoutTheURL(t *testing.T) {
	e := setup(t, "", false)
	e.slack.status = http.StatusNotFound
	_, err := e.h.Handle(context.Background(), readEvent(t, inspectorEvent))
	if err == nil {
		t.Fatal("want an error so Lambda retries")
	}
	if strings.Contains(err.Error(), secretPath) || strings.Contains(err.Error(), "T0SECRET") {
		t.Errorf("error reveals the webhook: %v", err)
	}
	if len(e.aws.updates) != 0 {
		t.Error("findings marked NOTIFIED although Slack rejected the message")
	}
	// 404 means the webhook is gone: the next invocation reads the secret again.
	e.slack.status = 0
	if _, err := e.h.Handle(context.Background(), readEvent(t, inspectorEvent)); err != nil {
		t.Fatal(err)
	}
	if e.aws.secretCalls != 2 {
		t.Errorf("GetSecretValue calls %d, want 2 after a 404", e.aws.secretCalls)
	}
}

func TestUnprocessedFindingsAreReported(t *testing.T) {
	e := setup(t, "", false)
	e.aws.unprocessed = true
	out, err := e.h.Handle(context.Background(), readEvent(t, inspectorEvent))
	if err != nil || out.Marked != 0 || len(out.Unmarked) != 1 {
		t.Errorf("%+v %v", out, err)
	}
	if !strings.Contains(e.logs.String(), "FindingNotFound") {
		t.Errorf("logs: %s", e.logs)
	}
}

func TestFromEnv(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := FromEnv(env(nil), cfg, nil); err == nil || !strings.Contains(err.Error(), EnvSecretARN) {
		t.Errorf("missing secret ARN: %v", err)
	}
	_, err := FromEnv(env(map[string]string{EnvSecretARN: secretARN, EnvEventPattern: `{"source": "aws.ec2"}`}), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "SECOPS_EVENT_PATTERN: event pattern: source") {
		t.Errorf("bad pattern: %v", err)
	}
	if _, err := FromEnv(env(map[string]string{EnvSecretARN: secretARN, EnvDedupWindow: "soon"}), cfg, nil); err == nil {
		t.Error("bad dedup window accepted")
	}
	if _, err := FromEnv(env(map[string]string{EnvSecretARN: secretARN}), cfg, nil); err != nil {
		t.Error(err)
	}
	// The alerts stack's durable dedup: a DynamoDB table, 24 hours unless told.
	for ttl, want := range map[string]time.Duration{"": 24 * time.Hour, "2h": 2 * time.Hour} {
		h, err := FromEnv(env(map[string]string{EnvSecretARN: secretARN, EnvDedupTable: "secops-notifier-dedup", EnvDedupTTL: ttl}), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := h.cfg.Dedup.(*DynamoDedup)
		if !ok || d.Table != "secops-notifier-dedup" || d.TTL != want {
			t.Errorf("TTL %q: dedup %#v", ttl, h.cfg.Dedup)
		}
	}
	if _, err := FromEnv(env(map[string]string{EnvSecretARN: secretARN, EnvDedupTable: "t", EnvDedupTTL: "-1h"}), cfg, nil); err == nil {
		t.Error("negative TTL accepted")
	}
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "")
	if err := Start(context.Background(), nil); err != ErrNotInLambda {
		t.Errorf("Start outside Lambda: %v", err)
	}
}

func TestWebhookFromSecret(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/a":                     "https://hooks.slack.com/services/a",
		` {"webhook_url": "https://hooks.slack.com/services/b"}`: "https://hooks.slack.com/services/b",
		`{"url": "https://hooks.slack.com/services/c"}`:          "https://hooks.slack.com/services/c",
	} {
		if got, err := webhookFromSecret(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "{", `{"token": "x"}`} {
		if _, err := webhookFromSecret(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
