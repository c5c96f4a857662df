package dast

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Where a parameter travels.
const (
	InQuery  = "query"
	InBody   = "body"
	InJSON   = "json"
	InCookie = "cookie"
)

// Param is one input of a request that checks inject into.
type Param struct {
	Name  string
	In    string
	Value string
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
}

// Key identifies a target by method, path and parameter names, so the
// same form on many pages is tested once.
func (t *Target) Key() string {
	names := make([]string, len(t.Params))
	for i, p := range t.Params {
		names[i] = p.In + ":" + p.Name
	}
	sort.Strings(names)
	return t.Method + " " + t.URL.Scheme + "://" + t.URL.Host + t.URL.Path + "?" + strings.Join(names, "&")
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
	hasJSON := false
	for _, p := range t.Params {
		v := val(p)
		switch p.In {
		case InQuery:
			query = append(query, url.QueryEscape(p.Name)+"="+url.QueryEscape(v))
		case InBody:
			form = append(form, url.QueryEscape(p.Name)+"="+url.QueryEscape(v))
		case InJSON:
			jsonBody[p.Name] = v
			hasJSON = true
		case InCookie:
			if req.Cookies == nil {
				req.Cookies = map[string]string{}
			}
			req.Cookies[p.Name] = url.QueryEscape(v)
		}
	}
	if t.FixedQuery != "" {
		query = append([]string{t.FixedQuery}, query...)
	}
	u.RawQuery = strings.Join(query, "&")
	switch {
	case hasJSON:
		b, _ := json.Marshal(jsonBody)
		req.Body = b
		req.Header = map[string][]string{"Content-Type": {"application/json"}}
	case t.Method == "POST":
		req.Body = []byte(strings.Join(form, "&"))
		req.Header = map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}
	}
	return req
}

// csrfName matches the names anti-CSRF tokens usually have.
var csrfName = regexp.MustCompile(`(?i)(csrf|xsrf|authenticity_token|__requestverificationtoken|anti-?forgery|nonce|_token$)`)

// injectable reports whether a parameter is worth attacking: not a
// CSRF token and not a submit button.
func injectable(p Param, typ string) bool {
	if csrfName.MatchString(p.Name) {
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

// targetFromForm makes a target of a form, with values a user would type.
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
	for _, fl := range f.Fields {
		types[fl.Name] = fl.Type
		t.Params = append(t.Params, Param{Name: fl.Name, In: in, Value: defaultValue(fl)})
	}
	return t, types
}

// defaultValue is what the crawler types into an empty field.
func defaultValue(f Field) string {
	if f.Value != "" {
		return f.Value
	}
	n := strings.ToLower(f.Name)
	switch {
	case f.Type == "email" || strings.Contains(n, "mail"):
		return "secops@example.com"
	case f.Type == "number" || f.Type == "range" || strings.HasSuffix(n, "id"):
		return "1"
	case f.Type == "url" || strings.Contains(n, "url"):
		return "http://example.com/"
	case f.Type == "tel" || strings.Contains(n, "phone"):
		return "5555550100"
	case f.Type == "date":
		return "2024-01-01"
	case f.Type == "password":
		return "Secops-test-1"
	case f.Type == "checkbox":
		return "on"
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
	for _, k := range keys {
		var v string
		switch x := c.Body[k].(type) {
		case string:
			v = x
		case float64, bool:
			b, _ := json.Marshal(x)
			v = string(b)
		default:
			continue
		}
		t.Params = append(t.Params, Param{Name: k, In: InJSON, Value: v})
	}
	if len(t.Params) == 0 {
		return nil
	}
	return t
}
