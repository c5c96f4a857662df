package bootstrap

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/secops-dev/secops/internal/awstest"
	"github.com/secops-dev/secops/pkg/eventpattern"
	"github.com/secops-dev/secops/pkg/lambdahandler"
	"github.com/secops-dev/secops/pkg/notify"
)

// eventsDir holds the recorded events (see its README).
const eventsDir = "../lambdahandler/testdata/events"

// replayAccount is the account of the recorded events; the product ARN
// of its own findings (secops's) depends on it.
func alertRules(t *testing.T, params map[string]string) (rules map[string]*eventpattern.Pattern, handler *eventpattern.Pattern) {
	t.Helper()
	r := resolveStack(t, StackAlerts, params)
	rules = map[string]*eventpattern.Pattern{}
	var patterns []any
	for _, id := range sortedKeys(r.Resources) {
		res := r.Resources[id]
		props, _ := res["Properties"].(map[string]any)
		p, ok := props["EventPattern"]
		if res["Type"] != "AWS::Events::Rule" || !ok {
			continue
		}
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if rules[id], err = eventpattern.Compile(raw); err != nil {
			t.Fatalf("%s: %v\n%s", id, err, raw)
		}
		if id != "SourceChangeRule" {
			patterns = append(patterns, p)
		}
	}
	env := r.Resources["Notifier"]["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	raw := env["SECOPS_EVENT_PATTERN"].(string)
	var got struct {
		Or []any `json:"$or"`
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("SECOPS_EVENT_PATTERN is not JSON: %v\n%s", err, raw)
	}
	// The handler filters with exactly the rules' patterns (order aside).
	want, _ := json.Marshal(patterns)
	var wantAny []any
	_ = json.Unmarshal(want, &wantAny)
	if !sameElements(got.Or, wantAny) {
		t.Errorf("SECOPS_EVENT_PATTERN differs from the rules' patterns\n got %s\nwant %s", raw, want)
	}
	handler, err := eventpattern.Compile([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return rules, handler
}

func sameElements(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && reflect.DeepEqual(x, y) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

// replayAWS is one endpoint for the calls the notifier makes: Secrets
// Manager, Security Hub (which keeps each finding's workflow status, as
// Security Hub does across re-imports), Config and the DynamoDB dedup
// table.
type replayAWS struct {
	t        *testing.T
	mu       sync.Mutex
	webhook  string
	workflow map[string]string // finding id -> status set with BatchUpdateFindings
	dedup    map[string]int64  // pk -> expiresAt
	controls []map[string]any  // what GetFindings returns
}

func (f *replayAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	f.mu.Lock()
	defer f.mu.Unlock()
	target := r.Header.Get("X-Amz-Target")
	attr := func(m any, name, typ string) string {
		v, _ := m.(map[string]any)[name].(map[string]any)
		s, _ := v[typ].(string)
		return s
	}
	switch {
	case target == "secretsmanager.GetSecretValue":
		json.NewEncoder(w).Encode(map[string]any{"ARN": in["SecretId"], "SecretString": f.webhook})
	case target == "StarlingDoveService.DescribeConfigRules":
		json.NewEncoder(w).Encode(map[string]any{"ConfigRules": []any{map[string]any{
			"ConfigRuleName": "restricted-ssh-conformance-pack-k7vxs0ncl", "Source": map[string]any{"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"},
		}}})
	case target == "DynamoDB_20120810.PutItem":
		pk := attr(in["Item"], "pk", "S")
		exp, _ := strconv.ParseInt(attr(in["Item"], "expiresAt", "N"), 10, 64)
		now, _ := strconv.ParseInt(attr(in["ExpressionAttributeValues"], ":now", "N"), 10, 64)
		if old, ok := f.dedup[pk]; ok && old >= now {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`)
			return
		}
		f.dedup[pk] = exp
		fmt.Fprint(w, `{}`)
	case target == "DynamoDB_20120810.DeleteItem":
		delete(f.dedup, attr(in["Key"], "pk", "S"))
		fmt.Fprint(w, `{}`)
	case r.URL.Path == "/findings/batchupdate":
		ids, _ := in["FindingIdentifiers"].([]any)
		status := in["Workflow"].(map[string]any)["Status"].(string)
		for _, id := range ids {
			f.workflow[id.(map[string]any)["Id"].(string)] = status
		}
		json.NewEncoder(w).Encode(map[string]any{"ProcessedFindings": ids, "UnprocessedFindings": []any{}})
	case r.URL.Path == "/findings":
		json.NewEncoder(w).Encode(map[string]any{"Findings": f.controls})
	default:
		f.t.Errorf("replay AWS: unexpected %s %s %q", r.Method, r.URL.Path, target)
		w.WriteHeader(400)
	}
}

// slackInbox counts posts to the webhook.
type slackInbox struct {
	mu    sync.Mutex
	posts []notify.Message
}

func (s *slackInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m notify.Message
	_ = json.NewDecoder(r.Body).Decode(&m)
	s.mu.Lock()
	s.posts = append(s.posts, m)
	s.mu.Unlock()
	io.WriteString(w, "ok")
}

// replay delivers recorded events the way EventBridge does with the
// alerts stack's rules: each rule whose pattern matches invokes the
// function with the event. Every invocation gets a new handler, as after
// a cold start, so only the durable dedup table carries memory. Security
// Hub events carry the workflow status the finding has in the hub when
// they are emitted.
type replay struct {
	t       *testing.T
	rules   map[string]*eventpattern.Pattern
	handler *eventpattern.Pattern
	aws     *replayAWS
	awsURL  string
	slack   *slackInbox
	hook    string
	// invocations counts, per event file, the rules that invoked the function.
	invocations map[string][]string
}

func newReplay(t *testing.T, params map[string]string) *replay {
	rules, handler := alertRules(t, params)
	sl := &slackInbox{}
	slackSrv := httptest.NewServer(sl)
	t.Cleanup(slackSrv.Close)
	fa := &replayAWS{t: t, webhook: slackSrv.URL + "/services/T000/B000/XXXX", workflow: map[string]string{}, dedup: map[string]int64{}}
	awsSrv := httptest.NewServer(fa)
	t.Cleanup(awsSrv.Close)
	return &replay{t: t, rules: rules, handler: handler, aws: fa, awsURL: awsSrv.URL, slack: sl, invocations: map[string][]string{}}
}

func (rp *replay) newHandler(now time.Time) *lambdahandler.Handler {
	cfg := awstest.Config("us-east-1")
	ep := func(url string) *string { return aws.String(url) }
	h, err := lambdahandler.New(lambdahandler.Config{
		Pattern:     rp.handler,
		SecretARN:   "arn:aws:secretsmanager:us-east-1:123456789012:secret:secops-slack-webhook-1d0a4b30",
		Secrets:     secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = ep(rp.awsURL) }),
		SecurityHub: securityhub.NewFromConfig(cfg, func(o *securityhub.Options) { o.BaseEndpoint = ep(rp.awsURL) }),
		ConfigRules: configservice.NewFromConfig(cfg, func(o *configservice.Options) { o.BaseEndpoint = ep(rp.awsURL) }),
		Dedup: &lambdahandler.DynamoDedup{
			Client: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = ep(rp.awsURL) }),
			Table:  "secops-notifier-dedup", TTL: 24 * time.Hour,
		},
		Now:    func() time.Time { return now },
		Sender: func(s *notify.Sender) { s.Sleep = func(context.Context, time.Duration) error { return nil } },
	})
	if err != nil {
		rp.t.Fatal(err)
	}
	return h
}

func (rp *replay) deliver(file string) {
	t := rp.t
	raw, err := os.ReadFile(filepath.Join(eventsDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if detail, ok := ev["detail"].(map[string]any); ok && ev["source"] == "aws.securityhub" {
		for _, f := range detail["findings"].([]any) {
			f := f.(map[string]any)
			rp.aws.mu.Lock()
			if st, ok := rp.aws.workflow[f["Id"].(string)]; ok {
				f["Workflow"] = map[string]any{"Status": st}
			}
			rp.aws.mu.Unlock()
		}
		raw, _ = json.Marshal(ev)
	}
	now, _ := time.Parse(time.RFC3339, ev["time"].(string))
	for _, name := range sortedKeys(rp.rules) {
		ok, err := rp.rules[name].Match(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		rp.invocations[file] = append(rp.invocations[file], name)
		if _, err := rp.newHandler(now).Handle(context.Background(), raw); err != nil {
			t.Errorf("%s via %s: %v", file, name, err)
		}
	}
}

// TestReplayAlertsOnePostPerProblem replays what one bad hour looks like
// on an account with the stacks: a security group opens SSH (Security
// Hub's control finding, Security Hub's own Config rule and the ISMS-P
// pack's rule all report it), Inspector finds a critical CVE in a pushed
// image, secops scan uploads a finding, GuardDuty sees an SSH brute force
// (directly and through Security Hub) and updates it 15 minutes later.
// Four real problems: four Slack posts, and the control findings wait for
// the daily digest.
func TestReplayAlertsOnePostPerProblem(t *testing.T) {
	rp := newReplay(t, nil)
	sequence := []string{
		"securityhub-control.json",
		"config-securityhub-rule.json",
		"config-pack-rule.json",
		"securityhub-inspector.json",
		"securityhub-secops.json",
		"guardduty-finding.json",
		"securityhub-guardduty.json",
		"guardduty-finding-update.json",
		"securityhub-guardduty-update.json",
		// EventBridge delivers at least once: a repeat changes nothing.
		"config-pack-rule.json",
		"securityhub-inspector.json",
	}
	for _, f := range sequence {
		rp.deliver(f)
	}
	var titles []string
	for _, p := range rp.slack.posts {
		titles = append(titles, p.Text)
	}
	want := []string{
		":x: AWS Config: restricted-ssh-conformance-pack-k7vxs0ncl is now NON_COMPLIANT",
		":rotating_light: Security Hub: 1 finding — 1 CRITICAL",
		":rotating_light: Security Hub: 1 finding — 1 CRITICAL",
		":rotating_light: Security Hub: 1 finding — 1 HIGH",
	}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Errorf("Slack got %d posts:\n%s\nwant one per problem:\n%s", len(titles), strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
	// What reached the function, rule by rule: the repeated Config event
	// twice (the dedup table keeps the second out of Slack), the repeated
	// Inspector event not at all (it is NOTIFIED by then).
	wantInvocations := map[string][]string{
		"config-pack-rule.json":      {"ConfigComplianceRule", "ConfigComplianceRule"},
		"securityhub-inspector.json": {"SecurityHubFindingsRule"},
		"securityhub-secops.json":    {"SecurityHubFindingsRule"},
		"securityhub-guardduty.json": {"SecurityHubFindingsRule"},
	}
	if !reflect.DeepEqual(rp.invocations, wantInvocations) {
		t.Errorf("invocations %v\nwant %v", rp.invocations, wantInvocations)
	}
	// The GuardDuty finding is NOTIFIED in the hub, which is what keeps its
	// 15-minute updates out of Slack.
	if st := rp.aws.workflow["arn:aws:guardduty:us-east-1:111122223333:detector/123456789012345678901234567890ab/finding/16afba5c5c43e07c9e3e5e2e544e95df"]; st != "NOTIFIED" {
		t.Errorf("GuardDuty finding workflow %q", st)
	}
	// The control finding is in the next digest.
	ctrl, _ := os.ReadFile(filepath.Join(eventsDir, "securityhub-control.json"))
	var ev struct {
		Detail struct {
			Findings []map[string]any `json:"findings"`
		} `json:"detail"`
	}
	_ = json.Unmarshal(ctrl, &ev)
	rp.aws.controls = ev.Detail.Findings
	digest := `{"version":"0","id":"89d1a02d-5ec7-412e-82f5-13505f849b41","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-29T00:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/secops-control-digest"],"detail":{}}`
	out, err := rp.newHandler(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)).Handle(context.Background(), json.RawMessage(digest))
	if err != nil || out.Sent != 1 {
		t.Fatalf("digest: %+v %v", out, err)
	}
	last := rp.slack.posts[len(rp.slack.posts)-1]
	if last.Text != ":clipboard: Security Hub controls: 1 check failed in 1 control" || !strings.Contains(last.Blocks[2].Text.Text, "EC2.13 Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22") {
		t.Errorf("digest %+v", last)
	}
}

// TestReplayAlertSeverity: with AlertSeverity CRITICAL, the HIGH GuardDuty
// finding stays out of Slack; Config changes have no severity.
func TestReplayAlertSeverity(t *testing.T) {
	rp := newReplay(t, map[string]string{"AlertSeverity": "CRITICAL"})
	for _, f := range []string{"config-pack-rule.json", "securityhub-inspector.json", "securityhub-secops.json", "securityhub-guardduty.json"} {
		rp.deliver(f)
	}
	if n := len(rp.slack.posts); n != 3 {
		t.Errorf("%d posts, want 3 (config, Inspector, secops)", n)
	}
	if _, ok := rp.invocations["securityhub-guardduty.json"]; ok {
		t.Error("a HIGH finding invoked the function with AlertSeverity CRITICAL")
	}
}

// TestReplayExtraProducts: a product added with AlertProducts reaches
// Slack; the control findings still do not.
func TestReplayExtraProducts(t *testing.T) {
	rp := newReplay(t, map[string]string{"AlertProducts": "arn:aws:securityhub:us-east-1::product/aws/macie"})
	raw, _ := os.ReadFile(filepath.Join(eventsDir, "securityhub-inspector.json"))
	macie := strings.ReplaceAll(string(raw), "product/aws/inspector", "product/aws/macie")
	for name, p := range rp.rules {
		if ok, _ := p.Match([]byte(macie)); ok != (name == "SecurityHubFindingsRule") {
			t.Errorf("%s on a Macie finding: %v", name, ok)
		}
	}
	if ok, _ := rp.handler.Match([]byte(macie)); !ok {
		t.Error("the handler's pattern drops the Macie finding")
	}
	rp.deliver("securityhub-control.json")
	if len(rp.invocations) != 0 {
		t.Errorf("control finding invoked %v", rp.invocations)
	}
}
