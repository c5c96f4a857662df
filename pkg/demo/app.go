// Package demo is a small, DELIBERATELY VULNERABLE web application for
// trying secops's DAST scanner on a laptop. Every vulnerable endpoint has
// a safe twin under /safe/ so false positives can be measured. SQL, the
// shell and the file system are in-process fakes: nothing the app does
// touches the real system. Serve it on loopback only.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Banner is shown on every page and in the command's help.
const Banner = "DELIBERATELY VULNERABLE DEMO APPLICATION - for testing secops DAST on loopback only; never expose it"

// App is the demo application's state: sessions and the guestbooks.
type App struct {
	db      *database
	sh      fakeShell
	csrf    string
	mu      sync.Mutex
	session map[string]string // token -> user
	book    []entry
	safe    []entry
	// Fetch is the client the SSRF endpoint uses (loopback only).
	fetch *http.Client
	// wiped counts presses of a destructive button; sessionCounter issues
	// the predictable session ids; uploads holds uploaded files by name.
	wiped          int
	sessionCounter int
	uploads        map[string]string
}

type entry struct{ name, comment string }

// New returns the demo app.
func New() *App {
	a := &App{db: newDatabase(), sh: fakeShell{maxSleep: 10 * time.Second}, csrf: randHex(16), session: map[string]string{}, uploads: map[string]string{}}
	dialer := &net.Dialer{Timeout: 2 * time.Second, Control: loopbackOnly}
	a.fetch = &http.Client{
		Timeout:       3 * time.Second,
		Transport:     &http.Transport{DialContext: dialer.DialContext, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return a
}

// loopbackOnly keeps the SSRF endpoint from reaching anything but this
// machine: the demo is vulnerable, not an open proxy.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("demo fetches loopback addresses only, not %s", host)
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Handler returns the app's routes.
func (a *App) Handler() http.Handler {
	m := http.NewServeMux()
	vuln := func(p string, h http.HandlerFunc) {
		m.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Server", "Apache/2.4.49 (Unix)")
			w.Header().Set("X-Powered-By", "PHP/7.4.3")
			h(w, r)
		})
	}
	safe := func(p string, h http.HandlerFunc) {
		m.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			hd := w.Header()
			hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
			hd.Set("X-Content-Type-Options", "nosniff")
			hd.Set("X-Frame-Options", "DENY")
			hd.Set("Referrer-Policy", "no-referrer")
			if r.TLS != nil {
				hd.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			h(w, r)
		})
	}
	vuln("/{$}", a.home)
	vuln("/robots.txt", a.robots)
	vuln("/sitemap.xml", a.sitemap)
	vuln("/greet", a.greet)
	vuln("/color", a.color)
	vuln("/js", a.js)
	vuln("/search", a.search)
	vuln("/product", a.product)
	vuln("/lookup", a.lookup)
	vuln("/api/orders", a.apiOrders)
	vuln("/api/user", a.apiUser)
	vuln("/ping", a.ping)
	vuln("/dns", a.dns)
	vuln("/download", a.download)
	vuln("/redirect", a.redirect)
	vuln("/hello", a.hello)
	vuln("/fetch", a.fetchURL)
	vuln("/guestbook", a.guestbook)
	vuln("/report", a.report)
	vuln("/orders", a.orders)
	vuln("/backup/", a.backup)
	vuln("/verify-email", a.verifyEmail)
	vuln("/welcome", a.welcome)
	vuln("/login", a.login)
	vuln("/account", a.account)
	vuln("/logout", a.logout)
	vuln("/account/delete", a.logout)

	safe("/safe/{$}", a.safeHome)
	safe("/safe/greet", a.safeGreet)
	safe("/safe/color", a.safeColor)
	safe("/safe/js", a.safeJS)
	safe("/safe/search", a.safeSearch)
	safe("/safe/product", a.safeProduct)
	safe("/safe/lookup", a.safeLookup)
	safe("/safe/api/orders", a.safeAPIOrders)
	safe("/safe/api/user", a.safeAPIUser)
	safe("/safe/ping", a.safePing)
	safe("/safe/dns", a.safeDNS)
	safe("/safe/download", a.safeDownload)
	safe("/safe/redirect", a.safeRedirect)
	safe("/safe/hello", a.safeHello)
	safe("/safe/fetch", a.safeFetch)
	safe("/safe/guestbook", a.safeGuestbook)
	safe("/safe/report", a.safeReport)
	safe("/safe/orders", a.safeOrders)
	safe("/safe/backup/", a.safeBackup)
	safe("/safe/verify-email", a.safeVerifyEmail)
	safe("/safe/welcome", a.safeWelcome)
	a.moreRoutes(vuln, safe)
	return m
}

