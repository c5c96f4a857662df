package dast

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// destructive matches links the crawler never follows by default: they
// end the session or change data in ways a scan must not.
var destructive = regexp.MustCompile(`(?i)(log-?out|sign-?out|log-?off|sign-?off|delete|remove|destroy|drop|truncate|purge|wipe|deactivate|unsubscribe|shutdown|reboot|uninstall|/kill)`)

// destructiveButton matches the names and labels of submit buttons the
// crawler never presses by default: besides what destructive links do,
// they clear or reset what the scan has stored (a guestbook's "Clear").
var destructiveButton = regexp.MustCompile(`(?i)(log-?out|sign-?out|log-?off|sign-?off|delete|remove|destroy|drop|truncate|purge|wipe|deactivate|unsubscribe|shutdown|reboot|uninstall|kill|clear|reset|erase|empty)`)

// scannerMark matches the markers the scanner's own payloads carry: a page
// that echoes one is showing a probe, not a link of the application.
var scannerMark = regexp.MustCompile(`(?i)secops[a-z][a-z0-9]{6}|secops-[a-z]+\.invalid|/ssrf/[a-z0-9]{12}`)

// Page is a crawled response.
type Page struct {
	URL   *url.URL
	Depth int
	Resp  *Response
}

type crawlItem struct {
	req   *Request
	depth int
	page  string // where it was found
	// typed are the values the scanner made up for this request; links
	// in the response that contain one are its own reflection.
	typed []string
}

// crawler walks the target breadth-first within the scope.
type crawler struct {
	s                 *Sender
	maxDepth          int
	concurrency       int
	observe           func(*Page) // passive checks
	warn              func(string)
	followDestructive bool

	mu     sync.Mutex
	seen   map[string]bool
	shapes map[string]int
	// content maps a fingerprint of each page's body to its path: the same
	// page served at another path is an alias, not a new page.
	content  map[[32]byte]string
	pages    []*Page
	targets  map[string]*Target
	order    []string
	forms    []Form
	offScope map[string]map[string]bool // host -> URLs
	// excluded counts in-scope URLs that --include or --exclude ruled
	// out; skippedButtons the submit buttons left alone as destructive or
	// excluded.
	excluded       map[string]bool
	skippedButtons map[string]bool
	// headerPages counts the pages whose headers became a target.
	headerPages int
}

// maxHeaderPages bounds how many pages get their request headers tested:
// screening costs two requests a page, and a header is attacked further
// only where the screening saw it come back or break a query.
const maxHeaderPages = 250

// tokenLike matches the per-response values (CSRF tokens, nonces, ids)
// that would make one page served twice look like two.
var tokenLike = regexp.MustCompile(`[0-9a-fA-F]{16,}|[A-Za-z0-9+/_-]{32,}={0,2}`)

func newCrawler(s *Sender, maxDepth, concurrency int, observe func(*Page), warn func(string)) *crawler {
	if concurrency < 1 {
		concurrency = 1
	}
	return &crawler{s: s, maxDepth: maxDepth, concurrency: concurrency, observe: observe, warn: warn,
		seen: map[string]bool{}, shapes: map[string]int{}, content: map[[32]byte]string{}, targets: map[string]*Target{}, offScope: map[string]map[string]bool{}, excluded: map[string]bool{}, skippedButtons: map[string]bool{}}
}

// requestShape ignores parameter values: /item?id=1 and /item?id=2 have
// one shape. requestKey keeps them: a front controller routes on a value
// (index.php?page=login.php), so each value may be another page.
func requestShape(r *Request) string {
	names := []string{}
	for k := range r.URL.Query() {
		names = append(names, k)
	}
	if r.Method == "POST" {
		if vals, err := url.ParseQuery(string(r.Body)); err == nil {
			for k := range vals {
				names = append(names, "b:"+k)
			}
		}
	}
	sort.Strings(names)
	return r.Method + " " + r.URL.Scheme + "://" + strings.ToLower(r.URL.Host) + r.URL.EscapedPath() + "?" + strings.Join(names, "&")
}

func requestKey(r *Request) string {
	q := r.URL.Query()
	return requestShape(r) + "#" + q.Encode() + "#" + string(r.Body)
}

// maxPerShape bounds how many URLs of one shape are crawled (a calendar's
// ?date= never ends); maxPathDepth and repeated segments stop the paths a
// front controller answers at any depth (/a/b/c/... all serve index.php).
const (
	maxPerShape  = 150
	maxPathDepth = 12
)

