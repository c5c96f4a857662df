package notify

import (
	"sync"
	"time"
)

// Deduper remembers what was sent recently so a burst of the same finding
// (Security Hub re-imports, EventBridge retries, a warm Lambda receiving the
// same event twice) reaches Slack once per window.
type Deduper struct {
	window time.Duration

	mu   sync.Mutex
	seen map[string]time.Time
}

// NewDeduper remembers keys for window.
func NewDeduper(window time.Duration) *Deduper {
	return &Deduper{window: window, seen: map[string]time.Time{}}
}

// Seen reports whether key was sent within the window before now.
func (d *Deduper) Seen(key string, now time.Time) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.seen[key]
	return ok && now.Sub(t) < d.window
}

// Mark records keys as sent at now and forgets expired ones.
func (d *Deduper) Mark(now time.Time, keys ...string) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, t := range d.seen {
		if now.Sub(t) >= d.window {
			delete(d.seen, k)
		}
	}
	for _, k := range keys {
		d.seen[k] = now
	}
}
