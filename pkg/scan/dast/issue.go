package dast

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/secops-dev/secops/pkg/findings"
)

// GeneratorID is the GeneratorId of the built-in scanner's findings.
const GeneratorID = "secops/dast"

// Issue is one confirmed problem before it becomes an ASFF finding.
type Issue struct {
	Check string
	// URL is the affected URL without query string (or the origin with a
	// trailing slash for site-wide problems).
	URL    string
	Method string
	Param  string
	In     string
	// Confidence is 0-100.
	Confidence int
	Detail     string
	Request    string
	Response   string
	// Instances counts how often a site-wide issue was seen.
	Instances int
	// SeenAt is where a stored payload was served (stored XSS).
	SeenAt string
}

// key identifies an issue. What a response discloses is one issue per
// URL and check, whichever request provoked it.
func (i Issue) key() string {
	m := i.Method
	if disclosure[i.Check] {
		m = ""
	}
	return i.Check + "\x00" + i.URL + "\x00" + m + "\x00" + i.Param
}

// disclosure lists the checks that read response bodies, which attack
// responses provoke as well as crawled pages.
var disclosure = map[string]bool{CheckStackTrace: true, CheckSQLError: true, CheckDirListing: true, CheckPHPInfo: true}

// Path is the path of the affected URL.
func (i Issue) Path() string {
	u, err := url.Parse(i.URL)
	if err != nil {
		return i.URL
	}
	if u.Path == "" {
		return "/"
	}
	return u.Path
}

// collector de-duplicates issues: the first evidence is kept and
// instances are counted.
type collector struct {
	mu     sync.Mutex
	issues map[string]*Issue
	order  []string
}

func newCollector() *collector { return &collector{issues: map[string]*Issue{}} }

func (c *collector) add(i Issue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := i.key()
	if old, ok := c.issues[k]; ok {
		old.Instances++
		if i.Confidence > old.Confidence {
			old.Confidence = i.Confidence
		}
		return
	}
	i.Instances = 1
	c.issues[k] = &i
	c.order = append(c.order, k)
}

func (c *collector) has(check, u, method, param string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.issues[Issue{Check: check, URL: u, Method: method, Param: param}.key()]
	return ok
}

func (c *collector) list() []Issue {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Issue, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, *c.issues[k])
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Check != out[b].Check {
			return out[a].Check < out[b].Check
		}
		if out[a].URL != out[b].URL {
			return out[a].URL < out[b].URL
		}
		return out[a].Param < out[b].Param
	})
	return out
}

// stripQuery returns u without fragment and without its query string,
// except the parameters that route to a page: a front controller's
// index.php?page=register.php is not index.php?page=login.php.
func stripQuery(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	c.Fragment = ""
	c.User = nil
	if c.Path == "" {
		c.Path = "/"
	}
	if u.RawQuery != "" {
		keep := url.Values{}
		for k, vs := range u.Query() {
			if len(vs) > 0 && routeParam(k, vs[0]) {
				keep.Set(k, vs[0])
			}
		}
		c.RawQuery = keep.Encode()
	}
	return c.String()
}

var (
	routeName  = regexp.MustCompile(`(?i)^(page|action|module|mod|view|controller|route|do|task|option|section|tab|screen)$`)
	routeValue = regexp.MustCompile(`(?i)^[\w./-]{1,80}\.(php\d?|aspx?|jsp|html?|do|action|cfm)$`)
)

// routeParam reports whether a query parameter names the page rather
// than carrying data: ?page=login.php, ?action=edit.
func routeParam(name, value string) bool {
	// A route is a plain name; a probe's payload (quotes, braces, ../,
	// the scanner's markers) is not one.
	if !routeChars.MatchString(value) || strings.Contains(value, "..") || strings.Contains(strings.ToLower(value), "secops") {
		return false
	}
	return routeName.MatchString(name) || routeValue.MatchString(value)
}

var routeChars = regexp.MustCompile(`^[A-Za-z0-9_./-]{1,80}$`)

// issueURL is where an issue in parameter skip of t is reported: its URL
// with the route parameters it is sent with.
func (t *Target) issueURL(skip Param) string {
	u := *t.URL
	q := url.Values{}
	for _, p := range t.Params {
		if p.In == InQuery && !(p.Name == skip.Name && p.In == skip.In) && !p.Typed && routeParam(p.Name, p.Value) {
			q.Set(p.Name, p.Value)
		}
	}
	if t.FixedQuery != "" {
		if fq, err := url.ParseQuery(t.FixedQuery); err == nil {
			for k, vs := range fq {
				if len(vs) > 0 && routeParam(k, vs[0]) {
					q.Set(k, vs[0])
				}
			}
		}
	}
	u.RawQuery = q.Encode()
	return stripQuery(&u)
}

const excerptLen = 900

var secretHeader = regexp.MustCompile(`(?i)^(authorization|cookie|set-cookie|proxy-authorization|x-api-key|x-auth-token)$`)

