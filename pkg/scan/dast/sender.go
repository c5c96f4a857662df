package dast

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secops-dev/secops/pkg/wait"
)

// userAgent names the scanner in every request.
const userAgent = "secops-dast/1 (+https://github.com/secops-dev/secops)"

// ErrOutOfScope is returned for a request whose URL is outside the scope.
var ErrOutOfScope = errors.New("request outside the scan scope refused")

// ErrBudget is returned once --max-requests requests have been sent.
var ErrBudget = errors.New("request budget (--max-requests) used up")

// ErrThrottled is returned for a request the target kept refusing with
// 429 Too Many Requests (or 503 with Retry-After) after the retries.
var ErrThrottled = errors.New("the target keeps answering 429 Too Many Requests; lower --rate")

// throttleRetries is how often a throttled request is retried, and
// maxRetryAfter the longest Retry-After the sender honours.
const (
	throttleRetries = 3
	maxRetryAfter   = 30 * time.Second
)

// Request is one HTTP request the scanner wants to send.
type Request struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
	// Cookies override the session's cookies of the same name for this
	// request only (used to test cookie parameters).
	Cookies map[string]string
}

// Response is what came back, with the body read up to the size cap.
type Response struct {
	Request    *Request
	StatusCode int
	Header     http.Header
	Body       []byte
	// Truncated is true when the body was longer than the size cap.
	Truncated bool
	Duration  time.Duration
}