// SafePaths lists the safe twins' paths.
func SafePaths() []string {
	return append([]string{"/safe/", "/safe/greet", "/safe/color", "/safe/js", "/safe/search", "/safe/product", "/safe/lookup",
		"/safe/api/orders", "/safe/api/user", "/safe/ping", "/safe/dns", "/safe/download", "/safe/redirect", "/safe/hello",
		"/safe/fetch", "/safe/guestbook", "/safe/report", "/safe/orders", "/safe/backup/", "/safe/verify-email", "/safe/welcome"}, morePaths...)
}

const style = `body{font-family:sans-serif;max-width:60em;margin:1em auto}.banner{background:#b00020;color:#fff;padding:.5em;font-weight:bold}`

func page(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>%s</title><style>%s</style></head><body>
<div class="banner">&#9888; %s</div>
<h1>%s</h1>
%s
<p><a href="/">vulnerable home</a> | <a href="/safe/">safe twins</a></p>
</body></html>`, html.EscapeString(title), style, html.EscapeString(Banner), html.EscapeString(title), body)
}

func text(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, "# "+Banner+"\n"+s)
}

// jsonOut writes v as JSON; objects carry the banner as "_warning".
func jsonOut(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	if len(b) > 1 && b[0] == '{' {
		warn, _ := json.Marshal(Banner)
		sep := ","
		if b[1] == '}' {
			sep = ""
		}
		b = append([]byte(`{"_warning":`+string(warn)+sep), b[1:]...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

var esc = html.EscapeString

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "visitor", Value: randHex(8), Path: "/"})
	page(w, 200, "Vulnerable demo", `
<p>Every page here is deliberately vulnerable. The <a href="/safe/">safe twins</a> do the same things safely.</p>
<ul>
<li><a href="/greet?name=visitor">Greeting</a> (reflected XSS, HTML body)</li>
<li><a href="/color?c=blue">Colour picker</a> (reflected XSS, attribute)</li>
<li><a href="/js?q=hello">Script echo</a> (reflected XSS, script string)</li>
<li><a href="/product?id=1">Product</a> (boolean-based SQL injection)</li>
<li><a href="/download?file=report.txt">Download a report</a> (path traversal)</li>
<li><a href="/redirect?next=/">Continue</a> (open redirect)</li>
<li><a href="/fetch?url=http://`+esc(r.Host)+`/robots.txt">Fetch a URL</a> (SSRF)</li>
<li><a href="/guestbook">Guestbook</a> (stored XSS, no CSRF token)</li>
<li><a href="/report?id=7">Report 7</a> (stack trace)</li>
<li><a href="/orders?sort=date">Orders</a> (SQL error disclosure)</li>
<li><a href="/verify-email?token=8f14e45fceea167a5a36dedd4bea2543">Verify your email</a> (token in URL)</li>
<li><a href="/welcome">Welcome</a> (path traversal through the lang cookie)</li>
<li><a href="/login">Log in</a> (demo / demo) - <a href="/account">account</a> - <a href="/logout">log out</a> - <a href="/account/delete?confirm=1">delete account</a></li>
</ul>
<form action="/search" method="get"><input name="q" value="mug"><button>Search</button></form> (error-based SQL injection)
<form action="/ping" method="get"><input name="host" value="127.0.0.1"><button>Ping</button></form> (OS command injection)
<form action="/lookup" method="post"><input type="hidden" name="csrf_token" value="`+a.csrf+`"><input name="user" value="alice"><button>Reset password</button></form> (time-based SQL injection)
<form action="/dns" method="post"><input type="hidden" name="csrf_token" value="`+a.csrf+`"><input name="domain" value="example.test"><button>Look up</button></form> (blind OS command injection)
`+moreLinks("")+`
<div id="out"></div>
<script>
const profileURL = "/api/user";
function loadOrder() {
  fetch("/api/orders", {method: "POST", body: JSON.stringify({"order": "1001"}), headers: {"Content-Type": "application/json"}})
    .then(r => r.json()).then(j => { document.getElementById("out").textContent = JSON.stringify(j); });
}
</script>`)
}

func (a *App) robots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "User-agent: *\nDisallow: /backup/\nDisallow: /safe/backup/\nSitemap: /sitemap.xml\n")
}

func (a *App) sitemap(w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	w.Header().Set("Content-Type", "application/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>%[1]s/</loc></url>
<url><loc>%[1]s/hello?name=world</loc></url>
<url><loc>%[1]s/safe/hello?name=world</loc></url>
</urlset>
`, esc(base))
}

