package dast

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// credentials are the secret values a scan was given (--header,
// --login-data) or received (session cookies). Evidence, details and
// warnings are scrubbed of them at the end of a scan: a debug page or an
// echoing endpoint prints the request's own headers back, and those must
// not end up in findings stored in Security Hub or printed in a report.
type credentials struct {
	mu   sync.Mutex
	vals map[string]bool
}

// minSecretLen keeps short values (on, 1, yes) from being blanked all
// over the evidence.
const minSecretLen = 6

// credentialHeader matches header names whose values are credentials.
var credentialHeader = regexp.MustCompile(`(?i)(authorization|cookie|token|api-?key|secret|session|auth|password|signature)`)

func newCredentials() *credentials { return &credentials{vals: map[string]bool{}} }

func (c *credentials) add(v string) { c.addMin(v, minSecretLen) }

func (c *credentials) addMin(v string, n int) {
	v = strings.TrimSpace(v)
	if len(v) < n {
		return
	}
	c.mu.Lock()
	c.vals[v] = true
	c.mu.Unlock()
}

// addHeader records the credential parts of a header sent with every
// request: the whole value, the part after an auth scheme and each cookie
// value.
func (c *credentials) addHeader(h http.Header) {
	for name, vs := range h {
		if !credentialHeader.MatchString(name) {
			continue
		}
		for _, v := range vs {
			c.add(v)
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				c.add(cred)
			}
			if strings.EqualFold(name, "Cookie") {
				for _, part := range strings.Split(v, ";") {
					if _, val, ok := strings.Cut(part, "="); ok {
						c.add(val)
					}
				}
			}
		}
	}
}

// addForm records the values of form-encoded login data; a password is
// recorded however short it is.
func (c *credentials) addForm(vals url.Values) {
	for name, vs := range vals {
		n := minSecretLen
		if sensitiveParam(name) || strings.Contains(strings.ToLower(name), "pass") {
			n = 3
		}
		for _, v := range vs {
			c.addMin(v, n)
		}
	}
}

// scrub replaces every credential, raw or in its escaped forms, with
// REDACTED.
func (c *credentials) scrub(s string) string {
	if s == "" {
		return s
	}
	c.mu.Lock()
	forms := make([]string, 0, 3*len(c.vals))
	for v := range c.vals {
		forms = append(forms, v, url.QueryEscape(v), url.PathEscape(v), html.EscapeString(v))
	}
	c.mu.Unlock()
	// Longest first, so a value containing another is replaced whole.
	sort.Slice(forms, func(a, b int) bool { return len(forms[a]) > len(forms[b]) })
	for _, f := range forms {
		if f != "" {
			s = strings.ReplaceAll(s, f, "REDACTED")
		}
	}
	return s
}