// ContentType is the media type of the response, lower-case, without
// parameters.
func (r *Response) ContentType() string {
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// IsHTML reports whether the response is an HTML document.
func (r *Response) IsHTML() bool {
	ct := r.ContentType()
	return ct == "text/html" || ct == "application/xhtml+xml"
}

// SenderOptions configure the Sender.
type SenderOptions struct {
	// Rate is the maximum number of requests per second (0: no limit).
	Rate float64
	// Burst is how many requests may go at once after a quiet spell.
	Burst int
	// MaxRequests caps the requests of the whole scan (0: no cap).
	MaxRequests int
	// MaxBodyBytes caps how much of each response body is read.
	MaxBodyBytes int64
	// Timeout bounds each request, body included.
	Timeout time.Duration
	// Header is added to every request (e.g. Cookie or Authorization).
	Header http.Header
	// Insecure skips TLS certificate verification.
	Insecure bool
	// Transport replaces the default transport (tests).
	Transport http.RoundTripper
	Now       func() time.Time
}

// Sender is the only way the scanner talks to the target. It enforces the
// scope, the rate limit, the request budget, the response size cap and the
// per-request timeout, so no crawler step or check can bypass them.
type Sender struct {
	scope     *Scope
	opts      SenderOptions
	client    *http.Client
	bucket    *tokenBucket
	jar       http.CookieJar
	sent      atomic.Int64
	refused   atomic.Int64
	truncated atomic.Int64
	throttled atomic.Int64
	gaveUp    atomic.Int64
	// creds are the credentials sent or received, for redaction.
	creds *credentials

	// hook runs after every response (re-login detection); it must not
	// call Do for the same request.
	mu   sync.RWMutex
	hook func(ctx context.Context, resp *Response) bool
	// observe sees every response (passive checks).
	observe func(*Response)
}

// setObserver installs the function that sees every response.
func (s *Sender) setObserver(f func(*Response)) {
	s.mu.Lock()
	s.observe = f
	s.mu.Unlock()
}

// NewSender returns a Sender for scope.
func NewSender(scope *Scope, opts SenderOptions) *Sender {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 2 << 20
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	tr := opts.Transport
	if tr == nil {
		t := &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   opts.Timeout,
			ResponseHeaderTimeout: opts.Timeout,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       30 * time.Second,
			DisableCompression:    false,
		}
		if opts.Insecure {
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // user asked with --insecure
		}
		tr = t
	}
	jar, _ := cookiejar.New(nil)
	creds := newCredentials()
	creds.addHeader(opts.Header)
	return &Sender{
		creds: creds,
		scope: scope,
		opts:  opts,
		client: &http.Client{
			Transport: tr,
			// Redirects are never followed here: the crawler decides, so a
			// redirect out of scope is never requested.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		bucket: newTokenBucket(opts.Rate, opts.Burst, opts.Now),
		jar:    jar,
	}
}

// Sent is the number of requests sent so far.
func (s *Sender) Sent() int { return int(s.sent.Load()) }

// Refused is the number of requests refused as out of scope.
func (s *Sender) Refused() int { return int(s.refused.Load()) }

// Truncated is the number of responses cut at the size cap or timeout.
func (s *Sender) Truncated() int { return int(s.truncated.Load()) }

// Throttled is the number of 429 (or 503 with Retry-After) answers, and
// GaveUp the requests still throttled after the retries.
func (s *Sender) Throttled() (answers, gaveUp int) {
	return int(s.throttled.Load()), int(s.gaveUp.Load())
}

// Rate is the rate limit in force: lower than asked once the target
// throttled the scan.
func (s *Sender) Rate() float64 { return s.bucket.current() }

// Scope is the scope the sender enforces.
func (s *Sender) Scope() *Scope { return s.scope }

func (s *Sender) setHook(h func(ctx context.Context, resp *Response) bool) {
	s.mu.Lock()
	s.hook = h
	s.mu.Unlock()
}

// Do sends req and reads its response. A response that matters to the
// session hook (a lost login) is retried once after the hook ran.
func (s *Sender) Do(ctx context.Context, req *Request) (*Response, error) {
	resp, err := s.do(ctx, req)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	hook := s.hook
	s.mu.RUnlock()
	if hook != nil && hook(ctx, resp) {
		return s.do(ctx, req)
	}
	return resp, nil
}

// doRaw sends without the session hook (used by the login itself).
func (s *Sender) doRaw(ctx context.Context, req *Request) (*Response, error) {
	return s.do(ctx, req)
}

// do sends req; when the target throttles (429, or 503 with
// Retry-After), it halves the rate, waits as asked and retries, so a
// throttled answer never reaches a check as if it were the page.
func (s *Sender) do(ctx context.Context, req *Request) (*Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := s.once(ctx, req)
		if err != nil {
			return nil, err
		}
		pause, throttled := throttledFor(resp, attempt)
		if !throttled {
			s.mu.RLock()
			observe := s.observe
			s.mu.RUnlock()
			if observe != nil {
				observe(resp)
			}
			return resp, nil
		}
		s.throttled.Add(1)
		s.bucket.slowDown()
		if attempt >= throttleRetries {
			s.gaveUp.Add(1)
			return nil, fmt.Errorf("%s %s: HTTP %d after %d retries: %w", req.Method, redactURL(req.URL), resp.StatusCode, throttleRetries, ErrThrottled)
		}
		if err := wait.Sleep(ctx, pause); err != nil {
			return nil, err
		}
	}
}

// throttledFor reports whether resp asks the scanner to slow down and how
// long to wait before the retry: Retry-After (seconds or a date, at most
// maxRetryAfter), or an exponential back-off from 500ms.
func throttledFor(resp *Response, attempt int) (time.Duration, bool) {
	ra := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests && (resp.StatusCode != http.StatusServiceUnavailable || ra == "") {
		return 0, false
	}
	wait := 500 * time.Millisecond << attempt
	if ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			wait = time.Duration(secs) * time.Second
		} else if when, err := http.ParseTime(ra); err == nil {
			wait = time.Until(when)
		}
	}
	return min(max(wait, 0), maxRetryAfter), true
}