// --- reflected XSS ----------------------------------------------------

func (a *App) greet(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Greeting", "<p>Hello, "+r.URL.Query().Get("name")+"!</p>")
}

func (a *App) color(w http.ResponseWriter, r *http.Request) {
	c := r.URL.Query().Get("c")
	page(w, 200, "Colour picker", `<form action="/color"><input name="c" value="`+c+`"><button>Pick</button></form>`)
}

func (a *App) js(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	page(w, 200, "Script echo", `<div id="out"></div><script>var q = '`+q+`'; document.getElementById("out").textContent = q;</script>`)
}

// --- SQL injection ----------------------------------------------------

func productRows(rows []row) string {
	var b strings.Builder
	b.WriteString("<ul>")
	for _, r := range rows {
		fmt.Fprintf(&b, "<li>%s - $%s</li>", esc(toStr(r["name"])), esc(toStr(r["price"])))
	}
	b.WriteString("</ul>")
	return b.String()
}

func (a *App) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	rows, err := a.db.Query(r.Context(), "SELECT name, price FROM products WHERE name LIKE '%"+q+"%'")
	if err != nil {
		page(w, 500, "Search", "<p>Database error: "+esc(err.Error())+"</p>")
		return
	}
	page(w, 200, "Search", "<p>Results for "+esc(q)+":</p>"+productRows(rows))
}

func (a *App) product(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.Query(r.Context(), "SELECT name, price FROM products WHERE id = "+r.URL.Query().Get("id"))
	if err != nil || len(rows) == 0 {
		page(w, 404, "Product", "<p>No such product.</p>")
		return
	}
	page(w, 200, "Product", productRows(rows))
}

func (a *App) lookup(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	_, _ = a.db.Query(r.Context(), "SELECT id FROM users WHERE name = '"+r.PostFormValue("user")+"'")
	page(w, 200, "Password reset", "<p>If the user exists, we sent them an email.</p>")
}

