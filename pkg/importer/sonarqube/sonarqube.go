// Package sonarqube pulls one project's issues and security hotspots from a
// SonarQube Web API as findings.
package sonarqube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/importer"
	"github.com/secops-dev/secops/pkg/wait"
)

// SearchLimit is the most results api/issues/search and
// api/hotspots/search return for one query, however it is paged
// (Elasticsearch's index.max_result_window on the server).
const SearchLimit = 10000

// MaxPageSize is the largest page size (ps) the search APIs accept.
const MaxPageSize = 500

// Defaults of the issue search.
var (
	DefaultTypes    = []string{"VULNERABILITY", "BUG", "CODE_SMELL"}
	DefaultStatuses = []string{"OPEN", "CONFIRMED", "REOPENED"}
)

// Options says what to pull and from where.
type Options struct {
	// URL is the server's base URL, e.g. https://sonar.example.com.
	URL string
	// ProjectKey is the project's key (componentKeys / projectKey).
	ProjectKey string
	// Organization is the SonarCloud organization key (not needed on
	// SonarQube Server).
	Organization string
	// Branch or PullRequest selects an analysis other than the main
	// branch's (Developer Edition and above, SonarCloud).
	Branch      string
	PullRequest string
	// Token is a user or project analysis token, sent as the HTTP basic
	// user name with an empty password.
	Token string
	// PageSize is results per request, 1-500 (default 500).
	PageSize int
	// Types of issues to pull (default VULNERABILITY, BUG, CODE_SMELL).
	Types []string
	// Statuses of issues to pull (default OPEN, CONFIRMED, REOPENED).
	Statuses []string
	// Hotspots: pull security hotspots too (the command turns it on).
	Hotspots bool
	// HotspotStatus filters hotspots: TO_REVIEW (default) or REVIEWED;
	// "ALL" pulls both.
	HotspotStatus string

	Provenance findings.Provenance
	// HTTPClient defaults to a client with a 60-second timeout.
	HTTPClient *http.Client
	// Warn receives messages the user must see, such as results left out
	// by the server's 10,000-result limit. Nil drops them.
	Warn func(msg string)
	// Sleep waits between retries; tests replace it. Nil sleeps for real.
	Sleep func(ctx context.Context, d time.Duration) error
	// Retries is how many times a 5xx or 429 answer is retried (default 4).
	Retries int
}

// Pull fetches the project's issues (and hotspots when asked) page by page
// and converts them to findings stamped with o.Provenance.
func Pull(ctx context.Context, o Options) ([]findings.Finding, error) {
	c, err := newClient(o)
	if err != nil {
		return nil, err
	}
	var issues []importer.SonarIssue
	var hotspots []importer.SonarHotspot
	var components []importer.SonarComponent

	q := url.Values{}
	q.Set("componentKeys", o.ProjectKey)
	q.Set("types", strings.Join(orDefault(o.Types, DefaultTypes), ","))
	q.Set("statuses", strings.Join(orDefault(o.Statuses, DefaultStatuses), ","))
	q.Set("s", "FILE_LINE")
	o.setScope(q)
	err = c.pages(ctx, "/api/issues/search", q, "issues", func(p *importer.SonarPage) int {
		issues = append(issues, p.Issues...)
		components = append(components, p.Components...)
		return len(p.Issues)
	})
	if err != nil {
		return nil, err
	}
	if o.Hotspots {
		q := url.Values{}
		q.Set("projectKey", o.ProjectKey)
		o.setScope(q)
		switch st := strings.ToUpper(o.HotspotStatus); st {
		case "ALL":
		case "":
			q.Set("status", "TO_REVIEW")
		default:
			q.Set("status", st)
		}
		err = c.pages(ctx, "/api/hotspots/search", q, "hotspots", func(p *importer.SonarPage) int {
			hotspots = append(hotspots, p.Hotspots...)
			components = append(components, p.Components...)
			return len(p.Hotspots)
		})
		if err != nil {
			return nil, err
		}
	}
	list, err := importer.SonarQubeFindings(c.base.String(), issues, hotspots, components, o.Provenance)
	if err != nil {
		return nil, fmt.Errorf("sonarqube: %w", err)
	}
	return list, nil
}

// setScope adds the organization, branch and pull request to a query.
func (o Options) setScope(q url.Values) {
	if o.Organization != "" {
		q.Set("organization", o.Organization)
	}
	if o.PullRequest != "" {
		q.Set("pullRequest", o.PullRequest)
	} else if o.Branch != "" {
		q.Set("branch", o.Branch)
	}
}

