package dast

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// login signs in through a form and signs in again when the session is
// lost: a 401, a redirect to the login page, or a periodic check of the
// landing page that no longer matches the logged-in pattern.
type login struct {
	s        *Sender
	loginURL *url.URL
	data     url.Values
	re       *regexp.Regexp
	every    int64

	mu       sync.Mutex
	landing  *url.URL
	count    atomic.Int64
	relogins atomic.Int64
	busy     atomic.Bool
}

func newLogin(s *Sender, base *url.URL, loginURL, data, loggedIn string) (*login, error) {
	lu := resolve(base, loginURL)
	if lu == nil {
		return nil, fmt.Errorf("--login-url %q is not an http(s) URL", loginURL)
	}
	if !s.Scope().Allows(lu) {
		return nil, fmt.Errorf("--login-url %s is outside the scan scope %s", lu, s.Scope().Origin())
	}
	vals, err := url.ParseQuery(data)
	if err != nil {
		return nil, fmt.Errorf("--login-data must be form-encoded (user=NAME&password=SECRET): %w", err)
	}
	if loggedIn == "" {
		return nil, errors.New("--logged-in-regex is required with --login-url, so the scanner can tell a working session")
	}
	re, err := regexp.Compile(loggedIn)
	if err != nil {
		return nil, fmt.Errorf("--logged-in-regex: %w", err)
	}
	s.creds.addForm(vals)
	return &login{s: s, loginURL: lu, data: vals, re: re, every: 50}, nil
}

// Login signs in once and installs the session hook.
func (l *login) Login(ctx context.Context) error {
	if err := l.login(ctx); err != nil {
		return err
	}
	l.s.setHook(l.check)
	return nil
}

func (l *login) login(ctx context.Context) error {
	page, err := l.s.doRaw(ctx, &Request{Method: "GET", URL: l.loginURL})
	if err != nil {
		return fmt.Errorf("login: fetch %s: %w", l.loginURL, err)
	}
	action := l.loginURL
	vals := url.Values{}
	if page.IsHTML() {
		for _, f := range ExtractHTML(l.loginURL, page.Body).Forms {
			if !formHasPassword(f) && !formHasAll(f, l.data) {
				continue
			}
			action = f.Action
			for _, fl := range f.Fields {
				vals.Set(fl.Name, fl.Value)
			}
			break
		}
	}
	for k, v := range l.data {
		vals[k] = v
	}
	resp, err := l.s.doRaw(ctx, &Request{Method: "POST", URL: action, Body: []byte(vals.Encode()),
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
	if err != nil {
		return fmt.Errorf("login: submit %s: %w", action, err)
	}
	cur := action
	for i := 0; i < 5 && resp.StatusCode >= 300 && resp.StatusCode < 400; i++ {
		next := resolve(cur, resp.Header.Get("Location"))
		if next == nil || !l.s.Scope().Allows(next) {
			return fmt.Errorf("login: %s redirects out of scope to %q; check --login-url", cur, resp.Header.Get("Location"))
		}
		cur = next
		if resp, err = l.s.doRaw(ctx, &Request{Method: "GET", URL: cur}); err != nil {
			return fmt.Errorf("login: follow redirect to %s: %w", cur, err)
		}
	}
	if !l.re.Match(resp.Body) {
		return fmt.Errorf("login at %s failed: the response (HTTP %d) does not match --logged-in-regex %q; check --login-data and the regex", action, resp.StatusCode, l.re.String())
	}
	l.mu.Lock()
	l.landing = cur
	l.mu.Unlock()
	return nil
}

func formHasPassword(f Form) bool {
	for _, fl := range f.Fields {
		if fl.Type == "password" {
			return true
		}
	}
	return false
}

func formHasAll(f Form, vals url.Values) bool {
	for k := range vals {
		if !formHas(&f, k) {
			return false
		}
	}
	return len(vals) > 0
}

// check is the sender hook: it reports true (retry) after signing in
// again because resp shows a lost session.
func (l *login) check(ctx context.Context, resp *Response) bool {
	lost := resp.StatusCode == http.StatusUnauthorized
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resolve(resp.Request.URL, resp.Header.Get("Location")); loc != nil && loc.Path == l.loginURL.Path && resp.Request.URL.Path != l.loginURL.Path {
			lost = true
		}
	}
	if !lost && l.count.Add(1)%l.every == 0 {
		l.mu.Lock()
		landing := l.landing
		l.mu.Unlock()
		if r, err := l.s.doRaw(ctx, &Request{Method: "GET", URL: landing}); err == nil && !l.re.Match(r.Body) {
			lost = true
		}
	}
	if !lost {
		return false
	}
	if !l.busy.CompareAndSwap(false, true) {
		return false
	}
	defer l.busy.Store(false)
	if err := l.login(ctx); err != nil {
		return false
	}
	l.relogins.Add(1)
	return true
}

// Relogins counts how often the session was restored.
func (l *login) Relogins() int { return int(l.relogins.Load()) }

// isLoginPath reports whether u is the login page (never attacked). A
// login URL with a query (index.php?page=login.php) names that query: the
// other pages of the same front controller are not the login page.
func (l *login) isLoginPath(u *url.URL) bool {
	if l == nil || !strings.EqualFold(u.Path, l.loginURL.Path) {
		return false
	}
	return sameQueryValues(l.loginURL.Query(), u.Query())
}

// isLoginTarget reports whether t submits to the login page.
func (l *login) isLoginTarget(t *Target) bool {
	if l == nil || !strings.EqualFold(t.URL.Path, l.loginURL.Path) {
		return false
	}
	q := url.Values{}
	for _, p := range t.Params {
		if p.In == InQuery {
			q.Add(p.Name, p.Value)
		}
	}
	return sameQueryValues(l.loginURL.Query(), q)
}

// sameQueryValues reports whether got carries every parameter of want
// with the same value.
func sameQueryValues(want, got url.Values) bool {
	for k := range want {
		if got.Get(k) != want.Get(k) {
			return false
		}
	}
	return true
}

// cookieTarget makes a target of the cookies the login set that are not
// the session itself, tested on the landing page.
func (l *login) cookieTarget() *Target {
	l.mu.Lock()
	landing := l.landing
	l.mu.Unlock()
	if landing == nil {
		return nil
	}
	base := *landing
	base.RawQuery = ""
	t := &Target{Method: "GET", URL: &base, Page: landing.String(), FixedQuery: landing.RawQuery}
	for _, c := range l.s.jar.Cookies(landing) {
		if c.Value == "" || sessionCookie.MatchString(c.Name) {
			continue
		}
		v, err := url.QueryUnescape(c.Value)
		if err != nil {
			v = c.Value
		}
		t.Params = append(t.Params, Param{Name: c.Name, In: InCookie, Value: v})
	}
	if len(t.Params) == 0 {
		return nil
	}
	return t
}
