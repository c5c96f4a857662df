// Package dast is secops's built-in dynamic application security scanner:
// a scoped, rate-limited crawler, passive checks on every response and
// confirmed active checks on every parameter.
package dast

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/progress"
)

// Options configure a scan.
type Options struct {
	Target           string
	Include, Exclude []string
	MaxDepth         int
	MaxRequests      int
	// Rate is requests per second; 0 means DefaultRate (or
	// DefaultLoopbackRate for a loopback target); negative means no limit.
	Rate        float64
	Burst       int
	Concurrency int
	Timeout     time.Duration
	MaxDuration time.Duration
	MaxBodySize int64
	Header      http.Header
	Insecure    bool

	LoginURL      string
	LoginData     string
	LoggedInRegex string

	// SSRFCanary forces SSRF checks toward the local canary even when
	// the target is not loopback.
	SSRFCanary bool
	// PassiveOnly skips the active checks.
	PassiveOnly bool
	// FollowDestructive lets the crawler follow logout/delete links.
	FollowDestructive bool
	// MinDelay is the shortest delay time-based checks ask for.
	MinDelay time.Duration

	Transport http.RoundTripper
	// Progress shows one line per stage; nil shows nothing.
	Progress *progress.Reporter
}

// Defaults.
const (
	DefaultRate         = 10
	DefaultLoopbackRate = 100
	DefaultMaxDepth     = 5
	DefaultConcurrency  = 4
	DefaultTimeout      = 10 * time.Second
	DefaultMaxDuration  = 30 * time.Minute
	DefaultMaxBodySize  = 2 << 20
)

// Stats describe a finished scan.
type Stats struct {
	Requests   int
	Refused    int
	Pages      int
	Targets    int
	Parameters int
	Duration   time.Duration
	Relogins   int
	Rate       float64
	// PerCheck counts issues by check id.
	PerCheck map[string]int
	// Coverage counts, per active check family and injection point
	// (query, body, json, path, cookie, header), the parameters tested.
	Coverage map[string]map[string]int
}

// CoverageLines say which injection points each active check covered,
// one line per check family: "sqli: 12 query, 3 body, 1 json".
func (s Stats) CoverageLines() []string {
	var out []string
	for _, fam := range Families {
		m := s.Coverage[fam]
		if len(m) == 0 {
			continue
		}
		var parts []string
		for _, in := range Locations {
			if n := m[in]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, in))
			}
		}
		out = append(out, fmt.Sprintf("%s: %s", fam, strings.Join(parts, ", ")))
	}
	return out
}

// Result is what a scan found. A scan cut short (--max-duration, budget,
// interrupt) keeps its issues and is marked Incomplete.
type Result struct {
	Target     string
	Issues     []Issue
	Stats      Stats
	Warnings   []string
	Incomplete bool
}

