package dast

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Where a parameter travels.
const (
	InQuery  = "query"
	InBody   = "body"
	InJSON   = "json"
	InCookie = "cookie"
	InPath   = "path"
	InHeader = "header"
)

// Locations lists the injection points in the order reports show them.
var Locations = []string{InQuery, InBody, InJSON, InPath, InCookie, InHeader}

// Param is one input of a request that checks inject into.
type Param struct {
	Name  string
	In    string
	Value string
	// Fixed parameters are sent as found and never attacked: the submit
	// button pressed, anti-CSRF tokens.
	Fixed bool
	// Number marks a JSON value that is a number in the baseline.
	Number bool
	// Typed is set when the scanner made the value up (a filler), so a
	// page that echoes it is not crawled for links it never had.
	Typed bool
}

// Target is a request template with its parameters: a URL with a query
// string, a submitted form, a JSON call or a page that reads a cookie.
type Target struct {
	Method string
	URL    *url.URL // without query string
	Params []Param
	// FromForm is set for HTML form submissions.
	FromForm bool
	// Page is the page the target was found on.
	Page string
	// FixedQuery is a query string sent unchanged (cookie targets keep
	// the query of the page that set the cookie).
	FixedQuery string
	// JSONExtra holds JSON body members that are not injected (objects,
	// arrays), sent as found.
	JSONExtra map[string]any
	// Form marks a body sent form-encoded even when the method is not
	// POST (PUT, PATCH from scripts).
	Form bool
}

// Key identifies a target by method, path and parameter names, so the
// same form on many pages is tested once.
func (t *Target) Key() string {
	names := make([]string, len(t.Params))
	for i, p := range t.Params {
		names[i] = p.In + ":" + p.Name
		if p.Fixed && !csrfName.MatchString(p.Name) {
			// Buttons of one name but different values do different things.
			names[i] += "=" + p.Value
		}
	}
	if t.FromForm && t.Method != "GET" {
		// A form posting to index.php?page=add-blog.php is not the one
		// posting to index.php?page=register.php.
		for _, p := range t.Params {
			if p.In == InQuery {
				names = append(names, "q="+p.Name+"="+p.Value)
			}
		}
	} else if t.FixedQuery != "" {
		// Headers, cookies and path segments of index.php?page=a are not
		// those of index.php?page=b.
		if fq, err := url.ParseQuery(t.FixedQuery); err == nil {
			for k, vs := range fq {
				if len(vs) > 0 && routeParam(k, vs[0]) {
					names = append(names, "r="+k+"="+vs[0])
				}
			}
		}
	} else if t.routed() {
		// index.php?page=user-info.php&username= is another page than
		// index.php?page=user-info-xpath.php&username=.
		for _, p := range t.Params {
			if p.In == InQuery && !p.Typed && routeParam(p.Name, p.Value) {
				names = append(names, "r="+p.Name+"="+p.Value)
			}
		}
	}
	sort.Strings(names)
	path := t.URL.Path
	for _, p := range t.Params {
		if p.In == InPath {
			// /users/1 and /users/2 are one target.
			path, _ = replaceSegment(t.URL, p.Name, "{}")
			break
		}
	}
	return t.Method + " " + t.URL.Scheme + "://" + t.URL.Host + path + "?" + strings.Join(names, "&")
}

// headerNames are the request headers tested as injection points:
// applications log them, show them back or store them.
var headerNames = []string{"User-Agent", "Referer", "X-Forwarded-For"}

// targetFromHeaders makes a target of the selected headers of a page.
func targetFromHeaders(u *url.URL, page string) *Target {
	base := *u
	base.RawQuery = ""
	t := &Target{Method: "GET", URL: &base, Page: page, FixedQuery: u.RawQuery}
	for _, h := range headerNames {
		v := ""
		switch h {
		case "User-Agent":
			v = userAgent
		case "Referer":
			v = page
		case "X-Forwarded-For":
			v = "127.0.0.1"
		}
		if v == "" {
			v = u.String()
		}
		t.Params = append(t.Params, Param{Name: h, In: InHeader, Value: v})
	}
	return t
}

// sessionCookie matches cookies that hold a session or a token: they are
// never replaced by payloads, which would log the scanner out.
var sessionCookie = regexp.MustCompile(`(?i)(sess|sid|token|auth|jwt|csrf|xsrf|login|remember)`)