func trapPath(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) > maxPathDepth {
		return true
	}
	seen := map[string]bool{}
	for _, s := range segs {
		if s == "" {
			continue
		}
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

// notAllowed counts a URL the scope refuses: another origin, or an
// in-scope URL that --include or --exclude rules out.
func (c *crawler) notAllowed(u *url.URL) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := u.String()
	if c.s.Scope().SameOrigin(u) {
		if len(c.excluded) < 100000 {
			c.excluded[k] = true
		}
		return
	}
	if c.offScope[u.Host] == nil {
		c.offScope[u.Host] = map[string]bool{}
	}
	if len(c.offScope[u.Host]) < 100000 {
		c.offScope[u.Host][k] = true
	}
}

// admit reports whether req is new, in scope and allowed.
func (c *crawler) admit(req *Request) bool {
	if !c.s.Scope().Allows(req.URL) {
		c.notAllowed(req.URL)
		return false
	}
	if !c.followDestructive && destructive.MatchString(req.URL.Path+"?"+req.URL.RawQuery) {
		return false
	}
	if trapPath(req.URL.Path) {
		return false
	}
	k, shape := requestKey(req), requestShape(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[k] || c.shapes[shape] >= maxPerShape {
		return false
	}
	c.seen[k] = true
	c.shapes[shape]++
	return true
}

func (c *crawler) addTarget(t *Target) {
	if t == nil || len(t.Params) == 0 {
		return
	}
	// The scope judges the URL as sent, route query included
	// (index.php?page=... under --include 'page=...').
	if !c.s.Scope().Allows(t.Baseline().URL) {
		return
	}
	if !c.followDestructive && destructive.MatchString(t.URL.Path) {
		return
	}
	// A parameter whose name --exclude matches is sent as found and never
	// attacked.
	for i := range t.Params {
		if c.s.Scope().ExcludesName(t.Params[i].Name) {
			t.Params[i].Fixed = true
		}
	}
	if t.routed() {
		// The route parameter is attacked through the page's own link
		// (index.php?page=), once, not once per page it routes to.
		for i, p := range t.Params {
			if p.In == InQuery && !p.Typed && routeParam(p.Name, p.Value) {
				t.Params[i].Fixed = true
			}
		}
	}
	k := t.Key()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.targets[k]; !ok {
		c.targets[k] = t
		c.order = append(c.order, k)
	}
}

// Run crawls from start and the robots.txt and sitemap.xml of the scope.
// It stops at ctx's end or when the request budget is used up, keeping
// what it found.
func (c *crawler) Run(ctx context.Context, start *url.URL) error {
	level := []crawlItem{}
	push := func(list *[]crawlItem, it crawlItem) {
		if it.depth > c.maxDepth || !c.admit(it.req) {
			return
		}
		*list = append(*list, it)
	}
	push(&level, crawlItem{req: &Request{Method: "GET", URL: start}})
	origin, _ := url.Parse(c.s.Scope().Origin())
	for _, p := range []string{"/robots.txt", "/sitemap.xml"} {
		u := origin.ResolveReference(&url.URL{Path: p})
		push(&level, crawlItem{req: &Request{Method: "GET", URL: u}, depth: 1})
	}
	for len(level) > 0 {
		next := []crawlItem{}
		var nmu sync.Mutex
		work := make(chan crawlItem)
		var wg sync.WaitGroup
		// stopErr is written by the workers and read by the feeder loop.
		var stopErr error
		var stopMu sync.Mutex
		stop := func(err error) {
			stopMu.Lock()
			defer stopMu.Unlock()
			if stopErr == nil {
				stopErr = err
			}
		}
		stopped := func() bool {
			stopMu.Lock()
			defer stopMu.Unlock()
			return stopErr != nil
		}
		for i := 0; i < c.concurrency; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for it := range work {
					found, err := c.visit(ctx, it)
					if err != nil {
						if errors.Is(err, ErrBudget) || ctx.Err() != nil {
							if ctx.Err() != nil {
								err = ctx.Err()
							}
							stop(err)
							continue
						}
						c.warn(err.Error())
						continue
					}
					nmu.Lock()
					for _, f := range found {
						push(&next, f)
					}
					nmu.Unlock()
				}
			}()
		}
		for _, it := range level {
			if ctx.Err() != nil || stopped() {
				break
			}
			work <- it
		}
		close(work)
		wg.Wait()
		if stopErr != nil {
			return stopErr
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		level = next
	}
	return nil
}