func orDefault(v, def []string) []string {
	if len(v) == 0 {
		return def
	}
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = strings.ToUpper(strings.TrimSpace(s))
	}
	return out
}

type client struct {
	o    Options
	base *url.URL
	http *http.Client
	ps   int
}

func newClient(o Options) (*client, error) {
	if strings.TrimSpace(o.URL) == "" {
		return nil, errors.New("sonarqube: no server URL: pass --url https://sonar.example.com")
	}
	base, err := url.Parse(strings.TrimRight(strings.TrimSpace(o.URL), "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("sonarqube: %q is not a server URL: give it as https://sonar.example.com", o.URL)
	}
	if base.User != nil {
		return nil, errors.New("sonarqube: put the token in SONAR_TOKEN, not in the URL")
	}
	if strings.TrimSpace(o.ProjectKey) == "" {
		return nil, errors.New("sonarqube: no project key: pass --project KEY (the key on the project's SonarQube page)")
	}
	ps := o.PageSize
	if ps <= 0 || ps > MaxPageSize {
		ps = MaxPageSize
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Retries == 0 {
		o.Retries = 4
	}
	if o.Sleep == nil {
		o.Sleep = wait.Sleep
	}
	return &client{o: o, base: base, http: hc, ps: ps}, nil
}

// pages requests path page after page until the server's total is read,
// a page comes back short, or the 10,000-result limit is reached.
func (c *client) pages(ctx context.Context, path string, q url.Values, what string, add func(*importer.SonarPage) int) error {
	got := 0
	for page := 1; ; page++ {
		q.Set("p", strconv.Itoa(page))
		q.Set("ps", strconv.Itoa(c.ps))
		var p importer.SonarPage
		if err := c.get(ctx, path, q, &p); err != nil {
			return err
		}
		n := add(&p)
		got += n
		total := p.TotalResults()
		if n == 0 || got >= total || n < c.ps {
			return nil
		}
		if (page+1)*c.ps > SearchLimit {
			if total > got && c.o.Warn != nil {
				c.o.Warn(fmt.Sprintf("SonarQube returns at most %d %s per search: pulled %d of %d for %s; pull fewer at a time (e.g. --types VULNERABILITY, or one --statuses at a time) to get the rest",
					SearchLimit, what, got, total, c.o.ProjectKey))
			}
			return nil
		}
	}
}

// get performs one GET, retrying 5xx and 429 answers with backoff.
func (c *client) get(ctx context.Context, path string, q url.Values, into any) error {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = q.Encode()
	backoff := time.Second
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		if c.o.Token != "" {
			req.SetBasicAuth(c.o.Token, "")
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Nothing listening is not going to change in a few seconds;
			// timeouts and resets might.
			if attempt < c.o.Retries && !errors.Is(err, syscall.ECONNREFUSED) {
				if err := c.o.Sleep(ctx, backoff); err != nil {
					return err
				}
				backoff *= 2
				continue
			}
			return fmt.Errorf("sonarqube: %s: %w (is the server reachable?)", path, redactURL(err, c.base))
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("sonarqube: reading %s: %w", path, err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			if err := json.Unmarshal(body, into); err != nil {
				return fmt.Errorf("sonarqube: %s answered something that is not its JSON (%v): is --url the SonarQube server?", path, err)
			}
			return nil
		case (resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests) && attempt < c.o.Retries:
			wait := backoff
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 && s <= 300 {
				wait = time.Duration(s) * time.Second
			}
			if err := c.o.Sleep(ctx, wait); err != nil {
				return err
			}
			backoff *= 2
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("sonarqube: the server refused the token (401): set SONAR_TOKEN to a valid user or project analysis token")
		case resp.StatusCode == http.StatusForbidden:
			return fmt.Errorf("sonarqube: the token may not browse project %q (403): give it the Browse permission on the project", c.o.ProjectKey)
		case resp.StatusCode == http.StatusNotFound:
			return fmt.Errorf("sonarqube: %s not found (404)%s: check --url and --project", path, apiErrors(body))
		}
		return fmt.Errorf("sonarqube: %s answered %s%s", path, resp.Status, apiErrors(body))
	}
}

// apiErrors reads SonarQube's {"errors":[{"msg":…}]} error body.
func apiErrors(body []byte) string {
	var e struct {
		Errors []struct {
			Msg string `json:"msg"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	msgs := make([]string, len(e.Errors))
	for i, m := range e.Errors {
		msgs[i] = m.Msg
	}
	return ": " + strings.Join(msgs, "; ")
}

// redactURL keeps query strings out of transport errors.
func redactURL(err error, base *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, base.String(), ue.Err)
	}
	return err
}