func (s *Sender) once(ctx context.Context, req *Request) (*Response, error) {
	if !s.scope.Allows(req.URL) {
		s.refused.Add(1)
		return nil, fmt.Errorf("%s %s: %w", req.Method, redactURL(req.URL), ErrOutOfScope)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if max := int64(s.opts.MaxRequests); max > 0 {
		if n := s.sent.Add(1); n > max {
			s.sent.Add(-1)
			return nil, ErrBudget
		}
	} else {
		s.sent.Add(1)
	}
	if err := s.bucket.Wait(ctx); err != nil {
		return nil, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, req.URL.String(), body)
	if err != nil {
		return nil, fmt.Errorf("build request %s: %w", redactURL(req.URL), err)
	}
	hr.Header.Set("User-Agent", userAgent)
	for k, vs := range s.opts.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	for k, vs := range req.Header {
		hr.Header.Del(k)
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	s.addCookies(hr, req)
	start := s.opts.Now()
	hresp, err := s.client.Do(hr)
	if err != nil {
		if perr := parent.Err(); perr != nil {
			// The scan itself ended (--max-duration, interrupt).
			return nil, perr
		}
		return nil, describeTransportError(req.URL, err, s.opts.Timeout)
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, s.opts.MaxBodyBytes+1))
	truncated := int64(len(data)) > s.opts.MaxBodyBytes
	if truncated {
		data = data[:s.opts.MaxBodyBytes]
	}
	if err != nil && !truncated {
		if ctx.Err() != nil {
			// The body never finished: keep what arrived, marked truncated.
			truncated = true
		} else {
			return nil, describeTransportError(req.URL, err, s.opts.Timeout)
		}
	}
	if truncated {
		s.truncated.Add(1)
	}
	if cs := hresp.Cookies(); len(cs) > 0 {
		s.jar.SetCookies(req.URL, cs)
		for _, c := range cs {
			if sessionCookie.MatchString(c.Name) {
				s.creds.add(c.Value)
			}
		}
	}
	return &Response{
		Request:    req,
		StatusCode: hresp.StatusCode,
		Header:     hresp.Header,
		Body:       data,
		Truncated:  truncated,
		Duration:   s.opts.Now().Sub(start),
	}, nil
}

// addCookies writes the session's cookies with the request's overrides.
func (s *Sender) addCookies(hr *http.Request, req *Request) {
	seen := map[string]bool{}
	var parts []string
	for name, v := range req.Cookies {
		parts = append(parts, name+"="+v)
		seen[name] = true
	}
	for _, c := range s.jar.Cookies(req.URL) {
		if !seen[c.Name] {
			parts = append(parts, c.Name+"="+c.Value)
			seen[c.Name] = true
		}
	}
	if len(parts) == 0 {
		return
	}
	if existing := hr.Header.Get("Cookie"); existing != "" {
		var keep []string
		for _, p := range strings.Split(existing, ";") {
			p = strings.TrimSpace(p)
			name, _, _ := strings.Cut(p, "=")
			if !seen[name] {
				keep = append(keep, p)
			}
		}
		parts = append(keep, parts...)
	}
	hr.Header.Set("Cookie", strings.Join(parts, "; "))
}

// describeTransportError turns a transport error into a message that says
// what happened and what the user can do.
func describeTransportError(u *url.URL, err error, timeout time.Duration) error {
	target := redactURL(u)
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &certErr):
		return fmt.Errorf("%s: TLS certificate not trusted (%v); fix the certificate or pass --insecure for a test system", target, certErr.Err)
	case errors.As(err, &recErr) || strings.Contains(err.Error(), "tls:"):
		return fmt.Errorf("%s: TLS handshake failed (%v); check the scheme (http vs https) and the server's TLS setup", target, err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("%s: no complete response within %s (--timeout); the server may hang or be slow", target, timeout)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("%s: cannot resolve host %q; check the URL", target, dnsErr.Name)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Errorf("%s: cannot connect (%v); check the URL and that the application is running", target, opErr.Err)
	}
	return fmt.Errorf("%s: %w", target, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redactURL hides credentials and query values that look secret.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	q := c.Query()
	changed := false
	for k := range q {
		if sensitiveParam(k) {
			q.Set(k, "REDACTED")
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.String()
}
