package ratelimit

import (
	"context"
	"testing"
	"time"
)

// fakeClock advances only when the bucket sleeps.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

// TestBucketPaces: no one-second window holds more than rate+burst
// events, and the long-run rate is rate.
func TestBucketPaces(t *testing.T) {
	tests := []struct {
		rate  float64
		burst int
	}{{10, 30}, {3, 6}, {1, 1}, {100, 2}}
	for _, tt := range tests {
		c := &fakeClock{t: time.Unix(0, 0)}
		b := New(tt.rate, tt.burst, c.Now, c.Sleep)
		var at []time.Time
		for range 500 {
			if err := b.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			at = append(at, c.t)
		}
		limit := int(tt.rate) + tt.burst
		for i := range at {
			n := 0
			for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
				n++
			}
			if n > limit {
				t.Fatalf("rate %v burst %d: %d events within a second from %v", tt.rate, tt.burst, n, at[i])
			}
		}
		elapsed := at[len(at)-1].Sub(at[0]).Seconds()
		if want := float64(500-tt.burst) / tt.rate; elapsed < want*0.99 || elapsed > want*1.01 {
			t.Errorf("rate %v burst %d: 500 events in %.2fs, want about %.2fs", tt.rate, tt.burst, elapsed, want)
		}
	}
}

// TestNoLimit: a rate of zero or less never waits, and SetRate applies.
func TestNoLimit(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	b := New(0, 1, c.Now, c.Sleep)
	for range 1000 {
		b.Wait(context.Background())
	}
	if !c.t.Equal(time.Unix(0, 0)) {
		t.Errorf("an unlimited bucket slept until %v", c.t)
	}
	b.SetRate(2)
	for range 5 {
		b.Wait(context.Background())
	}
	if c.t.Sub(time.Unix(0, 0)) < 1500*time.Millisecond {
		t.Errorf("after SetRate(2), 5 events took only %v", c.t.Sub(time.Unix(0, 0)))
	}
}

// TestWaitStopsWithTheContext: a cancelled context ends the wait.
func TestWaitStopsWithTheContext(t *testing.T) {
	b := New(0.001, 1, nil, nil)
	b.Wait(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Wait(ctx); err == nil {
		t.Error("Wait returned nil on a cancelled context")
	}
}
