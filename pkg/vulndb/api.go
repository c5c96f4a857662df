package vulndb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secops-dev/secops/pkg/wait"
)

// DefaultAPIURL is the OSV API.
const DefaultAPIURL = "https://api.osv.dev"

// Limits of the OSV API client.
const (
	maxBatch        = 1000
	fetchWorkers    = 8
	maxAttempts     = 5
	maxResponseSize = 64 << 20
)

// ErrOffline says the OSV API cannot be reached.
var ErrOffline = errors.New("cannot reach api.osv.dev: use --offline with `secops db update`, or --db DIR")

// Client queries the OSV API: /v1/querybatch for the ids affecting each
// package version, then /v1/vulns/{id} for each full record, fetched once
// per client.
type Client struct {
	base  string
	http  *http.Client
	sleep func(context.Context, time.Duration) error

	mu    sync.Mutex
	cache map[string]*Vulnerability
	probs []Problem
}

// Problems lists the advisories the querybatch named but whose records
// could not be fetched (the API no longer has them); they were left out.
// Path is the advisory id.
func (c *Client) Problems() []Problem {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]Problem(nil), c.probs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// statusError is an answer of the API that is neither a success nor worth
// retrying.
type statusError struct {
	path   string
	status string
	code   int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("OSV API %s: HTTP %s: %s", e.path, e.status, e.body)
}

func isNotFound(err error) bool {
	se, ok := err.(*statusError)
	return ok && se.code == http.StatusNotFound
}

// NewClient returns a client of the OSV API at base (default
// DefaultAPIURL).
func NewClient(base string, hc *http.Client) *Client {
	if base == "" {
		base = DefaultAPIURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: strings.TrimSuffix(base, "/"), http: hc, sleep: wait.Sleep, cache: map[string]*Vulnerability{}}
}

type apiQuery struct {
	Package   apiPackage `json:"package"`
	Version   string     `json:"version"`
	PageToken string     `json:"page_token,omitempty"`
}

type apiPackage struct {
	Name      string `json:"name"`
	Ecosystem string `json:"ecosystem"`
}

type batchResponse struct {
	Results []struct {
		Vulns []struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
		} `json:"vulns"`
		NextPageToken string `json:"next_page_token"`
	} `json:"results"`
}

// maxPagesPerQuery bounds the pages read for one package version: a real
// package needs a few at most, so more means the server is looping.
const maxPagesPerQuery = 100

// QueryBatch returns, per query, the ids of the advisories the API reports
// for that package version, following next_page_token until every page is
// read.
func (c *Client) QueryBatch(ctx context.Context, queries []PackageQuery) ([][]string, error) {
	out := make([][]string, len(queries))
	type pending struct {
		i     int
		token string
		page  int
	}
	var todo []pending
	for i := range queries {
		todo = append(todo, pending{i: i, page: 1})
	}
	for len(todo) > 0 {
		n := min(len(todo), maxBatch)
		batch := todo[:n]
		todo = todo[n:]
		req := struct {
			Queries []apiQuery `json:"queries"`
		}{}
		for _, p := range batch {
			q := queries[p.i]
			name, ver := q.Name, q.Version
			req.Queries = append(req.Queries, apiQuery{Package: apiPackage{Name: name, Ecosystem: q.Ecosystem}, Version: ver, PageToken: p.token})
		}
		var resp batchResponse
		if err := c.post(ctx, "/v1/querybatch", req, &resp); err != nil {
			return nil, err
		}
		if len(resp.Results) != len(batch) {
			return nil, fmt.Errorf("OSV API querybatch: %d results for %d queries", len(resp.Results), len(batch))
		}
		for k, r := range resp.Results {
			i := batch[k].i
			for _, v := range r.Vulns {
				out[i] = append(out[i], v.ID)
			}
			if r.NextPageToken != "" {
				if batch[k].page >= maxPagesPerQuery {
					q := queries[i]
					return nil, fmt.Errorf("OSV API querybatch: %s %s %s still has more results after %d pages; the API keeps answering next_page_token, so results would be incomplete", q.Ecosystem, q.Name, q.Version, maxPagesPerQuery)
				}
				todo = append(todo, pending{i: i, token: r.NextPageToken, page: batch[k].page + 1})
			}
		}
	}
	for i := range out {
		sort.Strings(out[i])
		out[i] = compactStrings(out[i])
	}
	return out, nil
}

func compactStrings(s []string) []string {
	if len(s) < 2 {
		return s
	}
	j := 1
	for i := 1; i < len(s); i++ {
		if s[i] != s[j-1] {
			s[j] = s[i]
			j++
		}
	}
	return s[:j]
}

