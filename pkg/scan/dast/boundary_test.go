package dast

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestNothingLeavesScope points every kind of reference of a target at a
// second server: links, forms, redirects, robots.txt, sitemap.xml, script
// strings, meta refresh, an open redirect and an SSRF-prone fetcher. The
// second server must see no request at all.
func TestNothingLeavesScope(t *testing.T) {
	var outside atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outside.Add(1)
		fmt.Fprint(w, `<a href="/more">more</a>`)
	}))
	defer other.Close()
	o := other.URL
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<a href="%[1]s/a">a</a><a href="//%[2]s/b">b</a><iframe src="%[1]s/frame"></iframe>
<meta http-equiv="refresh" content="0; url=%[1]s/refresh">
<form action="%[1]s/post" method="post"><input name="x"></form>
<form action="%[1]s/get"><input name="y"></form>
<script>var u = "%[1]s/script"; fetch("%[1]s/api", {method: "POST", body: JSON.stringify({"k": "v"})});</script>
<a href="/go?to=/">go</a><a href="/away">away</a><a href="/fetch?url=/">fetch</a>`, o, strings.TrimPrefix(o, "http://"))
		case "/robots.txt":
			fmt.Fprintf(w, "User-agent: *\nDisallow: /private\nSitemap: %s/sitemap.xml\n", o)
		case "/sitemap.xml":
			fmt.Fprintf(w, `<urlset><url><loc>%s/from-sitemap</loc></url></urlset>`, o)
		case "/away":
			http.Redirect(w, r, o+"/redirected", http.StatusFound)
		case "/go":
			// An open redirect: the scanner must report it without following.
			w.Header().Set("Location", r.URL.Query().Get("to"))
			w.WriteHeader(http.StatusFound)
		case "/fetch":
			// Vulnerable to SSRF: fetches whatever absolute URL it is given.
			if u := r.URL.Query().Get("url"); strings.HasPrefix(u, "http://") {
				if resp, err := http.Get(u); err == nil {
					resp.Body.Close()
				}
			}
			fmt.Fprint(w, "ok")
		default:
			http.NotFound(w, r)
		}
	}))
	defer target.Close()

	res, err := Scan(context.Background(), Options{Target: target.URL, Rate: -1, MaxDuration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if n := outside.Load(); n != 0 {
		t.Fatalf("the out-of-scope server received %d requests", n)
	}
	found := map[string]bool{}
	for _, i := range res.Issues {
		found[i.Check+" "+i.Path()] = true
	}
	if !found[CheckOpenRedirect+" /go"] || !found[CheckSSRF+" /fetch"] {
		t.Errorf("the open redirect on /go and the SSRF on /fetch must be reported; got %v", found)
	}
	joined := strings.Join(res.Warnings, "\n")
	if !strings.Contains(joined, "out of scope not followed") {
		t.Errorf("warnings do not mention the skipped out-of-scope links: %q", joined)
	}
}

// TestRateLimitHolds counts requests per one-second window on the server.
func TestRateLimitHolds(t *testing.T) {
	const rate, burst = 20, 2
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	u := mustURL(t, srv.URL)
	scope, _ := NewScope(u, nil, nil)
	s := NewSender(scope, SenderOptions{Rate: rate, Burst: burst})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				if _, err := s.Do(context.Background(), &Request{Method: "GET", URL: u}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if len(times) != 64 {
		t.Fatalf("server saw %d requests, want 64", len(times))
	}
	worst := 0
	for i := range times {
		n := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < time.Second; j++ {
			n++
		}
		worst = max(worst, n)
	}
	if worst > rate+burst {
		t.Errorf("%d requests in one second, limit is rate %d + burst %d", worst, rate, burst)
	}
	t.Logf("busiest one-second window: %d requests (rate %d, burst %d)", worst, rate, burst)
}

func TestSenderLimits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/huge":
			w.Header().Set("Content-Type", "text/html")
			chunk := strings.Repeat("a", 1<<16)
			for i := 0; i < 200; i++ { // 12.5 MiB
				if _, err := fmt.Fprint(w, chunk); err != nil {
					return
				}
			}
		case "/hang":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>partial")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	defer srv.Close()
	base := mustURL(t, srv.URL)
	scope, _ := NewScope(base, nil, nil)
	s := NewSender(scope, SenderOptions{MaxRequests: 3, MaxBodyBytes: 1 << 20, Timeout: 300 * time.Millisecond})
	ctx := context.Background()

	resp, err := s.Do(ctx, &Request{Method: "GET", URL: mustURL(t, srv.URL+"/huge")})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Truncated || len(resp.Body) != 1<<20 {
		t.Errorf("huge body: truncated=%v len=%d, want truncated at 1 MiB", resp.Truncated, len(resp.Body))
	}
	start := time.Now()
	resp, err = s.Do(ctx, &Request{Method: "GET", URL: mustURL(t, srv.URL+"/hang")})
	if err != nil {
		t.Fatalf("a body that never ends must give the part that arrived, got %v", err)
	}
	if !resp.Truncated || string(resp.Body) != "<html>partial" || time.Since(start) > 2*time.Second {
		t.Errorf("hanging body: truncated=%v body=%q after %s", resp.Truncated, resp.Body, time.Since(start))
	}
	if _, err := s.Do(ctx, &Request{Method: "GET", URL: mustURL(t, "http://example.test/")}); err == nil || !strings.Contains(err.Error(), "outside the scan scope") {
		t.Errorf("out of scope request: err = %v", err)
	}
	if _, err := s.Do(ctx, &Request{Method: "GET", URL: base}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Do(ctx, &Request{Method: "GET", URL: base}); err != ErrBudget {
		t.Errorf("fourth request: err = %v, want ErrBudget", err)
	}
	if s.Sent() != 3 || s.Refused() != 1 {
		t.Errorf("sent %d refused %d, want 3 and 1", s.Sent(), s.Refused())
	}
}

// TestBadTargets: each bad target gives a clear message, and the scan
// ends on time keeping what it found.
func TestBadTargets(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()

	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	tlsSrv.Config.ErrorLog = discardLog()
	defer tlsSrv.Close()

	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example.test/login", http.StatusFound)
	}))
	defer redir.Close()

	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hang.Close()

	tests := []struct {
		name   string
		target string
		opts   Options
		errHas string
	}{
		{"connection refused", refused, Options{}, "cannot connect"},
		{"untrusted certificate", tlsSrv.URL, Options{}, "TLS certificate not trusted"},
		{"plain http to a TLS port", strings.Replace(tlsSrv.URL, "https", "http", 1), Options{}, "speaks HTTPS"},
		{"redirect out of scope", redir.URL, Options{}, "outside the scope"},
		{"never answers", hang.URL, Options{Timeout: 300 * time.Millisecond}, "no complete response within 300ms"},
		{"not a URL", "127.0.0.1:8080", Options{}, "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Target = tt.target
			tt.opts.MaxDuration = 5 * time.Second
			start := time.Now()
			_, err := Scan(context.Background(), tt.opts)
			if err == nil {
				t.Fatal("want an error")
			}
			if tt.errHas != "" && !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q does not say %q", err, tt.errHas)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
			t.Logf("%s", err)
		})
	}
}

// TestMaxDurationKeepsFindings: a slow target stops at --max-duration and
// what was found before is kept.
func TestMaxDurationKeepsFindings(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			var b strings.Builder
			for i := 0; i < 200; i++ {
				fmt.Fprintf(&b, `<a href="/p%d?q=%d">p</a>`, i, i)
			}
			fmt.Fprint(w, b.String())
			return
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<p>slow page</p>")
	}))
	defer srv.Close()
	start := time.Now()
	res, err := Scan(context.Background(), Options{Target: srv.URL, Rate: -1, MaxDuration: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("scan took %s with --max-duration 1.5s", d)
	}
	if !res.Incomplete || !strings.Contains(strings.Join(res.Warnings, "\n"), "--max-duration") {
		t.Errorf("incomplete=%v warnings=%q", res.Incomplete, res.Warnings)
	}
	got := map[string]bool{}
	for _, i := range res.Issues {
		got[i.Check] = true
	}
	if !got[CheckCSP] || !got[CheckClickjacking] {
		t.Errorf("findings before the deadline were lost: %v", got)
	}
}

// TestHugeResponse: a response over the size cap is cut, checked, and
// reported in a warning; the scan goes on.
func TestHugeResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/", "/after":
			fmt.Fprint(w, `<a href="/big">big</a>`)
			return
		case "/robots.txt", "/sitemap.xml":
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `<a href="/after">after</a>`)
		chunk := strings.Repeat("<p>filler</p>", 8000)
		for i := 0; i < 100; i++ {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	res, err := Scan(context.Background(), Options{Target: srv.URL, Rate: -1, PassiveOnly: true, MaxBodySize: 1 << 20, MaxDuration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "1 response(s) were cut at 1048576 bytes") {
		t.Errorf("warnings: %q", res.Warnings)
	}
	if res.Stats.Pages != 5 { // /, robots, sitemap, /big, /after (linked from the kept start)
		t.Errorf("crawled %d pages, want 5", res.Stats.Pages)
	}
}

// TestBinaryResponse: binary content is not parsed and does not end the scan.
func TestBinaryResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/img">img</a><a href="/blob">blob</a>`)
			return
		}
		if r.URL.Path == "/img" {
			w.Header().Set("Content-Type", "image/png")
		}
		w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR<a href=\"/hidden\">\x00\xff\xfe"))
	}))
	defer srv.Close()
	res, err := Scan(context.Background(), Options{Target: srv.URL, Rate: -1, MaxDuration: 10 * time.Second, PassiveOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.Pages != 5 { // /, robots, sitemap, /img, /blob — never /hidden
		t.Errorf("crawled %d pages, want 5", res.Stats.Pages)
	}
}

func TestWaitForTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = WaitForTarget(context.Background(), "http://"+addr+"/", 500*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not accept connections within 500ms") {
		t.Errorf("closed port: %v", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		if l, err := net.Listen("tcp", addr); err == nil {
			defer l.Close()
			c, err := l.Accept()
			if err == nil {
				c.Close()
			}
		}
	}()
	if err := WaitForTarget(context.Background(), "http://"+addr+"/", 5*time.Second); err != nil {
		t.Errorf("port opened after 300ms: %v", err)
	}
}
