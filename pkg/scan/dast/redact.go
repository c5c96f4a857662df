package dast

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"
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

// minHeaderLen is the shortest --header value redacted: every value the
// user passes is treated as a credential, whatever its header's name
// (X-Access-Key, Ocp-Apim-Subscription-Key), but a value of a few
// characters (1, on, gzip) is no secret and would blank the evidence.
const minHeaderLen = 4

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
		for _, v := range vs {
			c.addMin(v, minHeaderLen)
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				c.addMin(cred, minHeaderLen)
			}
			if strings.EqualFold(name, "Cookie") {
				for _, part := range strings.Split(v, ";") {
					if _, val, ok := strings.Cut(part, "="); ok {
						c.addMin(val, minHeaderLen)
					}
				}
			}
		}
	}
}

// addForm records every value of form-encoded login data (a user name
// identifies an account as much as a password does); a password is
// recorded from three characters. A value equal to its field's name
// (Login=Login, a submit button) is no secret.
func (c *credentials) addForm(vals url.Values) {
	for name, vs := range vals {
		n := minHeaderLen
		if sensitiveParam(name) || strings.Contains(strings.ToLower(name), "pass") {
			n = 3
		}
		for _, v := range vs {
			if strings.EqualFold(strings.TrimSpace(v), name) {
				continue
			}
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
	forms := make([]string, 0, 16*len(c.vals))
	for v := range c.vals {
		forms = append(forms, escapings(v)...)
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

// escapings returns v as pages print it: raw, URL-encoded (query and
// path), HTML-escaped (as Go, PHP and the usual template engines write
// quotes) and JSON-escaped (with or without \/, with \u003c-style escapes
// of HTML characters in either case, with non-ASCII as \uXXXX), and the
// JSON forms HTML-escaped again.
func escapings(v string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(v)
	add(url.QueryEscape(v))
	add(url.PathEscape(v))
	for _, h := range htmlEscapings(v) {
		add(h)
	}
	for _, slash := range []bool{false, true} {
		for _, hx := range []struct{ chars, verb string }{{"", ""}, {"<>&", "x"}, {"<>&", "X"}, {"<>&'", "x"}, {"<>&'", "X"}} {
			for _, ascii := range []bool{false, true} {
				j := jsonEscape(v, slash, hx.chars, hx.verb, ascii)
				add(j)
				for _, h := range htmlEscapings(j) {
					add(h)
				}
			}
		}
	}
	return out
}

func htmlEscapings(v string) []string {
	e := html.EscapeString(v) // &#39; and &#34;
	return []string{e,
		strings.NewReplacer("&#39;", "&#039;", "&#34;", "&quot;").Replace(e), // PHP htmlspecialchars
		strings.NewReplacer("&#39;", "&#x27;", "&#34;", "&quot;").Replace(e),
		strings.NewReplacer("&#39;", "'", "&#34;", "&quot;").Replace(e),
	}
}

// jsonEscape writes v as the inside of a JSON string. slash escapes / as
// \/ (PHP's json_encode); the characters in htmlChars are written as
// \u003c (verb "x": Go's encoding/json escapes < > &) or \u003C (verb "X":
// PHP's JSON_HEX_* flags, which can add '); ascii escapes every non-ASCII
// character as \uXXXX (PHP's default).
func jsonEscape(v string, slash bool, htmlChars, verb string, ascii bool) string {
	var b strings.Builder
	hexU := func(r rune) {
		f := "\\u%04x"
		if verb == "X" {
			f = "\\u%04X"
		}
		fmt.Fprintf(&b, f, r)
	}
	for _, r := range v {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '/' && slash:
			b.WriteString(`\/`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			hexU(r)
		case strings.ContainsRune(htmlChars, r):
			hexU(r)
		case ascii && r > 0x7f:
			for _, u := range utf16.Encode([]rune{r}) {
				hexU(rune(u))
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