// Findings converts the issues to ASFF.
func (r *Result) Findings(prov findings.Provenance) ([]findings.Finding, error) {
	out := make([]findings.Finding, 0, len(r.Issues))
	for _, i := range r.Issues {
		f, err := i.ToFinding(prov, r.Target)
		if err != nil {
			return nil, fmt.Errorf("convert %s finding: %w", i.Check, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Scan crawls and tests opts.Target. It returns an error only when the
// target cannot be scanned at all (bad URL, unreachable, login failed);
// later failures become warnings and an incomplete result.
func Scan(ctx context.Context, opts Options) (*Result, error) {
	// Durations use the real monotonic clock: time-based checks and the
	// rate limit depend on it, so it is not injectable.
	start := time.Now()
	progress := opts.Progress.Step
	target, err := url.Parse(strings.TrimSpace(opts.Target))
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("target %q is not a URL; use e.g. http://127.0.0.1:8080/", opts.Target)
	}
	if target.Path == "" {
		target.Path = "/"
	}
	target.Fragment = ""
	scope, err := NewScope(target, opts.Include, opts.Exclude)
	if err != nil {
		return nil, err
	}
	if msg := scope.PatternConflict(target); msg != "" {
		return nil, errors.New(msg)
	}
	rate := opts.Rate
	switch {
	case rate == 0 && scope.IsLoopback():
		rate = DefaultLoopbackRate
	case rate == 0:
		rate = DefaultRate
	case rate < 0:
		rate = 0
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxDuration <= 0 {
		opts.MaxDuration = DefaultMaxDuration
	}
	if opts.MaxBodySize <= 0 {
		opts.MaxBodySize = DefaultMaxBodySize
	}
	if opts.MinDelay <= 0 {
		opts.MinDelay = 500 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, opts.MaxDuration)
	defer cancel()

	s := NewSender(scope, SenderOptions{Rate: rate, Burst: opts.Burst, MaxRequests: opts.MaxRequests, MaxBodyBytes: opts.MaxBodySize,
		Timeout: opts.Timeout, Header: opts.Header, Insecure: opts.Insecure, Transport: opts.Transport})
	res := &Result{Target: scope.Origin() + "/"}
	var wmu sync.Mutex
	warned := map[string]bool{}
	warn := func(msg string) {
		wmu.Lock()
		defer wmu.Unlock()
		if !warned[msg] && len(res.Warnings) < 50 {
			warned[msg] = true
			res.Warnings = append(res.Warnings, msg)
		}
	}
	out := newCollector()
	// phantom, once the crawl is done, tells form issues whose action the
	// application answers only with 404 (a form seen on an alias page,
	// its relative action resolved against a path that does not exist).
	var phantom func(Issue) bool
	finish := func(cut error) *Result {
		res.Issues = out.list()
		if phantom != nil {
			kept := res.Issues[:0]
			for _, i := range res.Issues {
				if !phantom(i) {
					kept = append(kept, i)
				}
			}
			res.Issues = kept
		}
		defer func() {
			for i := range res.Issues {
				is := &res.Issues[i]
				is.Request, is.Response, is.Detail = s.creds.scrub(is.Request), s.creds.scrub(is.Response), s.creds.scrub(is.Detail)
				is.URL, is.SeenAt = s.creds.scrub(is.URL), s.creds.scrub(is.SeenAt)
			}
			for i, w := range res.Warnings {
				res.Warnings[i] = s.creds.scrub(w)
			}
		}()
		res.Stats.Requests = s.Sent()
		res.Stats.Refused = s.Refused()
		res.Stats.Duration = time.Since(start)
		res.Stats.Rate = rate
		if n, lost := s.Throttled(); n > 0 {
			msg := fmt.Sprintf("the target answered 429 Too Many Requests (or 503 with Retry-After) %d times; the scanner waited, retried and slowed down to %.0f requests/s", n, s.Rate())
			if lost > 0 {
				msg += fmt.Sprintf("; %d requests were given up and what they would have tested is missing", lost)
			}
			warn(msg + "; rerun with a lower --rate")
		}
		if n := s.Truncated(); n > 0 {
			warn(fmt.Sprintf("%d response(s) were cut at %d bytes or at --timeout and only their start was checked", n, opts.MaxBodySize))
		}
		res.Stats.PerCheck = map[string]int{}
		for _, i := range res.Issues {
			res.Stats.PerCheck[i.Check]++
		}
		if cut != nil {
			res.Incomplete = true
			switch {
			case errors.Is(cut, ErrBudget):
				warn(fmt.Sprintf("stopped after %d requests (--max-requests); findings so far are kept", s.Sent()))
			case errors.Is(cut, context.DeadlineExceeded):
				warn(fmt.Sprintf("stopped after %s (--max-duration); findings so far are kept", opts.MaxDuration))
			case errors.Is(cut, context.Canceled):
				warn("interrupted; findings so far are kept")
			default:
				warn(cut.Error())
			}
		}
		return res
	}

	// Preflight: the start URL must answer, and not send us elsewhere.
	progress("checking %s", redactURL(target))
	first, err := s.doRaw(ctx, &Request{Method: "GET", URL: target})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return finish(ctx.Err()), nil
		}
		return nil, fmt.Errorf("scan %s: %w", redactURL(target), err)
	}
	if first.StatusCode == http.StatusBadRequest && strings.Contains(string(first.Body), "HTTP request to an HTTPS server") {
		return nil, fmt.Errorf("scan %s: the server speaks HTTPS on this port; use https://%s", redactURL(target), target.Host)
	}
	if first.StatusCode >= 300 && first.StatusCode < 400 {
		if loc := resolve(target, first.Header.Get("Location")); loc != nil && !scope.Allows(loc) {
			return nil, fmt.Errorf("scan %s: the target redirects to %s, outside the scope %s; scan that URL instead", redactURL(target), redactURL(loc), scope.Origin())
		}
	}

	pas := &passive{origin: scope.Origin() + "/", https: scope.scheme == "https", out: out}
	// Every response is checked, the login's, the crawler's and the
	// attacks' alike.
	s.setObserver(pas.ObserveResponse)

	var auth *login
	if opts.LoginURL != "" {
		progress("logging in at %s", opts.LoginURL)
		if auth, err = newLogin(s, target, opts.LoginURL, opts.LoginData, opts.LoggedInRegex); err != nil {
			return nil, err
		}
		if err := auth.Login(ctx); err != nil {
			return nil, err
		}
	}

	cr := newCrawler(s, opts.MaxDepth, opts.Concurrency, pas.Observe, warn)
	cr.followDestructive = opts.FollowDestructive
	limit := fmt.Sprintf("%.0f requests/s", rate)
	if rate <= 0 {
		limit = "no rate limit"
	}
	progress("crawling %s (depth %d, %s)", scope.Origin(), opts.MaxDepth, limit)
	if auth != nil {
		// Cookies the login set besides the session (a user id, a role)
		// are inputs the application reads on every page.
		cr.addTarget(auth.cookieTarget())
	}
	cerr := cr.Run(ctx, target)
	res.Stats.Pages = len(cr.pages)
	for _, msg := range cr.OffScope() {
		warn(msg)
	}
	phantom = cr.phantomForm
	targets := cr.Targets()
	res.Stats.Targets = len(targets)
	for _, t := range targets {
		res.Stats.Parameters += len(t.Params)
	}
	if auth != nil {
		defer func() { res.Stats.Relogins = auth.Relogins() }()
	}
	if cerr != nil {
		return finish(cerr), nil
	}
	progress("crawled %d pages; %d requests so far", len(cr.pages), s.Sent())
	if opts.PassiveOnly {
		return finish(nil), nil
	}

	a := &active{s: s, out: out, minDelay: opts.MinDelay, maxDelay: max(opts.Timeout/3, opts.MinDelay), warn: warn, stored: map[string]storedProbe{}}
	defer func() { res.Stats.Coverage = a.coverage() }()
	if scope.IsLoopback() || opts.SSRFCanary {
		c, err := startCanary()
		if err != nil {
			warn(err.Error() + "; SSRF checks skipped")
		} else {
			a.canary = c
			defer c.Close(context.WithoutCancel(ctx))
		}
	}
	progress("looking for exposed files and predictable session cookies")
	if err := a.discover(ctx, target, cr.pages); err != nil {
		return finish(err), nil
	}
	issuers := sessionIssuers(cr.pages, func(r *Request) bool { return auth.isLoginPath(r.URL) })
	names := make([]string, 0, len(issuers))
	for n := range issuers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := a.sessionIDs(ctx, n, issuers[n]); fatal(err) {
			return finish(err), nil
		}
	}
	if err := a.defaultCredentials(ctx, cr.forms, auth.isLoginPath, cr.skipButton); fatal(err) {
		return finish(err), nil
	}
	if err := a.uploads(ctx, cr.forms, cr.skipButton); fatal(err) {
		return finish(err), nil
	}
	if err := runActive(ctx, a, cr, targets, auth, opts.Concurrency, progress); err != nil {
		return finish(err), nil
	}
	// Stored XSS: fetch every HTML page again and look for payloads.
	marks := a.storedMarks()
	if len(marks) > 0 {
		progress("re-crawling %d pages for stored payloads", len(cr.pages))
		for _, pg := range cr.pages {
			if pg.Resp.Request.Method != "GET" || !pg.Resp.IsHTML() {
				continue
			}
			resp, err := s.Do(ctx, &Request{Method: "GET", URL: pg.URL})
			if err != nil {
				if fatal(err) {
					return finish(err), nil
				}
				continue
			}
			a.findStored(resp, marks)
		}
	}
	return finish(nil), nil
}

// runActive tests targets with a pool of workers; the first fatal error
// (budget, deadline, interrupt) stops every worker.
func runActive(ctx context.Context, a *active, cr *crawler, targets []*Target, auth *login, concurrency int, progress func(string, ...any)) error {
	types := formFieldTypes(cr.forms)
	var corsURLs []*url.URL
	for _, pg := range cr.pages {
		if pg.Resp.Request.Method == "GET" && pg.Resp.StatusCode < 300 && (strings.Contains(pg.Resp.ContentType(), "json") || pg.Resp.Header.Get("Access-Control-Allow-Origin") != "") {
			corsURLs = append(corsURLs, pg.URL)
		}
	}
	progress("testing %d requests with %d parameters", len(targets), countParams(targets))
	jobs := make(chan func(context.Context) error)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if err := job(ctx); fatal(err) {
					cancel(err)
				}
			}
		}()
	}
	send := func(job func(context.Context) error) bool {
		select {
		case jobs <- job:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, u := range corsURLs {
		u := u
		if !send(func(ctx context.Context) error { return a.cors(ctx, u) }) {
			break
		}
	}
	var done atomic.Int64
	total := int64(len(targets))
	// The login form is attacked last, alone: a probe that signs the
	// scanner out then costs nothing else, and the session is restored
	// for the final re-crawl.
	var loginTargets []*Target
	for _, t := range targets {
		t := t
		if auth.isLoginTarget(t) {
			loginTargets = append(loginTargets, t)
			continue
		}
		job := func(ctx context.Context) error {
			err := a.runTarget(ctx, t, types[t.URL.Path])
			// One progress line per tenth of the work.
			if n := done.Add(1); total > 0 && n*10/total != (n-1)*10/total {
				progress("active checks: %d of %d requests tested, %d sent", n, total, a.s.Sent())
			}
			return err
		}
		if !send(job) {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, t := range loginTargets {
		if err := a.runTarget(ctx, t, types[t.URL.Path]); fatal(err) {
			return err
		}
		done.Add(1)
	}
	if len(loginTargets) > 0 && auth != nil {
		if err := auth.login(ctx); err != nil {
			a.warn("signing in again after testing the login form failed: " + err.Error())
		}
	}
	return nil
}

func countParams(ts []*Target) int {
	n := 0
	for _, t := range ts {
		n += len(t.Params)
	}
	return n
}

// formFieldTypes maps action path -> field name -> input type.
func formFieldTypes(forms []Form) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, f := range forms {
		m := out[f.Action.Path]
		if m == nil {
			m = map[string]string{}
			out[f.Action.Path] = m
		}
		for _, fl := range f.Fields {
			m[fl.Name] = fl.Type
		}
	}
	return out
}
