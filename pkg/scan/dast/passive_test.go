package dast

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

func TestPassiveChecks(t *testing.T) {
	good := http.Header{
		"Content-Type":              {"text/html"},
		"Content-Security-Policy":   {"default-src 'self'; frame-ancestors 'none'"},
		"X-Content-Type-Options":    {"nosniff"},
		"Strict-Transport-Security": {"max-age=31536000"},
	}
	with := func(k, v string) http.Header {
		h := good.Clone()
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		return h
	}
	tests := []struct {
		name   string
		https  bool
		url    string
		header http.Header
		body   string
		want   []string
	}{
		{"clean page", true, "/", good, "<p>hi</p>", nil},
		{"no CSP", true, "/", with("Content-Security-Policy", ""), "<p>", []string{CheckCSP + " /", CheckClickjacking + " /"}},
		{"no CSP but XFO", true, "/", func() http.Header {
			h := with("Content-Security-Policy", "")
			h.Set("X-Frame-Options", "DENY")
			return h
		}(), "<p>", []string{CheckCSP + " /"}},
		{"unsafe-inline CSP", true, "/", with("Content-Security-Policy", "script-src 'self' 'unsafe-inline'; frame-ancestors 'self'"), "<p>", []string{CheckCSP + " /"}},
		{"nonce CSP is fine", true, "/", with("Content-Security-Policy", "script-src 'nonce-abc' 'unsafe-inline'; frame-ancestors 'self'"), "<p>", nil},
		{"no nosniff", true, "/", with("X-Content-Type-Options", ""), "<p>", []string{CheckXCTO + " /"}},
		{"short HSTS", true, "/", with("Strict-Transport-Security", "max-age=300"), "<p>", []string{CheckHSTS + " /"}},
		{"HSTS not needed on http", false, "/", with("Strict-Transport-Security", ""), "<p>", nil},
		{"server version", true, "/", with("Server", "nginx/1.18.0"), "<p>", []string{CheckVersion + " / Server"}},
		{"server name only", true, "/", with("Server", "nginx"), "<p>", nil},
		{"weak cookie https", true, "/", with("Set-Cookie", "pref=1; Path=/"), "<p>", []string{CheckCookieHTTPOnly + " / pref", CheckCookieSameSite + " / pref", CheckCookieSecure + " / pref"}},
		{"weak cookie http", false, "/", with("Set-Cookie", "pref=1; Path=/"), "<p>", []string{CheckCookieHTTPOnly + " / pref", CheckCookieSameSite + " / pref"}},
		{"SameSite=None", true, "/", with("Set-Cookie", "pref=1; Secure; HttpOnly; SameSite=None"), "<p>", []string{CheckCookieSameSite + " / pref"}},
		{"deleted cookie", true, "/", with("Set-Cookie", "pref=; Max-Age=0"), "<p>", nil},
		{"good cookie", true, "/", with("Set-Cookie", "pref=1; Secure; HttpOnly; SameSite=Lax"), "<p>", nil},
		{"token in URL", true, "/cb?access_token=abc&x=1", good, "<p>", []string{CheckSensitiveURL + " /cb access_token"}},
		{"directory listing", true, "/files/", good, "<title>Index of /files</title>", []string{CheckDirListing + " /files/"}},
		{"python trace", true, "/e", good, "<pre>Traceback (most recent call last):\n  File \"x.py\"</pre>", []string{CheckStackTrace + " /e"}},
		{"go panic", true, "/e", good, "goroutine 1 [running]:\nmain.main()", []string{CheckStackTrace + " /e"}},
		{"mysql error", true, "/e", good, "You have an error in your SQL syntax; check the manual", []string{CheckSQLError + " /e"}},
		{"word error is fine", true, "/e", good, "<p>An error occurred, sorry.</p>", nil},
		{"POST form without token", true, "/", good, `<form method="post" action="/save"><input name="a"></form>`, []string{CheckCSRF + " /save"}},
		{"POST form with token", true, "/", good, `<form method="post" action="/save"><input type="hidden" name="csrf_token" value="0123456789"><input name="a"></form>`, nil},
		{"GET form with password", true, "/", good, `<form action="/login"><input type="password" name="pw"></form>`, []string{CheckSensitiveURL + " /login pw", CheckCSRF + " /login"}},
		{"error quoted in a documentation code sample", true, "/help.php", good, "<p>An error like this one:</p><pre><code class=\"language-mariadb\">Fatal error: Uncaught mysqli_sql_exception: Connection refused in /var/www/dvwa/includes/dvwaPage.inc.php:535</code></pre>", nil},
		{"error in a markdown file", true, "/README.md", with("Content-Type", "text/markdown"), "```\nYou have an error in your SQL syntax\nTraceback (most recent call last):\n```", nil},
		{"error in a pre block is disclosed", true, "/e", good, "<pre>You have an error in your SQL syntax; check the manual</pre>", []string{CheckSQLError + " /e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := newCollector()
			origin := "https://app.test"
			if !tt.https {
				origin = "http://app.test"
			}
			p := &passive{origin: origin + "/", https: tt.https, out: out}
			u := mustURL(t, origin+tt.url)
			observe(p, &Page{URL: u, Resp: &Response{Request: &Request{Method: "GET", URL: u}, StatusCode: 200, Header: tt.header, Body: []byte(tt.body)}})
			var got []string
			for _, i := range out.list() {
				got = append(got, strings.TrimSpace(i.Check+" "+i.Path()+" "+i.Param))
			}
			sort.Strings(got)
			want := append([]string(nil), tt.want...)
			sort.Strings(want)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// Site-wide issues are reported once per host with an instance count.
func TestPassiveDedupes(t *testing.T) {
	out := newCollector()
	p := &passive{origin: "http://app.test/", out: out}
	for _, path := range []string{"/a", "/b", "/c"} {
		u := mustURL(t, "http://app.test"+path)
		observe(p, &Page{URL: u, Resp: &Response{Request: &Request{Method: "GET", URL: u}, StatusCode: 200, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<p>")}})
	}
	for _, i := range out.list() {
		if i.Instances != 3 || i.URL != "http://app.test/" {
			t.Errorf("%s: %d instances on %s, want 3 on the origin", i.Check, i.Instances, i.URL)
		}
	}
	if len(out.list()) != 3 {
		t.Errorf("got %d issues, want CSP, clickjacking and nosniff once each", len(out.list()))
	}
}

// observe runs what a scan runs on a crawled page: the checks of every
// response (from the sender) and those of crawled pages.
func observe(p *passive, pg *Page) {
	p.ObserveResponse(pg.Resp)
	p.Observe(pg)
}
