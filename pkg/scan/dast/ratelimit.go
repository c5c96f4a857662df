package dast

import (
	"context"
	"sync"
	"time"

	"github.com/secops-dev/secops/pkg/wait"
)

// tokenBucket allows rate events per second on average with bursts of at
// most burst events. A rate of zero or less means no limit.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
	// slowed is when slowDown last lowered the rate.
	slowed time.Time
}

func newTokenBucket(rate float64, burst int, now func() time.Time) *tokenBucket {
	if burst < 1 {
		burst = 1
	}
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now(), now: now}
}

// Wait blocks until a token is available or ctx ends.
func (b *tokenBucket) Wait(ctx context.Context) error {
	if b.rate <= 0 {
		return ctx.Err()
	}
	for {
		b.mu.Lock()
		now := b.now()
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return nil
		}
		pause := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		b.mu.Unlock()
		if err := wait.Sleep(ctx, pause); err != nil {
			return err
		}
	}
}

// slowDown halves the rate, never below one request per second; a
// bucket without limit gets DefaultLoopbackRate. The answers to one burst
// of requests lower the rate once: it changes at most once a second.
func (b *tokenBucket) slowDown() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.slowed.IsZero() && now.Sub(b.slowed) < time.Second {
		return b.rate
	}
	b.slowed = now
	switch {
	case b.rate <= 0:
		b.rate = DefaultLoopbackRate
		b.tokens = min(b.tokens, b.burst)
		b.last = now
	default:
		b.rate = max(1, b.rate/2)
	}
	return b.rate
}

// current is the rate in force.
func (b *tokenBucket) current() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate
}
