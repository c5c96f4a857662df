package dast

import (
	"sync"
	"time"

	"github.com/secops-dev/secops/pkg/ratelimit"
)

// tokenBucket is the scanner's request pace: a ratelimit.Bucket that
// slows down when the target says it is overwhelmed.
type tokenBucket struct {
	*ratelimit.Bucket
	mu sync.Mutex
	// slowed is when slowDown last lowered the rate.
	slowed time.Time
}

func newTokenBucket(rate float64, burst int, now func() time.Time) *tokenBucket {
	return &tokenBucket{Bucket: ratelimit.New(rate, burst, now, nil)}
}

// slowDown halves the rate, never below one request per second; a
// bucket without limit gets DefaultLoopbackRate. The answers to one burst
// of requests lower the rate once: it changes at most once a second.
func (b *tokenBucket) slowDown() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.Now()
	if !b.slowed.IsZero() && now.Sub(b.slowed) < time.Second {
		return b.Rate()
	}
	b.slowed = now
	if b.Rate() <= 0 {
		b.SetRate(DefaultLoopbackRate)
	} else {
		b.SetRate(max(1, b.Rate()/2))
	}
	return b.Rate()
}

// current is the rate in force.
func (b *tokenBucket) current() float64 { return b.Rate() }
