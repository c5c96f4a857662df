// Package zap drives a running OWASP ZAP daemon through its JSON API and
// converts its alerts to findings.
package zap

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
	"time"
)

// Client talks to one ZAP daemon.
type Client struct {
	base   *url.URL
	apiKey string
	http   *http.Client
}

// NewClient returns a client for the ZAP API at base (e.g.
// http://127.0.0.1:8090). The API key travels in the X-ZAP-API-Key header.
func NewClient(base, apiKey string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--zap %q is not a URL; use e.g. http://127.0.0.1:8090", base)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: u, apiKey: apiKey, http: hc}, nil
}

// apiError is ZAP's error document: {"code": "...", "message": "..."}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// get calls /JSON/{component}/{kind}/{name}/ and decodes the result.
func (c *Client) get(ctx context.Context, path string, params url.Values, out any) error {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	if c.apiKey != "" {
		req.Header.Set("X-ZAP-API-Key", c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("ZAP API %s: %w; is the ZAP daemon running at %s?", path, err, c.base)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("ZAP API %s: read response: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var ae apiError
		if json.Unmarshal(body, &ae) == nil && ae.Code != "" {
			hint := ""
			if ae.Code == "bad_api_key" || ae.Code == "missing_api_key" {
				hint = "; pass the daemon's key with --zap-api-key"
			}
			return fmt.Errorf("ZAP API %s: %s (%s)%s", path, ae.Message, ae.Code, hint)
		}
		return fmt.Errorf("ZAP API %s: HTTP %d: %.200s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("ZAP API %s: unexpected response %.200q: %w", path, body, err)
	}
	return nil
}

// Version returns the daemon's version (/JSON/core/view/version/).
func (c *Client) Version(ctx context.Context) (string, error) {
	var r struct {
		Version string `json:"version"`
	}
	err := c.get(ctx, "/JSON/core/view/version/", nil, &r)
	return r.Version, err
}

// Spider starts the traditional spider and returns its scan id.
func (c *Client) Spider(ctx context.Context, target string) (string, error) {
	var r struct {
		Scan string `json:"scan"`
	}
	if err := c.get(ctx, "/JSON/spider/action/scan/", url.Values{"url": {target}, "recurse": {"true"}}, &r); err != nil {
		return "", err
	}
	return r.Scan, nil
}

// SpiderStatus returns the spider's progress in percent.
func (c *Client) SpiderStatus(ctx context.Context, id string) (int, error) {
	return c.status(ctx, "/JSON/spider/view/status/", id)
}

// AjaxSpider starts the AJAX spider.
func (c *Client) AjaxSpider(ctx context.Context, target string) error {
	var r struct {
		Result string `json:"Result"`
	}
	return c.get(ctx, "/JSON/ajaxSpider/action/scan/", url.Values{"url": {target}}, &r)
}

// AjaxSpiderRunning reports whether the AJAX spider still runs.
func (c *Client) AjaxSpiderRunning(ctx context.Context) (bool, error) {
	var r struct {
		Status string `json:"status"`
	}
	if err := c.get(ctx, "/JSON/ajaxSpider/view/status/", nil, &r); err != nil {
		return false, err
	}
	return r.Status == "running", nil
}

// ActiveScan starts an active scan and returns its scan id.
func (c *Client) ActiveScan(ctx context.Context, target string) (string, error) {
	var r struct {
		Scan string `json:"scan"`
	}
	if err := c.get(ctx, "/JSON/ascan/action/scan/", url.Values{"url": {target}, "recurse": {"true"}}, &r); err != nil {
		return "", err
	}
	return r.Scan, nil
}

// ActiveScanStatus returns the active scan's progress in percent.
func (c *Client) ActiveScanStatus(ctx context.Context, id string) (int, error) {
	return c.status(ctx, "/JSON/ascan/view/status/", id)
}

// RecordsToScan is the passive scanner's backlog.
func (c *Client) RecordsToScan(ctx context.Context) (int, error) {
	var r struct {
		Records string `json:"recordsToScan"`
	}
	if err := c.get(ctx, "/JSON/pscan/view/recordsToScan/", nil, &r); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(r.Records)
	if err != nil {
		return 0, fmt.Errorf("ZAP API recordsToScan: %q is not a number", r.Records)
	}
	return n, nil
}

func (c *Client) status(ctx context.Context, path, id string) (int, error) {
	var r struct {
		Status string `json:"status"`
	}
	if err := c.get(ctx, path, url.Values{"scanId": {id}}, &r); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(r.Status)
	if err != nil {
		return 0, fmt.Errorf("ZAP API %s: status %q is not a number", path, r.Status)
	}
	return n, nil
}

// Alert is one ZAP alert as /JSON/core/view/alerts/ returns it.
type Alert struct {
	ID          string `json:"id"`
	PluginID    string `json:"pluginId"`
	AlertRef    string `json:"alertRef"`
	Name        string `json:"name"`
	Alert       string `json:"alert"`
	Risk        string `json:"risk"`
	Confidence  string `json:"confidence"`
	URL         string `json:"url"`
	Method      string `json:"method"`
	Param       string `json:"param"`
	Attack      string `json:"attack"`
	Evidence    string `json:"evidence"`
	Other       string `json:"other"`
	Description string `json:"description"`
	Solution    string `json:"solution"`
	Reference   string `json:"reference"`
	CWEID       string `json:"cweid"`
	WASCID      string `json:"wascid"`
	MessageID   string `json:"messageId"`
}

// Alerts pages through /JSON/core/view/alerts/ for baseURL.
func (c *Client) Alerts(ctx context.Context, baseURL string, pageSize int) ([]Alert, error) {
	if pageSize <= 0 {
		pageSize = 500
	}
	var all []Alert
	for start := 0; ; start += pageSize {
		var r struct {
			Alerts []Alert `json:"alerts"`
		}
		params := url.Values{"baseurl": {baseURL}, "start": {strconv.Itoa(start)}, "count": {strconv.Itoa(pageSize)}}
		if err := c.get(ctx, "/JSON/core/view/alerts/", params, &r); err != nil {
			return all, err
		}
		all = append(all, r.Alerts...)
		if len(r.Alerts) < pageSize {
			return all, nil
		}
		if len(all) > 1_000_000 {
			return all, errors.New("ZAP returned more than a million alerts; narrow the scan")
		}
	}
}