func (a *App) apiOrders(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		jsonOut(w, 405, map[string]string{"error": "use POST with a JSON body"})
		return
	}
	var in struct {
		Order string `json:"order"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		jsonOut(w, 400, map[string]string{"error": "bad JSON"})
		return
	}
	rows, err := a.db.Query(r.Context(), "SELECT id, item, status FROM orders WHERE id = '"+in.Order+"'")
	if err != nil {
		jsonOut(w, 500, map[string]string{"error": err.Error()})
		return
	}
	jsonOut(w, 200, map[string]any{"orders": toJSONRows(rows)})
}

func toJSONRows(rows []row) []map[string]string {
	out := []map[string]string{}
	for _, r := range rows {
		m := map[string]string{}
		for k, v := range r {
			m[k] = toStr(v)
		}
		out = append(out, m)
	}
	return out
}

func (a *App) apiUser(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	jsonOut(w, 200, map[string]string{"user": "alice", "email": "alice@example.test"})
}

func (a *App) orders(w http.ResponseWriter, r *http.Request) {
	page(w, 500, "Orders", "<p>SQLSTATE[42S22]: Column not found: 1054 Unknown column '"+esc(r.URL.Query().Get("sort"))+"' in 'order clause'</p>")
}

// --- command injection, traversal, redirect, SSTI, SSRF ---------------

func (a *App) ping(w http.ResponseWriter, r *http.Request) {
	text(w, 200, a.sh.Run(r.Context(), "ping -c 1 "+r.URL.Query().Get("host")))
}

func (a *App) dns(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	_ = a.sh.Run(r.Context(), "nslookup "+r.PostFormValue("domain"))
	page(w, 200, "DNS lookup", "<p>Lookup of "+esc(r.PostFormValue("domain"))+" scheduled.</p>")
}

func (a *App) download(w http.ResponseWriter, r *http.Request) {
	c, ok := readFakeFile(path.Join("/var/www/files", r.URL.Query().Get("file")))
	if !ok {
		text(w, 404, "no such file\n")
		return
	}
	text(w, 200, c)
}

func (a *App) redirect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Location", r.URL.Query().Get("next"))
	w.WriteHeader(http.StatusFound)
}

func (a *App) hello(w http.ResponseWriter, r *http.Request) {
	text(w, 200, renderTemplate("Hello "+r.URL.Query().Get("name")+"!", nil))
}

func (a *App) fetchURL(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), "GET", r.URL.Query().Get("url"), nil)
	if err != nil {
		text(w, 400, "bad URL\n")
		return
	}
	resp, err := a.fetch.Do(req)
	if err != nil {
		text(w, 502, "fetch failed\n")
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	text(w, 200, fmt.Sprintf("HTTP %d\n%s", resp.StatusCode, b))
}

// --- stored XSS and CSRF ----------------------------------------------

func (a *App) guestbook(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		a.mu.Lock()
		a.book = appendEntry(a.book, entry{r.PostFormValue("name"), r.PostFormValue("comment")})
		a.mu.Unlock()
		http.Redirect(w, r, "/guestbook", http.StatusSeeOther)
		return
	}
	var b strings.Builder
	b.WriteString(`<form action="/guestbook" method="post"><input name="name" value="guest"><textarea name="comment">hi</textarea><button>Sign</button></form><ul>`)
	a.mu.Lock()
	for _, e := range a.book {
		fmt.Fprintf(&b, "<li><b>%s</b>: %s</li>", esc(e.name), e.comment)
	}
	a.mu.Unlock()
	b.WriteString("</ul>")
	page(w, 200, "Guestbook", b.String())
}

func appendEntry(list []entry, e entry) []entry {
	const maxEntries = 2000
	if len(e.comment) > 2000 {
		e.comment = e.comment[:2000]
	}
	list = append(list, e)
	if len(list) > maxEntries {
		list = list[len(list)-maxEntries:]
	}
	return list
}

// --- information disclosure -------------------------------------------

func (a *App) report(w http.ResponseWriter, r *http.Request) {
	page(w, 500, "Report", `<pre>java.lang.NullPointerException: report `+esc(r.URL.Query().Get("id"))+` has no owner
	at com.example.reports.ReportService.render(ReportService.java:42)
	at com.example.reports.ReportController.show(ReportController.java:17)
	at org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)</pre>`)
}

func (a *App) backup(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/backup/backup.sql" {
		c, _ := readFakeFile("/var/www/files/backup.sql")
		text(w, 200, c)
		return
	}
	if r.URL.Path != "/backup/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	io.WriteString(w, `<html><head><title>Index of /backup</title></head><body><h1>Index of /backup</h1><pre><a href="../">../</a>