// visit fetches one item and returns what it points to.
func (c *crawler) visit(ctx context.Context, it crawlItem) ([]crawlItem, error) {
	resp, err := c.s.Do(ctx, it.req)
	if err != nil {
		return nil, err
	}
	page := &Page{URL: it.req.URL, Depth: it.depth, Resp: resp}
	c.mu.Lock()
	c.pages = append(c.pages, page)
	alias := false
	// Small pages ("ok", an empty list) repeat across endpoints; only a
	// whole page repeated at another path is an alias.
	if it.req.Method == "GET" && resp.StatusCode == 200 && resp.IsHTML() && len(resp.Body) >= 2048 {
		// The page without its own URL in it: a front controller that
		// serves the same page at /x/y/ and / gives the same fingerprint.
		body := strings.ReplaceAll(string(resp.Body), it.req.URL.RequestURI(), "")
		body = strings.ReplaceAll(body, it.req.URL.EscapedPath(), "")
		// Tokens and nonces change on every response.
		body = tokenLike.ReplaceAllString(body, "")
		fp := sha256.Sum256([]byte(body))
		// The deeper of two paths serving one page is the alias: a front
		// controller's /a/b/ repeats /, not the other way round.
		depth := func(p string) int { return strings.Count(strings.Trim(p, "/"), "/") }
		if first, ok := c.content[fp]; !ok || depth(it.req.URL.Path) < depth(first) {
			c.content[fp] = it.req.URL.Path
		} else if depth(it.req.URL.Path) > depth(first) {
			alias = true
		}
	}
	c.mu.Unlock()
	if alias {
		// The page's forms and links were seen at the shallower path.
		return nil, nil
	}
	if c.observe != nil {
		c.observe(page)
	}
	if it.req.Method == "GET" {
		c.addTarget(targetFromURL(it.req.URL, it.page))
		c.addTarget(targetFromPath(it.req.URL, it.page))
		if sc := resp.Header.Values("Set-Cookie"); len(sc) > 0 && resp.StatusCode < 300 {
			c.addTarget(targetFromCookies(it.req.URL, sc, it.page))
		}
		if resp.StatusCode == 200 && resp.IsHTML() && len(it.typed) == 0 {
			c.mu.Lock()
			more := c.headerPages < maxHeaderPages
			if more {
				c.headerPages++
			}
			c.mu.Unlock()
			if more {
				c.addTarget(targetFromHeaders(it.req.URL, it.page))
			}
		}
	}
	var out []crawlItem
	// own reports whether raw is the scanner's own value echoed back
	// rather than something the application links to.
	own := func(raw string) bool {
		if scannerMark.MatchString(raw) {
			return true
		}
		for _, v := range it.typed {
			if len(v) >= 4 && strings.Contains(raw, v) {
				return true
			}
		}
		return false
	}
	from := it.req.URL.String()
	link := func(u *url.URL) {
		if own(u.String()) {
			return
		}
		out = append(out, crawlItem{req: &Request{Method: "GET", URL: u}, depth: it.depth + 1, page: from})
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resp.Header.Get("Location"); loc != "" {
			if u := resolve(it.req.URL, loc); u != nil && !own(loc) {
				if !c.s.Scope().Allows(u) {
					c.notAllowed(u)
				} else {
					// A redirect keeps the depth of the link that led here.
					out = append(out, crawlItem{req: &Request{Method: "GET", URL: u}, depth: it.depth, page: from})
				}
			}
		}
		return out, nil
	}
	switch {
	case it.req.URL.Path == "/robots.txt" && resp.StatusCode == 200:
		for _, u := range parseRobots(it.req.URL, resp.Body) {
			link(u)
		}
	case resp.StatusCode == 200 && (bytes.Contains(resp.Body, []byte("<urlset")) || bytes.Contains(resp.Body, []byte("<sitemapindex"))):
		for _, u := range parseSitemap(resp.Body) {
			link(u)
		}
	case resp.IsHTML():
		ex := ExtractHTML(it.req.URL, resp.Body)
		for _, u := range ex.Links {
			link(u)
		}
		for _, f := range ex.Forms {
			if own(f.Action.String()) {
				continue
			}
			c.mu.Lock()
			c.forms = append(c.forms, f)
			c.mu.Unlock()
			for _, t := range targetsFromForm(f, c.skipButton) {
				c.addTarget(t)
				req := t.Baseline()
				var typed []string
				for _, p := range t.Params {
					if p.Typed {
						typed = append(typed, p.Value)
					}
				}
				out = append(out, crawlItem{req: req, depth: it.depth + 1, page: from, typed: typed})
			}
		}
		for _, call := range ex.JSON {
			if !own(call.URL.String()) {
				c.addCall(call, from, it.depth+1, &out)
			}
		}
	case isScript(resp):
		links, calls := ExtractScript(it.req.URL, string(resp.Body))
		for _, u := range links {
			link(u)
		}
		for _, call := range calls {
			c.addCall(call, from, it.depth+1, &out)
		}
	}
	// Parent directories: an index or a directory listing the
	// application never links to.
	for _, u := range parentDirs(it.req.URL) {
		out = append(out, crawlItem{req: &Request{Method: "GET", URL: u}, depth: it.depth + 1, page: from})
	}
	return out, nil
}

func isScript(r *Response) bool {
	ct := r.ContentType()
	return ct == "application/javascript" || ct == "text/javascript" || ct == "application/x-javascript"
}

