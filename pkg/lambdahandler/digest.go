package lambdahandler

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/notify"
)

// digestPages bounds how much of Security Hub a digest reads (100 findings
// a page, GetFindings paced at 3 a second by the SDK's retries).
const digestPages = 20

// digestPeriod is how far back "new" reaches: the digest runs daily.
const digestPeriod = 24 * time.Hour

// digest posts the failed Security Hub control checks, grouped by control:
// the findings the rules never post one by one.
func (h *Handler) digest(ctx context.Context, ev events.CloudWatchEvent, out *Outcome, log *slog.Logger) error {
	if h.cfg.SecurityHub == nil {
		return fmt.Errorf("digest: no Security Hub client")
	}
	eq := func(vs ...string) []shtypes.StringFilter {
		var f []shtypes.StringFilter
		for _, v := range vs {
			f = append(f, shtypes.StringFilter{Value: aws.String(v), Comparison: shtypes.StringFilterComparisonEquals})
		}
		return f
	}
	in := &securityhub.GetFindingsInput{
		Filters: &shtypes.AwsSecurityFindingFilters{
			ProductName:      eq("Security Hub"),
			RecordState:      eq("ACTIVE"),
			ComplianceStatus: eq("FAILED"),
			WorkflowStatus:   eq("NEW", "NOTIFIED"),
		},
		MaxResults: aws.Int32(100),
	}
	var list []findings.Finding
	truncated := false
	for page := 0; ; page++ {
		if page == digestPages {
			truncated = true
			break
		}
		resp, err := h.cfg.SecurityHub.GetFindings(ctx, in)
		if err != nil {
			return fmt.Errorf("digest: read failed controls (securityhub:GetFindings): %w", err)
		}
		for _, raw := range resp.Findings {
			f, err := findings.FromSDK(raw)
			if err != nil {
				return fmt.Errorf("digest: %w", err)
			}
			list = append(list, f)
		}
		if aws.ToString(resp.NextToken) == "" {
			break
		}
		in.NextToken = resp.NextToken
	}
	if len(list) == 0 {
		log.Info("digest: no failed controls; nothing posted")
		return nil
	}
	now := h.cfg.Now()
	if !ev.Time.IsZero() {
		now = ev.Time
	}
	d := notify.ControlDigest{
		Partition: findings.PartitionOf(ev.Region), Region: ev.Region, Account: ev.AccountID,
		Controls: notify.DigestControls(list, now.Add(-digestPeriod)), Since: now.Add(-digestPeriod), Truncated: truncated,
	}
	n, err := h.notifier(ctx)
	if err != nil {
		return err
	}
	// One digest a day, whichever instance runs it and however often
	// EventBridge delivers the event.
	key := "digest|" + strings.TrimSpace(ev.ID)
	sent, err := n.Once(ctx, key, notify.ControlDigestMessage(d))
	h.count(sent, err, out)
	return err
}