<a href="backup.sql">backup.sql</a>                 12-Mar-2024 10:01    64
</pre><p>`+esc(Banner)+`</p></body></html>`)
}

func (a *App) verifyEmail(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Email verified", "<p>Thanks, your email address is verified.</p>")
}

// langCookie reads the lang cookie (URL-decoded, as PHP does) and sets
// it when missing.
func langCookie(w http.ResponseWriter, r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			return v
		}
		return c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "en", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return "en"
}

func (a *App) welcome(w http.ResponseWriter, r *http.Request) {
	c, ok := readFakeFile(path.Join("/var/www/lang", langCookie(w, r, "lang")))
	if !ok {
		c = "Welcome!\n"
	}
	text(w, 200, c)
}

// --- login ------------------------------------------------------------

func (a *App) user(r *http.Request) string {
	c, err := r.Cookie("session")
	if err != nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.session[c.Value]
}

func (a *App) login(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if r.PostFormValue("username") == "demo" && r.PostFormValue("password") == "demo" {
			tok := randHex(16)
			a.mu.Lock()
			a.session[tok] = "demo"
			a.mu.Unlock()
			http.SetCookie(w, &http.Cookie{Name: "session", Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
			http.Redirect(w, r, "/account", http.StatusSeeOther)
			return
		}
		page(w, 401, "Log in", "<p>Wrong user name or password.</p>"+a.loginForm())
		return
	}
	page(w, 200, "Log in", a.loginForm())
}

func (a *App) loginForm() string {
	return `<form action="/login" method="post"><input type="hidden" name="csrf_token" value="` + a.csrf + `"><input name="username"><input type="password" name="password"><button>Log in</button></form>`
}

func (a *App) account(w http.ResponseWriter, r *http.Request) {
	u := a.user(r)
	if u == "" {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	page(w, 200, "Account", "<p>Logged in as "+esc(u)+".</p><p><a href=\"/logout\">Log out</a> | <a href=\"/account/delete?confirm=1\">Delete my account</a></p>")
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie("session"); err == nil {
		a.mu.Lock()
		delete(a.session, c.Value)
		a.mu.Unlock()
	}
	http.Redirect(w, r, "/", http.StatusFound)
}

// DropSessions forgets every session, as a server restart would.
func (a *App) DropSessions() {
	a.mu.Lock()
	a.session = map[string]string{}
	a.mu.Unlock()
}

// --- safe twins -------------------------------------------------------

func (a *App) safeHome(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: "safe_visitor", Value: randHex(8), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	page(w, 200, "Safe twins", `
<p>Each page does what its vulnerable twin does, safely. A scanner should report nothing here.</p>
<ul>
<li><a href="/safe/greet?name=visitor">Greeting</a></li>
<li><a href="/safe/color?c=blue">Colour picker</a></li>
<li><a href="/safe/js?q=hello">Script echo</a></li>
<li><a href="/safe/product?id=1">Product</a></li>
<li><a href="/safe/download?file=report.txt">Download a report</a></li>
<li><a href="/safe/redirect?next=/safe/">Continue</a></li>
<li><a href="/safe/hello?name=world">Hello</a></li>
<li><a href="/safe/fetch?url=https://api.example.test/status">Fetch status</a></li>
<li><a href="/safe/guestbook">Guestbook</a></li>
<li><a href="/safe/report?id=7">Report 7</a></li>
<li><a href="/safe/orders?sort=date">Orders</a></li>
<li><a href="/safe/verify-email">Verify your email</a></li>
<li><a href="/safe/welcome">Welcome</a></li>
</ul>
<form action="/safe/search" method="get"><input name="q" value="mug"><button>Search</button></form>
<form action="/safe/ping" method="get"><input name="host" value="127.0.0.1"><button>Ping</button></form>
<form action="/safe/lookup" method="post"><input type="hidden" name="csrf_token" value="`+a.csrf+`"><input name="user" value="alice"><button>Reset password</button></form>
<form action="/safe/dns" method="post"><input type="hidden" name="csrf_token" value="`+a.csrf+`"><input name="domain" value="example.test"><button>Look up</button></form>
`+moreLinks("/safe")+`
<script>
const profileURL = "/safe/api/user";
function loadOrder() {
  fetch("/safe/api/orders", {method: "POST", body: JSON.stringify({"order": "1001"}), headers: {"Content-Type": "application/json"}});
}
</script>`)
}

func (a *App) safeGreet(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Greeting", "<p>Hello, "+esc(r.URL.Query().Get("name"))+"!</p>")
}

func (a *App) safeColor(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Colour picker", `<form action="/safe/color"><input name="c" value="`+esc(r.URL.Query().Get("c"))+`"><button>Pick</button></form>`)
}

func (a *App) safeJS(w http.ResponseWriter, r *http.Request) {
	q, _ := json.Marshal(r.URL.Query().Get("q")) // escapes quotes, <, > and &
	page(w, 200, "Script echo", `<div id="out"></div><script>var q = `+string(q)+`; document.getElementById("out").textContent = q;</script>`)
}

func (a *App) safeSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	rows, err := a.db.Query(r.Context(), "SELECT name, price FROM products WHERE name LIKE ?", "%"+q+"%")
	if err != nil {
		page(w, 500, "Search", "<p>Search failed.</p>")
		return
	}
	page(w, 200, "Search", "<p>Results for "+esc(q)+":</p>"+productRows(rows))
}

func (a *App) safeProduct(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.URL.Query().Get("id"))
	if err != nil {
		page(w, 400, "Product", "<p>The product id must be a number.</p>")
		return
	}
	rows, err := a.db.Query(r.Context(), "SELECT name, price FROM products WHERE id = ?", int64(id))
	if err != nil || len(rows) == 0 {
		page(w, 404, "Product", "<p>No such product.</p>")
		return
	}
	page(w, 200, "Product", productRows(rows))
}

func (a *App) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		http.Redirect(w, r, "/safe/", http.StatusSeeOther)
		return false
	}
	if r.PostFormValue("csrf_token") != a.csrf {
		page(w, 403, "Forbidden", "<p>Invalid CSRF token.</p>")
		return false
	}
	return true
}

func (a *App) safeLookup(w http.ResponseWriter, r *http.Request) {
	if !a.checkCSRF(w, r) {
		return
	}
	_, _ = a.db.Query(r.Context(), "SELECT id FROM users WHERE name = ?", r.PostFormValue("user"))
	page(w, 200, "Password reset", "<p>If the user exists, we sent them an email.</p>")
}

func (a *App) safeAPIOrders(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		jsonOut(w, 405, map[string]string{"error": "use POST with a JSON body"})
		return
	}
	var in struct {
		Order string `json:"order"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		jsonOut(w, 400, map[string]string{"error": "bad JSON"})
		return
	}
	rows, err := a.db.Query(r.Context(), "SELECT id, item, status FROM orders WHERE id = ?", in.Order)
	if err != nil {
		jsonOut(w, 500, map[string]string{"error": "internal error"})
		return
	}
	jsonOut(w, 200, map[string]any{"orders": toJSONRows(rows)})
}