// targetFromCookies makes a target of the cookies a page set, tested on
// that page: an application that sets a cookie usually reads it there.
func targetFromCookies(u *url.URL, setCookies []string, page string) *Target {
	base := *u
	base.RawQuery = ""
	t := &Target{Method: "GET", URL: &base, Page: page, FixedQuery: u.RawQuery}
	seen := map[string]bool{}
	for _, line := range setCookies {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Value == "" || c.MaxAge < 0 || sessionCookie.MatchString(c.Name) || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
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

// Build makes the request with param p set to value and every other
// parameter at its original value.
func (t *Target) Build(p Param, value string) *Request {
	return t.build(func(q Param) string {
		if q.Name == p.Name && q.In == p.In {
			return value
		}
		return q.Value
	})
}

// Baseline makes the request with every parameter at its original value.
func (t *Target) Baseline() *Request {
	return t.build(func(q Param) string { return q.Value })
}

func (t *Target) build(val func(Param) string) *Request {
	u := *t.URL
	req := &Request{Method: t.Method, URL: &u}
	var query, form []string
	jsonBody := map[string]any{}
	for k, v := range t.JSONExtra {
		jsonBody[k] = v
	}
	hasJSON := len(t.JSONExtra) > 0
	for _, p := range t.Params {
		v := val(p)
		switch p.In {
		case InQuery:
			query = append(query, url.QueryEscape(p.Name)+"="+url.QueryEscape(v))
		case InBody:
			form = append(form, url.QueryEscape(p.Name)+"="+url.QueryEscape(v))
		case InJSON:
			if f, err := strconv.ParseFloat(v, 64); err == nil && p.Number && v == p.Value {
				jsonBody[p.Name] = f
			} else {
				jsonBody[p.Name] = v
			}
			hasJSON = true
		case InCookie:
			if req.Cookies == nil {
				req.Cookies = map[string]string{}
			}
			req.Cookies[p.Name] = url.QueryEscape(v)
		case InPath:
			u.Path, u.RawPath = replaceSegment(&u, p.Name, v)
		case InHeader:
			if req.Header == nil {
				req.Header = http.Header{}
			}
			req.Header.Set(p.Name, v)
		}
	}
	if t.FixedQuery != "" {
		query = append([]string{t.FixedQuery}, query...)
	}
	u.RawQuery = strings.Join(query, "&")
	setType := func(ct string) {
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header.Set("Content-Type", ct)
	}
	switch {
	case hasJSON:
		b, _ := json.Marshal(jsonBody)
		req.Body = b
		setType("application/json")
	case t.Method == "POST" || t.Form:
		req.Body = []byte(strings.Join(form, "&"))
		setType("application/x-www-form-urlencoded")
	}
	return req
}

// segmentName names the path segment at index i (0 is the first after
// the leading slash) as reports show it: "segment 1".
func segmentName(i int) string { return "segment " + strconv.Itoa(i+1) }

// replaceSegment returns u's path with the segment named name set to v.
func replaceSegment(u *url.URL, name, v string) (string, string) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "segment "))
	n--
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	if err != nil || n < 0 || n >= len(segs) {
		return u.Path, u.RawPath
	}
	segs[n] = url.PathEscape(v)
	raw := "/" + strings.Join(segs, "/")
	p, err := url.PathUnescape(raw)
	if err != nil {
		return u.Path, u.RawPath
	}
	return p, raw
}

// csrfName matches the names anti-CSRF tokens usually have.
var csrfName = regexp.MustCompile(`(?i)(csrf|xsrf|authenticity_token|__requestverificationtoken|anti-?forgery|nonce|_token$)`)

// injectable reports whether a parameter is worth attacking: not a
// CSRF token and not a submit button.
func injectable(p Param, typ string) bool {
	if p.Fixed || csrfName.MatchString(p.Name) {
		return false
	}
	return typ != "submit"
}

// targetFromURL makes a target of a URL's query string.
func targetFromURL(u *url.URL, page string) *Target {
	if u.RawQuery == "" {
		return nil
	}
	base := *u
	base.RawQuery = ""
	t := &Target{Method: "GET", URL: &base, Page: page}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || k == "" {
			continue
		}
		t.Params = append(t.Params, Param{Name: k, In: InQuery, Value: v})
	}
	if len(t.Params) == 0 {
		return nil
	}
	return t
}

// targetsFromForm makes one target per way of submitting a form: once
// per named submit button, as a browser sends only the button pressed.
// Buttons for which skip returns true are never pressed.
func targetsFromForm(f Form, skip func(Button) bool) []*Target {
	buttons := f.Buttons
	if len(buttons) == 0 {
		buttons = []Button{{}}
	}
	var out []*Target
	for _, b := range buttons {
		if skip != nil && (b.Name != "" || b.Label != "") && skip(b) {
			continue
		}
		g := f
		if b.Action != nil {
			g.Action = b.Action
		}
		if b.Method != "" {
			g.Method = b.Method
		}
		t, _ := targetFromForm(g)
		if b.Name != "" {
			in := InQuery
			if g.Method == "POST" {
				in = InBody
			}
			t.Params = append(t.Params, Param{Name: b.Name, In: in, Value: b.Value, Fixed: true})
		}
		out = append(out, t)
	}
	return out
}

