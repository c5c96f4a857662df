package dast

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// destructive matches links the crawler never follows by default: they
// end the session or change data in ways a scan must not.
var destructive = regexp.MustCompile(`(?i)(log-?out|sign-?out|log-?off|sign-?off|delete|remove|destroy|drop|truncate|purge|wipe|deactivate|unsubscribe|shutdown|reboot|uninstall|/kill)`)

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
}

// crawler walks the target breadth-first within the scope.
type crawler struct {
	s                 *Sender
	maxDepth          int
	concurrency       int
	observe           func(*Page) // passive checks
	warn              func(string)
	followDestructive bool

	mu       sync.Mutex
	seen     map[string]bool
	pages    []*Page
	targets  map[string]*Target
	order    []string
	forms    []Form
	offScope map[string]int
}

func newCrawler(s *Sender, maxDepth, concurrency int, observe func(*Page), warn func(string)) *crawler {
	if concurrency < 1 {
		concurrency = 1
	}
	return &crawler{s: s, maxDepth: maxDepth, concurrency: concurrency, observe: observe, warn: warn,
		seen: map[string]bool{}, targets: map[string]*Target{}, offScope: map[string]int{}}
}

// requestKey ignores parameter values, so /item?id=1 and /item?id=2 are
// crawled once.
func requestKey(r *Request) string {
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

// enqueue reports whether req is new, in scope and allowed.
func (c *crawler) admit(req *Request) bool {
	if !c.s.Scope().Allows(req.URL) {
		c.mu.Lock()
		c.offScope[req.URL.Host]++
		c.mu.Unlock()
		return false
	}
	if !c.followDestructive && destructive.MatchString(req.URL.Path+"?"+req.URL.RawQuery) {
		return false
	}
	k := requestKey(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[k] {
		return false
	}
	c.seen[k] = true
	return true
}

func (c *crawler) addTarget(t *Target) {
	if t == nil || len(t.Params) == 0 {
		return
	}
	if !c.s.Scope().Allows(t.URL) {
		return
	}
	if !c.followDestructive && destructive.MatchString(t.URL.Path) {
		return
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
	push := func(list *[]crawlItem, req *Request, depth int, page string) {
		if depth > c.maxDepth || !c.admit(req) {
			return
		}
		*list = append(*list, crawlItem{req: req, depth: depth, page: page})
	}
	push(&level, &Request{Method: "GET", URL: start}, 0, "")
	origin, _ := url.Parse(c.s.Scope().Origin())
	for _, p := range []string{"/robots.txt", "/sitemap.xml"} {
		u := origin.ResolveReference(&url.URL{Path: p})
		push(&level, &Request{Method: "GET", URL: u}, 1, "")
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
						push(&next, f.req, f.depth, f.page)
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
	c.mu.Unlock()
	if c.observe != nil {
		c.observe(page)
	}
	if it.req.Method == "GET" {
		c.addTarget(targetFromURL(it.req.URL, it.page))
		if sc := resp.Header.Values("Set-Cookie"); len(sc) > 0 && resp.StatusCode < 300 {
			c.addTarget(targetFromCookies(it.req.URL, sc, it.page))
		}
	}
	var out []crawlItem
	link := func(u *url.URL) {
		out = append(out, crawlItem{req: &Request{Method: "GET", URL: u}, depth: it.depth + 1, page: it.req.URL.String()})
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resp.Header.Get("Location"); loc != "" {
			if u := resolve(it.req.URL, loc); u != nil {
				if !c.s.Scope().Allows(u) {
					c.mu.Lock()
					c.offScope[u.Host]++
					c.mu.Unlock()
				} else {
					// A redirect keeps the depth of the link that led here.
					out = append(out, crawlItem{req: &Request{Method: "GET", URL: u}, depth: it.depth, page: it.req.URL.String()})
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
			c.mu.Lock()
			c.forms = append(c.forms, f)
			c.mu.Unlock()
			t, _ := targetFromForm(f)
			if len(f.Fields) > 0 {
				c.addTarget(t)
			}
			out = append(out, crawlItem{req: t.Baseline(), depth: it.depth + 1, page: it.req.URL.String()})
		}
		for _, call := range ex.JSON {
			c.addTarget(targetFromJSON(call, it.req.URL.String()))
		}
	case resp.ContentType() == "application/javascript" || resp.ContentType() == "text/javascript":
		links, calls := ExtractScript(it.req.URL, string(resp.Body))
		for _, u := range links {
			link(u)
		}
		for _, call := range calls {
			c.addTarget(targetFromJSON(call, it.req.URL.String()))
		}
	}
	return out, nil
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
// because they leave the scope.
func (c *crawler) OffScope() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.offScope) == 0 {
		return ""
	}
	hosts := make([]string, 0, len(c.offScope))
	n := 0
	for h, k := range c.offScope {
		hosts = append(hosts, h)
		n += k
	}
	sort.Strings(hosts)
	if len(hosts) > 5 {
		hosts = append(hosts[:5], "…")
	}
	return fmt.Sprintf("%d links or redirects out of scope not followed (%s)", n, strings.Join(hosts, ", "))
}
