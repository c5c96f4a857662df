package dast

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// passive runs the checks that only read responses: it sends nothing.
type passive struct {
	origin string // scope origin + "/"
	https  bool
	out    *collector
}

var (
	versionValue = regexp.MustCompile(`[A-Za-z][A-Za-z0-9._-]*/\d+(\.\d+)+|\b\d+\.\d+(\.\d+)?\b`)
	dirListing   = anchored(`(?i)<title>\s*(Index of /|Directory listing for /)|<h1>\s*Index of /|\[To Parent Directory\]`, 40, 40,
		"index of /", "directory listing for /", "[to parent directory]")
	// stackTrace covers the traces of Go, Python, Java, .NET, Node, Ruby
	// and PHP (the HTML and plain-text forms of PHP 5 to 8, including
	// PHP 8's multi-line "Fatal error: Uncaught … Stack trace:").
	stackTrace = anchored(`goroutine \d+ \[running\]:|panic: .+\n\s*\ngoroutine \d+|Traceback \(most recent call last\):|\n\s+at [A-Za-z_$][\w$]*(\.[\w$<>]+)+\([\w]+\.(java|kt|scala):\d+\)|(?i:(Fatal error|Warning|Parse error|Notice|Deprecated)(</b>)?:.{1,300}? on line (<b>)?\d+)|(?i:Fatal error(</b>)?: +Uncaught )|(?i:\nStack trace:\s*(<br\s*/?>)?\s*\n?#0 )|\n\s+at System\.[\w.]+\(|\n\s+at [\w.]+\([^)]*\) in [^\n]+:line \d+|Server Error in '[^']*' Application|Exception in thread "|\w+(Error|Exception): .+\n\s+at .+\(.+:\d+:\d+\)|\n\s+at (Object\.<anonymous>|Module\._compile|[\w.$<>]+) \(?(/|node:)[^\s)]+:\d+:\d+\)?|\.rb:\d+:in `+"`"+`[^']+'`, 300, 300,
		"goroutine ", "traceback (most recent", ".java:", ".kt:", ".scala:", " on line ", "uncaught ", "stack trace:", "at system.", ":line ", "server error in '", "exception in thread", "error: ", "exception: ", "    at ", ".rb:")
	sqlErrorText = anchored(`(?i)(you have an error in your sql syntax|check the manual that corresponds to your (mysql|mariadb)|mysqli?_sql_exception|warning: mysqli?_|mysqlexception|com\.mysql\.jdbc|error \d{4} \(\d{5}\)|unclosed quotation mark after the character string|incorrect syntax near|system\.data\.sqlclient|microsoft ole db provider for sql server|odbc sql server driver|\[sql server\]|quoted string not properly terminated|ora-\d{5}|oracle\.jdbc|pg::syntaxerror|syntax error at or near|org\.postgresql\.util\.psqlexception|psycopg2\.errors|pq: syntax error|npgsql\.|unterminated quoted string at or near|sqlite3?::|sqlite_error|sqlite3\.operationalerror|near "[^"]{0,40}": syntax error|unrecognized token: |sqlstate\[|db2 sql error|sqlcode=-?\d+|org\.h2\.jdbc|sequelizedatabaseerror|sqlalchemy\.exc\.|pdoexception)`, 60, 120,
		"sql", "mysql", "mariadb", "error 1", "quot", "syntax", "ora-", "oracle", "pg::", "psycopg", "npgsql", "sqlite", "unrecognized token", "db2", "h2.jdbc", "pdoexception")
	// phpInfo matches the page phpinfo() renders.
	phpInfo       = anchored(`(?i)<title>phpinfo\(\)</title>|<h1 class="p">PHP Version \d|<td class="e">PHP Version </td>`, 40, 40, "phpinfo()", "php version")
	sensitiveName = regexp.MustCompile(`(?i)^(pass(word|wd)?|pwd|secret|client_secret|token|access_token|auth_token|refresh_token|id_token|api_?key|apikey|session(id)?|sid|jsessionid|phpsessid|ssn|credit_?card|card_?number|cvv|private_?key)$`)
)

