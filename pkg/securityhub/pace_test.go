package securityhub

import (
	"context"
	"testing"
	"time"

	"github.com/secops-dev/secops/internal/fakehub"
	"github.com/secops-dev/secops/pkg/ratelimit"
	"github.com/secops-dev/secops/pkg/wait"
)

func TestTokenBucket(t *testing.T) {
	tests := []struct {
		rate     float64
		burst, n int
		want     time.Duration // simulated time n requests take
	}{
		{10, 30, 30, 0},
		{10, 30, 31, 100 * time.Millisecond},
		{10, 30, 130, 10 * time.Second},
		{3, 6, 6, 0},
		{3, 6, 12, 2 * time.Second},
	}
	for _, tt := range tests {
		clock := fakehub.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		b := ratelimit.New(tt.rate, tt.burst, clock.Now, clock.Sleep)
		start := clock.Now()
		var at []request
		for range tt.n {
			if err := b.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			at = append(at, request{At: clock.Now()})
		}
		if got := clock.Now().Sub(start); got < tt.want || got > tt.want+time.Millisecond {
			t.Errorf("rate %.0f burst %d: %d requests took %s, want %s", tt.rate, tt.burst, tt.n, got, tt.want)
		}
		checkPacing(t, at, tt.rate, tt.burst)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := ratelimit.New(1, 1, time.Now, wait.Sleep)
	b.Wait(context.Background())
	if err := b.Wait(ctx); err == nil {
		t.Error("Wait with a cancelled context returned nil")
	}
}
