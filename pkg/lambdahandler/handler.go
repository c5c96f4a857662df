// Package lambdahandler runs secops as an AWS Lambda function behind
// EventBridge rules: it filters "Security Hub Findings - Imported",
// "Config Rules Compliance Change" (and "GuardDuty Finding") events with an
// event pattern, posts each problem to Slack once (Security Hub findings are
// marked NOTIFIED; everything is remembered in a durable dedup store), and
// on a schedule posts a digest of Security Hub's failed controls.
package lambdahandler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secops-dev/secops/pkg/compliance"
	"github.com/secops-dev/secops/pkg/eventpattern"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/notify"
)

// Event detail types the handler understands.
const (
	DetailSecurityHubImported = "Security Hub Findings - Imported"
	DetailGuardDuty           = "GuardDuty Finding"
	DetailConfigCompliance    = "Config Rules Compliance Change"
	// DetailScheduled is EventBridge's scheduled event: the daily digest.
	DetailScheduled = "Scheduled Event"
)

// DefaultPattern is used when SECOPS_EVENT_PATTERN is unset; it is the
// alerts stack's routing with its defaults. Security Hub findings that are
// HIGH or CRITICAL, NEW and ACTIVE, of this account's own product (secops),
// Inspector and GuardDuty: each source reaches Slack once, GuardDuty
// through Security Hub (where NOTIFIED stops its 15-minute updates) and
// never directly, and Security Hub's control findings only in the digest.
// AWS Config rules of conformance packs turning NON_COMPLIANT, never
// Security Hub's service-managed securityhub-* rules.
const DefaultPattern = `{"$or": [
  {"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"],
   "detail": {"findings": {
     "ProductArn": [{"wildcard": "arn:*:securityhub:*:*:product/*/default"}, {"wildcard": "arn:*:securityhub:*::product/aws/inspector"}, {"wildcard": "arn:*:securityhub:*::product/aws/guardduty"}],
     "Severity": {"Label": ["HIGH", "CRITICAL"]}, "Workflow": {"Status": ["NEW"]}, "RecordState": ["ACTIVE"]}}},
  {"source": ["aws.config"], "detail-type": ["Config Rules Compliance Change"],
   "detail": {"messageType": ["ComplianceChangeNotification"],
     "configRuleARN": [{"wildcard": "arn:*:config:*:*:config-rule/aws-service-rule/config-conforms.amazonaws.com/*"}],
     "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}}}
]}`

// secretsAPI is the Secrets Manager call the handler makes.
type secretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// securityHubAPI is the Security Hub calls the handler makes: marking
// findings NOTIFIED, and reading failed controls for the digest.
type securityHubAPI interface {
	BatchUpdateFindings(ctx context.Context, in *securityhub.BatchUpdateFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error)
	GetFindings(ctx context.Context, in *securityhub.GetFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error)
}

// configRulesAPI looks up what a Config rule checks, to name the ISMS-P
// controls in compliance-change messages.
type configRulesAPI interface {
	DescribeConfigRules(ctx context.Context, in *configservice.DescribeConfigRulesInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConfigRulesOutput, error)
}

// Config wires a Handler.
type Config struct {
	// Pattern filters events (and, for Security Hub, each finding).
	Pattern *eventpattern.Pattern
	// SecretARN names the Secrets Manager secret holding the webhook URL,
	// as the bare URL or JSON {"webhook_url": "…"}.
	SecretARN   string
	Secrets     secretsAPI
	SecurityHub securityHubAPI
	// ConfigRules, when set, names the ISMS-P controls of a rule in Config
	// messages (needs config:DescribeConfigRules; without it the message
	// simply has no controls).
	ConfigRules configRulesAPI
	// Dedup remembers what was posted: a DynamoDB table (DynamoDedup)
	// survives cold starts; the default remembers for a warm container
	// only (10 min).
	Dedup notify.Dedup
	Now   func() time.Time
	Log   *slog.Logger
	// Sender tunes the Slack sender built from the secret (tests shorten
	// its waits); nil keeps the Lambda settings (see SlackRetryBudget).
	Sender func(*notify.Sender)
}

// Handler handles one event per invocation; a warm function reuses it, so
// the webhook secret is read once and de-duplication spans invocations.
type Handler struct {
	cfg Config

	mu       sync.Mutex
	sender   *notify.Sender
	mapping  *compliance.Mapping
	controls map[string][]string // rule name -> ISMS-P controls
}