// targetFromForm makes a target of a form's fields, with values a user
// would type.
func targetFromForm(f Form) (*Target, map[string]string) {
	u := *f.Action
	types := map[string]string{}
	in := InQuery
	if f.Method == "POST" {
		in = InBody
	}
	t := &Target{Method: f.Method, URL: &u, FromForm: true, Page: f.Page}
	if f.Method == "GET" {
		// A GET form replaces the action's query string.
		u.RawQuery = ""
	} else if u.RawQuery != "" {
		// Keep the action's own query parameters as query parameters.
		if qt := targetFromURL(&u, f.Page); qt != nil {
			t.Params = append(t.Params, qt.Params...)
		}
		u.RawQuery = ""
	}
	passwords := 0
	for _, fl := range f.Fields {
		types[fl.Name] = fl.Type
		v := defaultValue(fl)
		if fl.Type == "password" && fl.Value == "" {
			// Every password field gets a different value: a form that sets
			// a new password (new and confirmation) then refuses it, and
			// the scan never changes an account's password.
			passwords++
			v = fmt.Sprintf("Secops-test-%d", passwords)
		}
		t.Params = append(t.Params, Param{Name: fl.Name, In: in, Value: v, Typed: fl.Value == "" && v != "",
			Fixed: fl.Type == "hidden" && csrfName.MatchString(fl.Name)})
	}
	return t, types
}

var (
	hostName    = regexp.MustCompile(`(?i)(^|[_-])(ip|ipaddr|ipaddress|host|hostname|addr|address|server|domain|dns|target|node)([_-]|$)|^(ip|host|target|domain|server)`)
	numericName = regexp.MustCompile(`(?i)(^|[_-])(num|number|count|qty|quantity|amount|age|year|month|day|port|price|total|zip|pin|limit|offset|size)$|id$`)
)

// defaultValue is what the crawler types into an empty field. Each
// filler is inert for the field it goes to: a host field gets the
// loopback address (a shell's ping or nslookup then resolves nothing on
// the network), a number field a number, an e-mail field an address.
func defaultValue(f Field) string {
	if f.Value != "" {
		return f.Value
	}
	switch f.Type {
	case "checkbox", "radio":
		return "on"
	case "select":
		return ""
	}
	return fillerOf(f.Name, f.Type)
}

// fillerFor is the value typed into a field known only by its name (a
// JSON member a script computes).
func fillerFor(name string) string { return fillerOf(name, "text") }

func fillerOf(name, typ string) string {
	n := strings.ToLower(name)
	switch {
	case typ == "email" || strings.Contains(n, "mail"):
		return "secops@example.com"
	case typ == "url" || strings.Contains(n, "url") || strings.Contains(n, "link") || strings.Contains(n, "website"):
		return "http://127.0.0.1/"
	case typ == "number" || typ == "range" || numericName.MatchString(name):
		return "1"
	case typ == "tel" || strings.Contains(n, "phone") || strings.Contains(n, "mobile"):
		return "5555550100"
	case typ == "date":
		return "2024-01-01"
	case typ == "password":
		return "Secops-test-1"
	case hostName.MatchString(name):
		return "127.0.0.1"
	}
	return "secops"
}

// targetFromJSON makes a target of a JSON call's top-level fields.
func targetFromJSON(c JSONCall, page string) *Target {
	u := *c.URL
	t := &Target{Method: c.Method, URL: &u, Page: page}
	if qt := targetFromURL(&u, page); qt != nil {
		t.Params = append(t.Params, qt.Params...)
	}
	u.RawQuery = ""
	keys := make([]string, 0, len(c.Body))
	for k := range c.Body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	in := InJSON
	if c.Form {
		in = InBody
		t.Form = true
	}
	for _, k := range keys {
		p := Param{Name: k, In: in}
		switch x := c.Body[k].(type) {
		case string:
			p.Value = x
		case float64:
			p.Value, p.Number = strconv.FormatFloat(x, 'f', -1, 64), true
		case bool:
			p.Value = strconv.FormatBool(x)
		case nil:
			// Computed by the script at run time: type what a user would.
			p.Value, p.Typed = fillerFor(k), true
			p.Number = p.Value == "1"
		default:
			if !c.Form {
				if t.JSONExtra == nil {
					t.JSONExtra = map[string]any{}
				}
				t.JSONExtra[k] = x
			}
			continue
		}
		t.Params = append(t.Params, p)
	}
	if len(t.Params) == 0 {
		return nil
	}
	return t
}

var (
	numericSegment = regexp.MustCompile(`^\d{1,19}$`)
	idSegment      = regexp.MustCompile(`^(?i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{24,40})$`)
)

// targetFromPath makes a target of the path segments of u that hold a
// value rather than a name (/users/42, /orders/5f0c…): applications route
// them to queries as they do query parameters. Segment names are their
// index, counted from the first segment.
func targetFromPath(u *url.URL, page string) *Target {
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	base := *u
	base.RawQuery = ""
	t := &Target{Method: "GET", URL: &base, Page: page, FixedQuery: u.RawQuery}
	for i, s := range segs {
		if numericSegment.MatchString(s) || idSegment.MatchString(s) {
			t.Params = append(t.Params, Param{Name: segmentName(i), In: InPath, Value: s})
		}
	}
	if len(t.Params) == 0 || len(t.Params) > 3 {
		return nil
	}
	return t
}

// routed reports whether t has a route parameter (page=login.php) and
// other parameters: the route names the page, the others are its inputs.
func (t *Target) routed() bool {
	route, other := false, false
	for _, p := range t.Params {
		switch {
		case p.In == InQuery && !p.Typed && routeParam(p.Name, p.Value):
			route = true
		case !p.Fixed:
			other = true
		}
	}
	return route && other
}