// dumpRequest renders req for evidence, secrets redacted, trimmed.
func dumpRequest(req *Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\n", req.Method, redactURL(req.URL))
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(req.Header[k], ", ")
		if secretHeader.MatchString(k) {
			v = "REDACTED"
		}
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	for name, v := range req.Cookies {
		fmt.Fprintf(&b, "Cookie: %s=%s\n", name, v)
	}
	if len(req.Body) > 0 {
		b.WriteString("\n")
		b.WriteString(redactBody(string(req.Body)))
	}
	return trim(b.String(), excerptLen)
}

var secretInBody = regexp.MustCompile(`(?i)((?:password|passwd|pwd|secret|token|api_?key)[^=&"]*["]?\s*[=:]\s*"?)([^&"\s]+)`)

func redactBody(s string) string { return secretInBody.ReplaceAllString(s, "${1}REDACTED") }

// dumpResponse renders the status line, chosen headers and the part of
// the body around needle (or its start).
func dumpResponse(resp *Response, needle string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(resp.Header[k], ", ")
		if secretHeader.MatchString(k) {
			v = redactCookieValues(v)
		}
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	body := string(resp.Body)
	if len(body) > 0 {
		b.WriteString("\n")
		start := 0
		if needle != "" {
			if i := strings.Index(body, needle); i > 200 {
				start = i - 200
			}
		}
		if start > 0 {
			b.WriteString("…")
		}
		b.WriteString(trim(body[start:], 500))
	}
	return trim(b.String(), excerptLen)
}

var cookieValue = regexp.MustCompile(`(^|,\s*)([^=;,\s]+)=([^;,]*)`)

func redactCookieValues(v string) string { return cookieValue.ReplaceAllString(v, "${1}${2}=REDACTED") }

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(s) && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// ToFinding converts an issue to ASFF. target is the scan's base URL.
func (i Issue) ToFinding(prov findings.Provenance, target string) (findings.Finding, error) {
	c, ok := Checks[i.Check]
	if !ok {
		return findings.Finding{}, fmt.Errorf("unknown check %q", i.Check)
	}
	location := strings.TrimSpace(i.Method + " " + i.Param)
	title := c.Title
	if i.Param != "" {
		title = fmt.Sprintf("%s in %s %q", c.Title, i.In, i.Param)
		if i.In == "" {
			title = fmt.Sprintf("%s: %s", c.Title, i.Param)
		}
	}
	desc := c.Description
	if i.Detail != "" {
		desc += " " + i.Detail
	}
	if i.Instances > 1 {
		desc += fmt.Sprintf(" Seen on %d responses.", i.Instances)
	}
	conf := confidencePercent(i.Confidence)
	f := findings.Finding{
		Id:          findings.NewID(GeneratorID, i.URL, location, i.Check),
		GeneratorId: GeneratorID,
		Types:       append([]string(nil), c.Types...),
		Severity:    &findings.Severity{Label: c.Severity, Original: c.Severity},
		Confidence:  &conf,
		Title:       trim(title, 250),
		Description: trim(desc, 1000),
		Remediation: &findings.Remediation{Recommendation: &findings.Recommendation{Text: c.Remediation, Url: c.RemediationURL}},
		Resources:   []findings.Resource{{Type: "Other", Id: i.URL}},
		ProductFields: map[string]string{
			findings.FieldRuleID:  i.Check,
			findings.FieldTarget:  target,
			findings.FieldScanner: "dast",
			"dast/CheckId":        i.Check,
			"dast/CWE":            "CWE-" + strconv.Itoa(c.CWE),
			"dast/Confidence":     confidenceLabel(i.Confidence),
			"dast/Instances":      strconv.Itoa(max(i.Instances, 1)),
		},
	}
	if i.Method != "" {
		f.ProductFields["dast/Method"] = i.Method
	}
	if i.Param != "" {
		f.ProductFields["dast/Parameter"] = i.Param
	}
	if i.In != "" {
		f.ProductFields["dast/ParameterLocation"] = i.In
	}
	if i.SeenAt != "" {
		f.ProductFields["dast/SeenAt"] = i.SeenAt
	}
	if i.Request != "" {
		f.ProductFields["dast/Request"] = i.Request
	}
	if i.Response != "" {
		f.ProductFields["dast/Response"] = i.Response
	}
	prov.Stamp(&f)
	if err := f.Validate(); err != nil {
		return f, err
	}
	return f, nil
}

func confidenceLabel(c int) string {
	switch {
	case c >= 90:
		return "confirmed"
	case c >= 70:
		return "high"
	case c >= 40:
		return "medium"
	}
	return "low"
}

// confidencePercent is ASFF's Confidence (0–100) of an issue's confidence,
// held in range whatever a check set.
func confidencePercent(c int) int32 {
	switch {
	case c <= 0:
		return 0
	case c >= 100:
		return 100
	}
	return int32(c)
}