func (a *App) safeAPIUser(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") == "https://app.example.test" {
		w.Header().Set("Access-Control-Allow-Origin", "https://app.example.test")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Vary", "Origin")
	}
	jsonOut(w, 200, map[string]string{"user": "alice", "email": "alice@example.test"})
}

func (a *App) safePing(w http.ResponseWriter, r *http.Request) {
	host := r.URL.Query().Get("host")
	if !hostLike.MatchString(host) {
		text(w, 400, "invalid host name\n")
		return
	}
	// The host is one argument to ping: no shell parses it.
	text(w, 200, a.sh.exec(r.Context(), "ping -c 1 "+host))
}

func (a *App) safeDNS(w http.ResponseWriter, r *http.Request) {
	if !a.checkCSRF(w, r) {
		return
	}
	d := r.PostFormValue("domain")
	if hostLike.MatchString(d) {
		_ = a.sh.exec(r.Context(), "nslookup "+d)
	}
	page(w, 200, "DNS lookup", "<p>Lookup of "+esc(d)+" scheduled.</p>")
}

var downloadable = map[string]bool{"report.txt": true, "notes.txt": true}

func (a *App) safeDownload(w http.ResponseWriter, r *http.Request) {
	f := r.URL.Query().Get("file")
	if !downloadable[f] {
		text(w, 404, "no such file\n")
		return
	}
	c, _ := readFakeFile("/var/www/files/" + f)
	text(w, 200, c)
}