// Vuln fetches one full record (cached for the client's lifetime).
func (c *Client) Vuln(ctx context.Context, id string) (*Vulnerability, error) {
	c.mu.Lock()
	v, ok := c.cache[id]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodGet, "/v1/vulns/"+url.PathEscape(id), nil, &raw); err != nil {
		return nil, err
	}
	v, err := ParseRecord(raw)
	if err != nil {
		return nil, fmt.Errorf("OSV API vulns/%s: %w", id, err)
	}
	c.mu.Lock()
	c.cache[id] = v
	c.mu.Unlock()
	return v, nil
}

// MatchAll asks the API which advisories affect each package version and
// fetches their records, a few at a time.
func (c *Client) MatchAll(ctx context.Context, queries []PackageQuery) ([][]Match, error) {
	ids, err := c.QueryBatch(ctx, queries)
	if err != nil {
		return nil, err
	}
	need := map[string]bool{}
	for _, l := range ids {
		for _, id := range l {
			need[id] = true
		}
	}
	idList := make([]string, 0, len(need))
	for id := range need {
		idList = append(idList, id)
	}
	sort.Strings(idList)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	var missingMu sync.Mutex
	missing := map[string]bool{}
	next := make(chan string)
	for range fetchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				_, err := c.Vuln(ctx, id)
				switch {
				case err == nil:
				case isNotFound(err):
					// Merged or deleted since the querybatch answered:
					// leave it out and say so, the others still count.
					missingMu.Lock()
					missing[id] = true
					missingMu.Unlock()
					c.mu.Lock()
					c.probs = append(c.probs, Problem{Path: id, Reason: "HTTP " + err.(*statusError).status})
					c.mu.Unlock()
				default:
					errOnce.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for _, id := range idList {
		select {
		case next <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	out := make([][]Match, len(queries))
	for i, l := range ids {
		q := queries[i]
		for _, id := range l {
			if missing[id] {
				continue
			}
			v, err := c.Vuln(ctx, id)
			if err != nil {
				return nil, err
			}
			if v.IsWithdrawn() || !confirmsAffected(v, q) {
				continue
			}
			out[i] = append(out[i], Match{Vuln: v, Fixed: v.Fixed(q.Ecosystem, q.Name, q.Version)})
		}
	}
	return out, nil
}

// confirmsAffected checks the API's answer against the record itself: the
// API can name advisories whose affected ranges do not contain the
// version. A record is dropped only when an entry names the package, the
// version parses in its ecosystem, and every such entry has ranges or
// versions secops can evaluate and none contains it; otherwise the API's
// answer stands.
func confirmsAffected(v *Vulnerability, q PackageQuery) bool {
	pv := ParseVersion(q.Ecosystem, q.Version)
	if pv.Parsed == nil {
		return true
	}
	norm := NormalizeName(q.Ecosystem, q.Name)
	covered := false
	for i := range v.Affected {
		a := &v.Affected[i]
		if !a.covers(q.Ecosystem, norm) {
			continue
		}
		covered = true
		if a.affects(pv) || !a.evaluable() {
			return true
		}
	}
	return !covered
}

// evaluable reports whether the entry lists versions or has a range secops
// compares itself (GIT ranges are resolved only by the API).
func (a *Affected) evaluable() bool {
	if len(a.Versions) > 0 {
		return true
	}
	for _, r := range a.Ranges {
		if r.Type == RangeEcosystem || r.Type == RangeSemver {
			return true
		}
	}
	return false
}

func (c *Client) post(ctx context.Context, path string, body, into any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, path, data, into)
}

// do sends one request, retrying 429 and 5xx answers and transport errors
// with exponential backoff, honouring Retry-After.
func (c *Client) do(ctx context.Context, method, path string, body []byte, into any) error {
	backoff := 500 * time.Millisecond
	var lastErr error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
		if err != nil {
			return err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("User-Agent", "secops")
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = err
			if isUnreachable(err) {
				return fmt.Errorf("%w (%v)", ErrOffline, err)
			}
		} else {
			data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize))
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK && rerr == nil:
				if err := json.Unmarshal(data, into); err != nil {
					return fmt.Errorf("OSV API %s: decode answer: %w", path, err)
				}
				return nil
			case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
				lastErr = fmt.Errorf("OSV API %s: HTTP %s", path, resp.Status)
				if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
					backoff = d
				}
			case rerr != nil:
				lastErr = rerr
			default:
				return &statusError{path: path, status: resp.Status, code: resp.StatusCode, body: strings.TrimSpace(string(data[:min(len(data), 300)]))}
			}
		}
		if attempt == maxAttempts {
			break
		}
		if err := c.sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, 30*time.Second)
	}
	return fmt.Errorf("OSV API %s: giving up after %d attempts: %w", path, maxAttempts, lastErr)
}

func retryAfter(h string) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, 5*time.Minute), true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return min(d, 5*time.Minute), true
	}
	return 0, false
}

// isUnreachable reports errors that mean there is no network path: DNS
// failure or refused connections.
func isUnreachable(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return false
}
