package dast

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// throttling answers 429 to any request that comes less than gap after
// the last one it served, like a WAF or API gateway rate limit.
func throttling(gap time.Duration, retryAfter string, next http.Handler) http.Handler {
	var mu sync.Mutex
	var last time.Time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		now := time.Now()
		limited := now.Sub(last) < gap
		if !limited {
			last = now
		}
		mu.Unlock()
		if limited {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// TestThrottledTargetSlowsDown scans a target that rate-limits the
// scanner: the scanner must back off and retry rather than lose the
// crawl, must not read a 429 as a changed page (boolean SQL injection),
// and must say it was throttled.
func TestThrottledTargetSlowsDown(t *testing.T) {
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<a href="/item?id=1">item</a><a href="/about">about</a>`)
		case "/item", "/about":
			fmt.Fprint(w, `<p>An item page.</p>`)
		default:
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewServer(throttling(5*time.Millisecond, "0", app))
	defer srv.Close()
	res, err := Scan(context.Background(), Options{Target: srv.URL, Rate: -1, Concurrency: 4, MaxDuration: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Parameters: id, and User-Agent, Referer and X-Forwarded-For of the
	// three HTML pages.
	if res.Stats.Pages < 4 || res.Stats.Parameters != 1+3*3 {
		t.Errorf("crawled %d pages and %d parameters; want /, robots.txt, sitemap.xml, /item, /about, the id parameter and 3 headers of 3 pages", res.Stats.Pages, res.Stats.Parameters)
	}
	for _, i := range res.Issues {
		if Checks[i.Check].Active {
			t.Errorf("false positive from throttled responses: %s on %s %s", i.Check, i.URL, i.Param)
		}
	}
	if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "429 Too Many Requests") || !strings.Contains(w, "--rate") {
		t.Errorf("warnings do not say the target throttled the scan: %q", w)
	}
}

// TestAlwaysThrottledTarget: a target that answers nothing but 429 is an
// error that says so, not a clean scan with no findings.
func TestAlwaysThrottledTarget(t *testing.T) {
	always := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	}))
	defer always.Close()
	_, err := Scan(context.Background(), Options{Target: always.URL, Rate: -1, MaxDuration: 30 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "429 Too Many Requests") || !strings.Contains(err.Error(), "--rate") {
		t.Errorf("err = %v, want it to say the target keeps answering 429 and to suggest --rate", err)
	}
}

func TestThrottledFor(t *testing.T) {
	future := time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		attempt    int
		throttled  bool
		min, max   time.Duration
	}{
		{"429 with seconds", 429, "3", 0, true, 3 * time.Second, 3 * time.Second},
		{"429 with a date", 429, future, 0, true, 0, 2 * time.Second},
		{"429 without Retry-After backs off", 429, "", 2, true, 2 * time.Second, 2 * time.Second},
		{"429 asking for an hour is capped", 429, "3600", 0, true, maxRetryAfter, maxRetryAfter},
		{"503 with Retry-After", 503, "1", 0, true, time.Second, time.Second},
		{"503 without Retry-After is the page", 503, "", 0, false, 0, 0},
		{"200", 200, "5", 0, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.retryAfter != "" {
				h.Set("Retry-After", tt.retryAfter)
			}
			wait, throttled := throttledFor(&Response{StatusCode: tt.status, Header: h}, tt.attempt)
			if throttled != tt.throttled || wait < tt.min || wait > tt.max {
				t.Errorf("throttledFor = %s, %v; want %v within [%s, %s]", wait, throttled, tt.throttled, tt.min, tt.max)
			}
		})
	}
}