func sensitiveParam(name string) bool { return sensitiveName.MatchString(name) }

// site-wide issues are reported once per host, on the origin.
func (p *passive) site(check, param, detail string, pg *Page, needle string) {
	p.out.add(Issue{Check: check, URL: p.origin, Param: param, Confidence: 90, Detail: detail,
		Request: dumpRequest(pg.Resp.Request), Response: dumpResponse(pg.Resp, needle)})
}

func (p *passive) page(check string, pg *Page, param, in, needle string, conf int) {
	p.out.add(Issue{Check: check, URL: stripQuery(pg.URL), Method: pg.Resp.Request.Method, Param: param, In: in, Confidence: conf,
		Request: dumpRequest(pg.Resp.Request), Response: dumpResponse(pg.Resp, needle)})
}

// ObserveResponse checks any response the scan receives, crawled or
// provoked by an attack: headers, cookies and what the body discloses.
// Issues are de-duplicated per URL and check.
func (p *passive) ObserveResponse(r *Response) {
	pg := &Page{URL: r.Request.URL, Resp: r}
	h := r.Header
	html := r.IsHTML() && r.StatusCode < 300
	csp := strings.ToLower(strings.Join(h.Values("Content-Security-Policy"), ";"))
	if html {
		if csp == "" {
			p.site(CheckCSP, "", "", pg, "")
		} else if weakCSP(csp) {
			p.site(CheckCSP, "", "The policy allows 'unsafe-inline', 'unsafe-eval' or any origin for scripts.", pg, "")
		}
		if !strings.Contains(csp, "frame-ancestors") && h.Get("X-Frame-Options") == "" {
			p.site(CheckClickjacking, "", "", pg, "")
		}
	}
	if r.StatusCode < 400 && !strings.EqualFold(strings.TrimSpace(h.Get("X-Content-Type-Options")), "nosniff") && len(r.Body) > 0 {
		p.site(CheckXCTO, "", "", pg, "")
	}
	if p.https {
		hsts := h.Get("Strict-Transport-Security")
		if hsts == "" {
			p.site(CheckHSTS, "", "", pg, "")
		} else if maxAge(hsts) < 15552000 {
			p.site(CheckHSTS, "", "max-age is under six months.", pg, "")
		}
	}
	for _, name := range []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator"} {
		if v := h.Get(name); v != "" && versionValue.MatchString(v) {
			p.site(CheckVersion, name, name+": "+v, pg, "")
		}
	}
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.MaxAge < 0 || c.Value == "" {
			continue
		}
		low := strings.ToLower(line)
		if p.https && !c.Secure {
			p.site(CheckCookieSecure, c.Name, "", pg, "")
		}
		if !c.HttpOnly {
			p.site(CheckCookieHTTPOnly, c.Name, "", pg, "")
		}
		if !strings.Contains(low, "samesite") || c.SameSite == http.SameSiteNoneMode {
			p.site(CheckCookieSameSite, c.Name, "", pg, "")
		}
	}
	if !textual(r) {
		return
	}
	lower := asciiLower(r.Body)
	if r.StatusCode == 200 && dirListing.find(r.Body, lower) != "" {
		p.page(CheckDirListing, pg, "", "", "Index of", 90)
	}
	if !documentation(r) {
		notSample := func(i int) bool { return !inCodeSample(lower, i) }
		if m, _ := stackTrace.findAt(r.Body, lower, notSample); m != "" {
			p.page(CheckStackTrace, pg, "", "", m, 80)
		}
		if m, _ := sqlErrorText.findAt(r.Body, lower, notSample); m != "" {
			p.page(CheckSQLError, pg, "", "", m, 80)
		}
	}
	if r.StatusCode == 200 && phpInfo.find(r.Body, lower) != "" {
		p.page(CheckPHPInfo, pg, "", "", "PHP Version", 95)
	}
}