// addCall makes a target of a request a script sends; a GET with a query
// is crawled like a link.
func (c *crawler) addCall(call JSONCall, from string, depth int, out *[]crawlItem) {
	if call.Method == "GET" {
		*out = append(*out, crawlItem{req: &Request{Method: "GET", URL: call.URL}, depth: depth, page: from})
		return
	}
	c.addTarget(targetFromJSON(call, from))
}

// skipButton reports whether a submit button must not be pressed: it
// looks destructive, or --exclude matches its name, value or label.
func (c *crawler) skipButton(b Button) bool {
	skip := c.s.Scope().ExcludesName(b.Name) || c.s.Scope().ExcludesName(b.Value) || c.s.Scope().ExcludesName(b.Label)
	if !skip && !c.followDestructive {
		skip = destructiveButton.MatchString(b.Name) || destructiveButton.MatchString(b.Label)
	}
	if skip {
		c.mu.Lock()
		c.skippedButtons[strings.TrimSpace(b.Name+" "+b.Label)] = true
		c.mu.Unlock()
	}
	return skip
}

// parentDirs returns the directories above u's path, nearest first.
func parentDirs(u *url.URL) []*url.URL {
	var out []*url.URL
	p := u.Path
	for i := 0; i < 8; i++ {
		j := strings.LastIndexByte(strings.TrimSuffix(p, "/"), '/')
		if j < 0 {
			break
		}
		p = p[:j+1]
		if p == "/" {
			break
		}
		d := *u
		d.Path, d.RawPath, d.RawQuery, d.Fragment = p, "", "", ""
		out = append(out, &d)
	}
	return out
}

// parseRobots returns the paths and sitemaps a robots.txt names.
func parseRobots(base *url.URL, body []byte) []*url.URL {
	var out []*url.URL
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() && len(out) < maxExtracted {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if k != "allow" && k != "disallow" && k != "sitemap" {
			continue
		}
		if k != "sitemap" {
			// Wildcards are patterns, not paths: keep the literal prefix.
			if i := strings.IndexAny(v, "*$"); i >= 0 {
				v = v[:i]
			}
		}
		if v == "" || v == "/" {
			continue
		}
		if u := resolve(base, v); u != nil {
			out = append(out, u)
		}
	}
	return out
}

// parseSitemap returns the <loc> URLs of a sitemap or sitemap index.
func parseSitemap(body []byte) []*url.URL {
	var doc struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
		Sitemaps []struct {
			Loc string `xml:"loc"`
		} `xml:"sitemap"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil
	}
	var out []*url.URL
	for _, l := range append(doc.URLs, doc.Sitemaps...) {
		if len(out) >= maxExtracted {
			break
		}
		if u := resolve(nil, l.Loc); u != nil {
			out = append(out, u)
		}
	}
	return out
}

// Targets lists the crawled targets in discovery order.
func (c *crawler) Targets() []*Target {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Target, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, c.targets[k])
	}
	return out
}

// OffScope summarises links and redirects the crawler did not follow
// because they lead to another origin, and in-scope URLs that --include
// or --exclude ruled out.
func (c *crawler) OffScope() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	if len(c.offScope) > 0 {
		hosts := make([]string, 0, len(c.offScope))
		n := 0
		for h, urls := range c.offScope {
			hosts = append(hosts, h)
			n += len(urls)
		}
		sort.Strings(hosts)
		if len(hosts) > 5 {
			hosts = append(hosts[:5], "…")
		}
		out = append(out, fmt.Sprintf("%d links or redirects out of scope not followed (%s)", n, strings.Join(hosts, ", ")))
	}
	if len(c.excluded) > 0 {
		out = append(out, fmt.Sprintf("%d in-scope URLs not requested because --include or --exclude rules them out", len(c.excluded)))
	}
	if len(c.skippedButtons) > 0 {
		names := make([]string, 0, len(c.skippedButtons))
		for n := range c.skippedButtons {
			names = append(names, strconv.Quote(n))
		}
		sort.Strings(names)
		if len(names) > 5 {
			names = append(names[:5], "…")
		}
		out = append(out, fmt.Sprintf("%d submit buttons not pressed because they look destructive or --exclude matches them (%s)", len(c.skippedButtons), strings.Join(names, ", ")))
	}
	return out
}

// phantomForm reports whether i is a form issue whose action path was
// requested and never answered with anything but 404.
func (c *crawler) phantomForm(i Issue) bool {
	if i.Check != CheckCSRF && i.Check != CheckSensitiveURL {
		return false
	}
	u, err := url.Parse(i.URL)
	if err != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	seen, ok := false, false
	for _, pg := range c.pages {
		if pg.URL.Path != u.Path {
			continue
		}
		seen = true
		if pg.Resp.StatusCode != http.StatusNotFound {
			ok = true
			break
		}
	}
	return seen && !ok
}
