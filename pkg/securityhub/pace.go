package securityhub

import (
	"context"
	"math"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
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

// tokenBucket paces requests: it holds up to burst tokens, gains rate
// tokens a second, and each request takes one.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
	sleep  Sleeper
}

func newTokenBucket(rate float64, burst int, now func() time.Time, sleep Sleeper) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), now: now, sleep: sleep}
}

// Wait takes a token, sleeping until one is there.
func (b *tokenBucket) Wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := b.now()
		if !b.last.IsZero() {
			b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		}
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return nil
		}
		// Rounded up, so that after the sleep the token is there.
		wait := time.Duration(math.Ceil((1 - b.tokens) / b.rate * float64(time.Second)))
		b.mu.Unlock()
		if err := b.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// pacer is SDK middleware that takes a token from the operation's bucket
// before every attempt, retries included, so the account's quota is
// respected however many attempts throttling causes.
type pacer struct {
	buckets map[string]*tokenBucket
}

func newPacer(now func() time.Time, sleep Sleeper) *pacer {
	p := &pacer{buckets: make(map[string]*tokenBucket)}
	for op, q := range quotas {
		p.buckets[op] = newTokenBucket(q.rate, q.burst, now, sleep)
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
