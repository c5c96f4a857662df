package zap

import (
	"context"
	"fmt"
	"time"

	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/wait"
)

// Options configure a ZAP-driven scan.
type Options struct {
	Target string
	// Ajax also runs the AJAX spider (needs a browser in the ZAP host).
	Ajax bool
	// SkipActive runs the spiders and passive scan only.
	SkipActive bool
	// Poll is the status polling interval (default 2s).
	Poll time.Duration
	// Progress shows one line per poll; nil shows nothing.
	Progress *progress.Reporter
}

// Scan runs spider, optional AJAX spider, passive-scan drain and active
// scan against opts.Target, then returns the target's alerts. On error
// or interruption it returns the alerts it could still fetch.
func Scan(ctx context.Context, c *Client, opts Options) ([]Alert, error) {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	say := opts.Progress.Step
	if v, err := c.Version(ctx); err != nil {
		return nil, err
	} else {
		say("ZAP %s at %s", v, c.base)
	}
	id, err := c.Spider(ctx, opts.Target)
	if err != nil {
		return nil, fmt.Errorf("start spider: %w", err)
	}
	if err := poll(ctx, opts.Poll, func(ctx context.Context) (bool, error) {
		p, err := c.SpiderStatus(ctx, id)
		say("spider %d%%", p)
		return p >= 100, err
	}); err != nil {
		return c.partial(ctx, opts.Target, fmt.Errorf("spider: %w", err))
	}
	if opts.Ajax {
		if err := c.AjaxSpider(ctx, opts.Target); err != nil {
			return c.partial(ctx, opts.Target, fmt.Errorf("start AJAX spider: %w", err))
		}
		if err := poll(ctx, opts.Poll, func(ctx context.Context) (bool, error) {
			running, err := c.AjaxSpiderRunning(ctx)
			say("AJAX spider running")
			return !running, err
		}); err != nil {
			return c.partial(ctx, opts.Target, fmt.Errorf("AJAX spider: %w", err))
		}
	}
	if err := poll(ctx, opts.Poll, func(ctx context.Context) (bool, error) {
		n, err := c.RecordsToScan(ctx)
		say("passive scan: %d records left", n)
		return n == 0, err
	}); err != nil {
		return c.partial(ctx, opts.Target, fmt.Errorf("passive scan: %w", err))
	}
	if !opts.SkipActive {
		id, err := c.ActiveScan(ctx, opts.Target)
		if err != nil {
			return c.partial(ctx, opts.Target, fmt.Errorf("start active scan: %w", err))
		}
		if err := poll(ctx, opts.Poll, func(ctx context.Context) (bool, error) {
			p, err := c.ActiveScanStatus(ctx, id)
			say("active scan %d%%", p)
			return p >= 100, err
		}); err != nil {
			return c.partial(ctx, opts.Target, fmt.Errorf("active scan: %w", err))
		}
	}
	alerts, err := c.Alerts(ctx, opts.Target, 0)
	if err != nil {
		return alerts, fmt.Errorf("fetch alerts: %w", err)
	}
	say("%d alerts", len(alerts))
	return alerts, nil
}

// partial fetches what ZAP found so far after cause stopped the scan.
func (c *Client) partial(ctx context.Context, target string, cause error) ([]Alert, error) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	alerts, _ := c.Alerts(fctx, target, 0)
	return alerts, cause
}

func poll(ctx context.Context, every time.Duration, done func(context.Context) (bool, error)) error {
	for {
		ok, err := done(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if err := wait.Sleep(ctx, every); err != nil {
			return err
		}
	}
}
