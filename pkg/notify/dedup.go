package notify

import (
	"context"
	"sync"
	"time"
)

// Dedup remembers what was posted, so that a burst of the same finding
// (Security Hub re-imports, EventBridge retries, the same event delivered
// twice) reaches Slack once per window. A Notifier claims a key before it
// posts and releases the claim when Slack does not accept the message.
type Dedup interface {
	// Claim records key as posted at now; false when it already is, within
	// the window.
	Claim(ctx context.Context, key string, now time.Time) (bool, error)
	// Release forgets a claim whose message was not delivered.
	Release(ctx context.Context, key string) error
}

// Deduper is a Dedup in memory: it lasts as long as the process (a warm
// Lambda container).
type Deduper struct {
	window time.Duration

	mu   sync.Mutex
	seen map[string]time.Time
}

// NewDeduper remembers keys for window.
func NewDeduper(window time.Duration) *Deduper {
	return &Deduper{window: window, seen: map[string]time.Time{}}
}

// Claim implements Dedup.
func (d *Deduper) Claim(_ context.Context, key string, now time.Time) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, t := range d.seen {
		if now.Sub(t) >= d.window {
			delete(d.seen, k)
		}
	}
	if t, ok := d.seen[key]; ok && now.Sub(t) < d.window {
		return false, nil
	}
	d.seen[key] = now
	return true, nil
}

// Release implements Dedup.
func (d *Deduper) Release(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.seen, key)
	return nil
}