func (a *App) safeRedirect(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		next = "/safe/"
	}
	w.Header().Set("Location", next)
	w.WriteHeader(http.StatusFound)
}

func (a *App) safeHello(w http.ResponseWriter, r *http.Request) {
	text(w, 200, renderTemplate("Hello {{name}}!", map[string]string{"name": r.URL.Query().Get("name")}))
}

func (a *App) safeFetch(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("url") != "https://api.example.test/status" {
		text(w, 400, "URL not allowed\n")
		return
	}
	text(w, 200, "HTTP 200\nstatus: ok\n")
}

func (a *App) safeGuestbook(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if !a.checkCSRF(w, r) {
			return
		}
		a.mu.Lock()
		a.safe = appendEntry(a.safe, entry{r.PostFormValue("name"), r.PostFormValue("comment")})
		a.mu.Unlock()
		http.Redirect(w, r, "/safe/guestbook", http.StatusSeeOther)
		return
	}
	var b strings.Builder
	b.WriteString(`<form action="/safe/guestbook" method="post"><input type="hidden" name="csrf_token" value="` + a.csrf + `"><input name="name" value="guest"><textarea name="comment">hi</textarea><button>Sign</button></form><ul>`)
	a.mu.Lock()
	for _, e := range a.safe {
		fmt.Fprintf(&b, "<li><b>%s</b>: %s</li>", esc(e.name), esc(e.comment))
	}
	a.mu.Unlock()
	b.WriteString("</ul>")
	page(w, 200, "Guestbook", b.String())
}

func (a *App) safeReport(w http.ResponseWriter, r *http.Request) {
	page(w, 404, "Report", "<p>Report not found.</p>")
}

var sortable = regexp.MustCompile(`^(date|item|status)$`)

func (a *App) safeOrders(w http.ResponseWriter, r *http.Request) {
	if !sortable.MatchString(r.URL.Query().Get("sort")) {
		page(w, 400, "Orders", "<p>Unknown sort order.</p>")
		return
	}
	page(w, 200, "Orders", "<ul><li>1001 Hoodie shipped</li><li>1002 Coffee mug processing</li></ul>")
}

func (a *App) safeBackup(w http.ResponseWriter, r *http.Request) {
	page(w, 403, "Forbidden", "<p>Directory listing is disabled.</p>")
}

func (a *App) safeWelcome(w http.ResponseWriter, r *http.Request) {
	lang := langCookie(w, r, "safe_lang")
	if lang != "en" && lang != "de" {
		lang = "en"
	}
	c, _ := readFakeFile("/var/www/lang/" + lang)
	text(w, 200, c)
}

func (a *App) safeVerifyEmail(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Verify your email", "<p>Open the link in the email we sent; the token travels in a POST form, not in the URL.</p>")
}

// Serve runs the app on addr until ctx ends. ready, when set, receives
// the bound address (useful with port 0).
func Serve(ctx context.Context, addr string, allowRemote bool, ready func(addr string)) error {
	if err := CheckAddr(addr, allowRemote); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; pick another --addr", addr, err)
	}
	srv := &http.Server{Handler: New().Handler(), ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	case err := <-errc:
		return fmt.Errorf("demo server: %w", err)
	}
}

// CheckAddr refuses a non-loopback address unless allowRemote is set.
func CheckAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w; use HOST:PORT such as 127.0.0.1:8080", addr, err)
	}
	if allowRemote {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %s is not a loopback address: the demo is deliberately vulnerable; bind to 127.0.0.1 or pass --allow-remote if you really mean it", addr)
}