// New checks the configuration and returns a Handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Pattern == nil {
		cfg.Pattern = eventpattern.MustCompile(DefaultPattern)
	}
	if cfg.SecretARN == "" {
		return nil, errors.New("SECOPS_WEBHOOK_SECRET_ARN is not set: store the Slack webhook URL in Secrets Manager and set the secret's ARN")
	}
	if cfg.Secrets == nil {
		return nil, errors.New("no Secrets Manager client")
	}
	if cfg.Dedup == nil {
		cfg.Dedup = notify.NewDeduper(10 * time.Minute)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg}, nil
}

// Outcome is what one invocation did; Lambda logs it as the result.
type Outcome struct {
	EventID    string   `json:"eventId"`
	DetailType string   `json:"detailType"`
	Matched    bool     `json:"matched"`
	Sent       int      `json:"sent"`
	Duplicates int      `json:"duplicates,omitempty"`
	Skipped    int      `json:"skipped,omitempty"`
	Marked     int      `json:"markedNotified,omitempty"`
	Unmarked   []string `json:"notMarked,omitempty"`
}

// Handle processes one EventBridge event.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (Outcome, error) {
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Outcome{}, fmt.Errorf("event is not an EventBridge event: %w", err)
	}
	out := Outcome{EventID: ev.ID, DetailType: ev.DetailType}
	log := h.cfg.Log.With("event_id", ev.ID, "detail_type", ev.DetailType, "source", ev.Source)
	if ev.Source == "aws.events" && ev.DetailType == DetailScheduled {
		out.Matched = true
		if err := h.digest(ctx, ev, &out, log); err != nil {
			log.Error("digest failed", "error", err.Error())
			return out, err
		}
		log.Info("digest", "sent", out.Sent)
		return out, nil
	}
	ok, err := h.cfg.Pattern.Match(raw)
	if err != nil {
		return out, fmt.Errorf("match event: %w", err)
	}
	if !ok {
		log.Info("skipped: event does not match the event pattern")
		return out, nil
	}
	out.Matched = true
	switch ev.DetailType {
	case DetailSecurityHubImported:
		err = h.securityHub(ctx, ev, &out, log)
	case DetailGuardDuty:
		err = h.guardDuty(ctx, ev, &out, log)
	case DetailConfigCompliance:
		err = h.config(ctx, ev, &out, log)
	default:
		log.Warn("skipped: secops does not handle this event type")
		return out, nil
	}
	if err != nil {
		log.Error("notification failed", "error", err.Error())
		return out, err
	}
	log.Info("handled", "sent", out.Sent, "duplicates", out.Duplicates, "skipped", out.Skipped, "marked_notified", out.Marked)
	return out, nil
}

func (h *Handler) securityHub(ctx context.Context, ev events.CloudWatchEvent, out *Outcome, log *slog.Logger) error {
	var detail struct {
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(ev.Detail, &detail); err != nil {
		return fmt.Errorf("read Security Hub findings from the event: %w", err)
	}
	var list []findings.Finding
	for i, raw := range detail.Findings {
		// Keep only the findings that match on their own: an event may carry
		// several, and the pattern speaks about one.
		single, err := withSingleFinding(ev, raw)
		if err != nil {
			return err
		}
		if ok, _ := h.cfg.Pattern.Match(single); !ok {
			out.Skipped++
			continue
		}
		var f findings.Finding
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("finding %d of the event is not ASFF: %w", i, err)
		}
		list = append(list, f)
	}
	if len(list) == 0 {
		return nil
	}
	n, err := h.notifier(ctx)
	if err != nil {
		return err
	}
	res, err := n.Findings(ctx, list)
	out.Sent += len(res.Notified)
	out.Duplicates += res.Duplicates
	if len(res.Notified) > 0 {
		// Mark what Slack accepted, even when a later message failed.
		if merr := h.markNotified(ctx, list, res.Notified, out, log); merr != nil && err == nil {
			err = merr
		}
	}
	if err != nil {
		h.dropSenderOnGone(err)
	}
	return err
}

func withSingleFinding(ev events.CloudWatchEvent, finding json.RawMessage) ([]byte, error) {
	detail, err := json.Marshal(map[string]any{"findings": []json.RawMessage{finding}})
	if err != nil {
		return nil, err
	}
	ev.Detail = detail
	return json.Marshal(ev)
}

