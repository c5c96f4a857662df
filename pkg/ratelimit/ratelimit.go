// Package ratelimit holds the token bucket that paces requests: the DAST
// scanner's requests to a target, secops's calls to Security Hub.
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/secops-dev/secops/pkg/wait"
)

// Bucket allows Rate events a second on average, with bursts of at most
// Burst: it holds up to Burst tokens, gains Rate tokens a second, and each
// event takes one. A rate of zero or less means no limit. It is safe for
// concurrent use.
type Bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
}

// New returns a full bucket. now and sleep may be nil for the real clock;
// tests pass a fake one.
func New(rate float64, burst int, now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) *Bucket {
	if burst < 1 {
		burst = 1
	}
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = wait.Sleep
	}
	return &Bucket{rate: rate, burst: float64(burst), tokens: float64(burst), now: now, sleep: sleep}
}

// Wait takes a token, sleeping until one is there or ctx ends.
func (b *Bucket) Wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		if b.rate <= 0 {
			b.mu.Unlock()
			return ctx.Err()
		}
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
		pause := time.Duration(math.Ceil((1 - b.tokens) / b.rate * float64(time.Second)))
		b.mu.Unlock()
		if err := b.sleep(ctx, pause); err != nil {
			return err
		}
	}
}

// Rate is the rate in force.
func (b *Bucket) Rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate
}

// SetRate changes the rate; tokens already held stay.
func (b *Bucket) SetRate(rate float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rate = rate
}

// Now is the bucket's clock.
func (b *Bucket) Now() time.Time { return b.now() }