// Observe checks what only a crawled page shows: secrets in its URL and
// its forms. The response itself is checked by ObserveResponse, which
// sees every response.
func (p *passive) Observe(pg *Page) {
	r := pg.Resp
	for name := range pg.URL.Query() {
		if sensitiveParam(name) {
			p.page(CheckSensitiveURL, pg, name, InQuery, "", 80)
		}
	}
	if r.IsHTML() {
		ex := ExtractHTML(pg.URL, r.Body)
		for _, f := range ex.Forms {
			if !strings.HasPrefix(f.Action.String(), p.origin) {
				continue // another site's form is that site's business
			}
			if f.Method == "GET" {
				password := false
				for _, fl := range f.Fields {
					if fl.Type == "password" {
						password = true
						p.out.add(Issue{Check: CheckSensitiveURL, URL: stripQuery(f.Action), Method: "GET", Param: fl.Name, In: InQuery, Confidence: 80,
							Detail: "A GET form sends a password field in the URL.", Request: dumpRequest(r.Request), Response: dumpResponse(r, fl.Name)})
					}
				}
				// A GET form that sends a password signs in or changes
				// credentials: a link on another site can submit it.
				if password && !hasCSRFToken(f) {
					p.out.add(Issue{Check: CheckCSRF, URL: stripQuery(f.Action), Method: "GET", Confidence: 60,
						Detail: "A GET form with a password field, found on " + f.Page + ", carries no anti-CSRF token; a link or an image on another site submits it.", Request: dumpRequest(r.Request), Response: dumpResponse(r, "<form")})
				}
				continue
			}
			if !hasCSRFToken(f) {
				p.out.add(Issue{Check: CheckCSRF, URL: stripQuery(f.Action), Method: "POST", Confidence: 60,
					Detail: "Form found on " + f.Page + ".", Request: dumpRequest(r.Request), Response: dumpResponse(r, "<form")})
			}
		}
	}
}

func hasCSRFToken(f Form) bool {
	for _, fl := range f.Fields {
		if fl.Type == "hidden" && csrfName.MatchString(fl.Name) && len(fl.Value) >= 8 {
			return true
		}
	}
	// A form with no user-typed input (a plain button) changes nothing
	// worth forging, but is still state-changing: report it too.
	return false
}

func weakCSP(csp string) bool {
	for _, dir := range strings.Split(csp, ";") {
		dir = strings.TrimSpace(dir)
		name, _, _ := strings.Cut(dir, " ")
		if name != "script-src" && name != "default-src" {
			continue
		}
		if strings.Contains(dir, "'unsafe-inline'") && !strings.Contains(dir, "'nonce-") && !strings.Contains(dir, "'strict-dynamic'") {
			return true
		}
		if strings.Contains(dir, "'unsafe-eval'") || strings.Contains(" "+dir+" ", " * ") || strings.Contains(dir, " data:") || strings.Contains(dir, " http:") || strings.Contains(dir, " https: ") {
			return true
		}
	}
	return false
}

func maxAge(hsts string) int {
	for _, part := range strings.Split(hsts, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		if strings.EqualFold(k, "max-age") {
			n, err := strconv.Atoi(strings.Trim(v, `" `))
			if err == nil {
				return n
			}
		}
	}
	return 0
}

// docExt matches documentation files, which quote error messages to
// explain them.
var docExt = regexp.MustCompile(`(?i)\.(md|markdown|rst|adoc|asciidoc)$`)

// documentation reports whether r is a documentation file rather than a
// page of the application.
func documentation(r *Response) bool {
	ct := r.ContentType()
	return ct == "text/markdown" || ct == "text/x-markdown" || ct == "text/x-rst" || docExt.MatchString(r.Request.URL.Path)
}

// textual reports whether a response body is text worth reading.
func textual(r *Response) bool {
	ct := r.ContentType()
	if ct == "" {
		return !looksBinary(r.Body)
	}
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") || strings.Contains(ct, "javascript")
}

func looksBinary(b []byte) bool {
	n := min(len(b), 512)
	for _, c := range b[:n] {
		if c == 0 {
			return true
		}
	}
	return false
}