// markNotified sets Workflow.Status NOTIFIED on the sent findings, 100 per
// BatchUpdateFindings call.
func (h *Handler) markNotified(ctx context.Context, list []findings.Finding, ids []string, out *Outcome, log *slog.Logger) error {
	if h.cfg.SecurityHub == nil {
		return nil
	}
	arns := map[string]string{}
	for _, f := range list {
		arns[f.Id] = f.ProductArn
	}
	var errs []error
	for start := 0; start < len(ids); start += 100 {
		batch := ids[start:min(start+100, len(ids))]
		in := &securityhub.BatchUpdateFindingsInput{Workflow: &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatusNotified}}
		for _, id := range batch {
			in.FindingIdentifiers = append(in.FindingIdentifiers, shtypes.AwsSecurityFindingIdentifier{Id: aws.String(id), ProductArn: aws.String(arns[id])})
		}
		resp, err := h.cfg.SecurityHub.BatchUpdateFindings(ctx, in)
		if err != nil {
			out.Unmarked = append(out.Unmarked, batch...)
			errs = append(errs, fmt.Errorf("mark %d findings NOTIFIED (securityhub:BatchUpdateFindings): %w", len(batch), err))
			continue
		}
		out.Marked += len(resp.ProcessedFindings)
		for _, u := range resp.UnprocessedFindings {
			id := ""
			if u.FindingIdentifier != nil {
				id = aws.ToString(u.FindingIdentifier.Id)
			}
			out.Unmarked = append(out.Unmarked, id)
			log.Warn("finding not marked NOTIFIED", "finding_id", id, "error_code", aws.ToString(u.ErrorCode), "error", aws.ToString(u.ErrorMessage))
		}
	}
	return errors.Join(errs...)
}

func (h *Handler) guardDuty(ctx context.Context, ev events.CloudWatchEvent, out *Outcome, log *slog.Logger) error {
	var d struct {
		ID          string  `json:"id"`
		AccountID   string  `json:"accountId"`
		Region      string  `json:"region"`
		Partition   string  `json:"partition"`
		Type        string  `json:"type"`
		Title       string  `json:"title"`
		Description string  `json:"description"`
		Severity    float64 `json:"severity"`
		UpdatedAt   string  `json:"updatedAt"`
		Resource    struct {
			ResourceType    string `json:"resourceType"`
			InstanceDetails *struct {
				InstanceID string `json:"instanceId"`
			} `json:"instanceDetails"`
			AccessKeyDetails *struct {
				AccessKeyID string `json:"accessKeyId"`
				UserName    string `json:"userName"`
			} `json:"accessKeyDetails"`
			EksClusterDetails *struct {
				Name string `json:"name"`
			} `json:"eksClusterDetails"`
		} `json:"resource"`
		Service struct {
			Count int `json:"count"`
		} `json:"service"`
	}
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		return fmt.Errorf("read the GuardDuty finding from the event: %w", err)
	}
	g := notify.GuardDutyFinding{
		ID: d.ID, Type: d.Type, Title: d.Title, Description: d.Description,
		Account: firstNonEmpty(d.AccountID, ev.AccountID), Region: firstNonEmpty(d.Region, ev.Region), Partition: d.Partition,
		Severity: d.Severity, ResourceType: d.Resource.ResourceType, UpdatedAt: d.UpdatedAt, Count: d.Service.Count,
	}
	switch {
	case d.Resource.InstanceDetails != nil:
		g.ResourceID = d.Resource.InstanceDetails.InstanceID
	case d.Resource.AccessKeyDetails != nil:
		g.ResourceID = firstNonEmpty(d.Resource.AccessKeyDetails.UserName, d.Resource.AccessKeyDetails.AccessKeyID)
	case d.Resource.EksClusterDetails != nil:
		g.ResourceID = d.Resource.EksClusterDetails.Name
	}
	n, err := h.notifier(ctx)
	if err != nil {
		return err
	}
	sent, err := n.GuardDuty(ctx, g)
	h.count(sent, err, out)
	return err
}

func (h *Handler) config(ctx context.Context, ev events.CloudWatchEvent, out *Outcome, log *slog.Logger) error {
	type result struct {
		ComplianceType string `json:"complianceType"`
		Annotation     string `json:"annotation"`
	}
	var d struct {
		AccountID                string  `json:"awsAccountId"`
		Region                   string  `json:"awsRegion"`
		RuleName                 string  `json:"configRuleName"`
		ResourceType             string  `json:"resourceType"`
		ResourceID               string  `json:"resourceId"`
		New                      *result `json:"newEvaluationResult"`
		Old                      *result `json:"oldEvaluationResult"`
		NotificationCreationTime string  `json:"notificationCreationTime"`
	}
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		return fmt.Errorf("read the Config compliance change from the event: %w", err)
	}
	c := notify.ComplianceChange{
		Account: firstNonEmpty(d.AccountID, ev.AccountID), Region: firstNonEmpty(d.Region, ev.Region), Partition: findings.PartitionOf(ev.Region),
		RuleName: d.RuleName, ResourceType: d.ResourceType, ResourceID: d.ResourceID,
	}
	if d.New != nil {
		c.NewStatus, c.Annotation = d.New.ComplianceType, d.New.Annotation
	}
	if d.Old != nil {
		c.OldStatus = d.Old.ComplianceType
	}
	if t, err := time.Parse(time.RFC3339Nano, d.NotificationCreationTime); err == nil {
		c.Time = t
	}
	c.Controls = h.ruleControls(ctx, d.RuleName, log)
	n, err := h.notifier(ctx)
	if err != nil {
		return err
	}
	sent, err := n.Compliance(ctx, c)
	h.count(sent, err, out)
	return err
}

