package securityhub

import (
	"context"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"github.com/secops-dev/secops/pkg/ratelimit"
)

// Security Hub's request quotas per account and Region (Security Hub user
// guide, "Quotas": doc_source/securityhub_limits.md in
// awsdocs/aws-security-hub-user-guide, and the BatchImportFindings
// guidelines at
// https://docs.aws.amazon.com/securityhub/latest/partnerguide/guidelines-batchimportfindings.html):
// GetFindings 3 requests per second with bursts of 6, BatchImportFindings
// and BatchUpdateFindings 10 per second with bursts of 30.
var quotas = map[string]struct {
	rate  float64
	burst int
}{
	"GetFindings":         {3, 6},
	"BatchImportFindings": {10, 30},
	"BatchUpdateFindings": {10, 30},
}

// Sleeper waits for d or until ctx ends.
type Sleeper func(ctx context.Context, d time.Duration) error

// pacer is SDK middleware that takes a token from the operation's bucket
// before every attempt, retries included, so the account's quota is
// respected however many attempts throttling causes.
type pacer struct {
	buckets map[string]*ratelimit.Bucket
}

func newPacer(now func() time.Time, sleep Sleeper) *pacer {
	p := &pacer{buckets: make(map[string]*ratelimit.Bucket)}
	for op, q := range quotas {
		p.buckets[op] = ratelimit.New(q.rate, q.burst, now, sleep)
	}
	return p
}

func (p *pacer) ID() string { return "SecopsPacer" }

func (p *pacer) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	if b := p.buckets[awsmiddleware.GetOperationName(ctx)]; b != nil {
		if err := b.Wait(ctx); err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
	}
	return next.HandleFinalize(ctx, in)
}

// addPacer puts p after the retry middleware, so it runs once per attempt.
func (p *pacer) addTo(stack *middleware.Stack) error {
	return stack.Finalize.Insert(p, "Retry", middleware.After)
}