func (h *Handler) count(sent bool, err error, out *Outcome) {
	switch {
	case err != nil:
		h.dropSenderOnGone(err)
	case sent:
		out.Sent++
	default:
		out.Duplicates++
	}
}

// ruleControls finds the ISMS-P controls a deployed rule evidences: its
// Source.SourceIdentifier from DescribeConfigRules, joined to the mapping.
// Lookups are cached; failures only cost the controls line.
func (h *Handler) ruleControls(ctx context.Context, rule string, log *slog.Logger) []string {
	if h.cfg.ConfigRules == nil || rule == "" {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if got, ok := h.controls[rule]; ok {
		return got
	}
	if h.mapping == nil {
		m, err := compliance.LoadISMSP()
		if err != nil {
			log.Warn("ISMS-P mapping unavailable", "error", err.Error())
			return nil
		}
		h.mapping, h.controls = m, map[string][]string{}
	}
	out, err := h.cfg.ConfigRules.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{rule}})
	if err != nil {
		log.Warn("cannot look up the Config rule (config:DescribeConfigRules)", "rule", rule, "error", err.Error())
		return nil
	}
	var controls []string
	for _, r := range out.ConfigRules {
		if r.Source == nil {
			continue
		}
		if mr, ok := h.mapping.Rule(aws.ToString(r.Source.SourceIdentifier)); ok {
			controls = mr.Controls
		}
	}
	h.controls[rule] = controls
	return controls
}

// The Slack sender's settings in Lambda: a message gets at most
// SlackRetryBudget, which the function's timeout must exceed.
const (
	slackTimeout       = 10 * time.Second
	slackAttempts      = 4
	slackMaxRetryAfter = 15 * time.Second
	// SlackRetryBudget is the longest one message can take: every attempt
	// timing out, and the longest wait between attempts each time.
	SlackRetryBudget = slackAttempts*slackTimeout + (slackAttempts-1)*slackMaxRetryAfter
)

// notifier builds the Slack notifier, reading the webhook secret on first
// use and caching it for the life of the function instance.
func (h *Handler) notifier(ctx context.Context) (*notify.Notifier, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sender == nil {
		out, err := h.cfg.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(h.cfg.SecretARN)})
		if err != nil {
			return nil, fmt.Errorf("read the Slack webhook secret (secretsmanager:GetSecretValue): %w", err)
		}
		webhook, err := webhookFromSecret(aws.ToString(out.SecretString))
		if err != nil {
			return nil, err
		}
		s, err := notify.NewSender(webhook)
		if err != nil {
			return nil, fmt.Errorf("the Slack webhook secret: %w", err)
		}
		s.Timeout, s.MaxAttempts, s.MaxRetryAfter = slackTimeout, slackAttempts, slackMaxRetryAfter
		if h.cfg.Sender != nil {
			h.cfg.Sender(s)
		}
		h.sender = s
	}
	return &notify.Notifier{Sender: h.sender, Dedup: h.cfg.Dedup, Now: h.cfg.Now}, nil
}

// dropSenderOnGone forgets the cached webhook when Slack says it no longer
// exists, so a rotated secret is picked up by the next invocation.
func (h *Handler) dropSenderOnGone(err error) {
	var se *notify.SendError
	if errors.As(err, &se) && (se.Status == 404 || se.Status == 403 || se.Status == 410) {
		h.mu.Lock()
		h.sender = nil
		h.mu.Unlock()
	}
}

// webhookFromSecret accepts the bare URL or a JSON object holding it.
func webhookFromSecret(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") {
		if s == "" {
			return "", errors.New("the Slack webhook secret is empty (or binary): store the URL as SecretString")
		}
		return s, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return "", errors.New("the Slack webhook secret is neither a URL nor JSON")
	}
	for _, k := range []string{"webhook_url", "webhookUrl", "slack_webhook_url", "url"} {
		if v, ok := m[k].(string); ok && v != "" {
			return v, nil
		}
	}
	return "", errors.New(`the Slack webhook secret is JSON without a "webhook_url" key`)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
