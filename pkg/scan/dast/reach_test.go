package dast

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// These tests reproduce, each on a small local page, what kept the scanner
// from reaching the inputs of a real server-rendered application.

// fakeDB answers like a PHP page that concatenates v into a quoted SQL
// string and prints MySQL's error.
func fakeDB(w http.ResponseWriter, v string) {
	w.Header().Set("Content-Type", "text/html")
	if strings.Count(v, "'")%2 == 1 {
		fmt.Fprintf(w, "<pre>You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '%s'' at line 1</pre>", html.EscapeString(v))
		return
	}
	fmt.Fprint(w, "<pre>ID: 1<br>First name: admin</pre>")
}

type scanned struct {
	res      *Result
	requests []string // METHOD path?query of every request the app saw
}

func (s scanned) found(check, path, param string) bool {
	for _, i := range s.res.Issues {
		if i.Check == check && i.Path() == path && i.Param == param {
			return true
		}
	}
	return false
}

func (s scanned) issues() []string {
	var out []string
	for _, i := range s.res.Issues {
		out = append(out, strings.TrimSpace(i.Check+" "+i.Path()+" "+i.Param))
	}
	sort.Strings(out)
	return out
}

func (s scanned) requested(sub string) int {
	n := 0
	for _, r := range s.requests {
		if strings.Contains(r, sub) {
			n++
		}
	}
	return n
}

func scanApp(t *testing.T, h http.Handler, opts Options) scanned {
	t.Helper()
	var mu sync.Mutex
	var reqs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		mu.Lock()
		reqs = append(reqs, r.Method+" "+r.URL.RequestURI()+" "+string(body))
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	opts.Target = srv.URL + opts.Target
	if opts.Rate == 0 {
		opts.Rate = -1
	}
	if opts.MaxDuration == 0 {
		opts.MaxDuration = 30 * time.Second
	}
	res, err := Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return scanned{res: res, requests: reqs}
}

// Forms whose action is "#", empty or missing submit to the page itself.
func TestFormsWithoutActionAreSubmitted(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/hash/">a</a><a href="/empty/">b</a><a href="/missing/">c</a>`)
	})
	for path, form := range map[string]string{
		"/hash/":    `<form action="#" method="GET"><input name="id"><input type="submit" name="Submit" value="Submit"></form>`,
		"/empty/":   `<form action="" method="POST"><input name="id"><input type="submit" name="Submit" value="Submit"></form>`,
		"/missing/": `<form method="POST"><input name="id"><input type="submit" name="Submit" value="Submit"></form>`,
	} {
		form := form
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			// Like DVWA: the query runs only when the button was pressed.
			if r.FormValue("Submit") == "" {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, form)
				return
			}
			fakeDB(w, r.FormValue("id"))
		})
	}
	s := scanApp(t, mux, Options{Target: "/", PassiveOnly: false})
	for _, p := range []string{"/hash/", "/empty/", "/missing/"} {
		if !s.found(CheckSQLiError, p, "id") {
			t.Errorf("no SQL injection reported for the form on %s; got %q", p, s.issues())
		}
	}
}

// URLs in data-* attributes, formaction, srcset, and requests that scripts
// make with fetch (options with nested braces), XMLHttpRequest, axios and
// jQuery are crawled, and their JSON and form bodies are built.
func TestScriptAndAttributeURLsAreCrawled(t *testing.T) {
	var mu sync.Mutex
	var jsonBodies []string
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<div id="grid" data-source="/data/rows.php?sort=name"></div>
<img srcset="/img/a.png 1x, /img/b.png?size=2 2x">
<form action="/form"><button formaction="/alt.php?mode=x">Go</button></form>
<script src="/app.js"></script>
<script>
function save(id) {
  var first = document.getElementById('first_' + id).value;
  fetch('/api/save.php', {
    method: 'POST',
    headers: {'Accept': 'application/json', 'Content-Type': 'application/json'},
    body: JSON.stringify({ 'id': id, 'first_name': first, 'note': "hello" })
  }).then((r) => r.json());
}
</script>`)
	})
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/javascript")
		fmt.Fprint(w, `function load() {
  var xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/lookup.php', true);
  xhr.setRequestHeader('Content-Type', 'application/json');
  xhr.send(JSON.stringify({user: name, page: {size: 10}}));
}
axios.post('/api/comment', {text: input.value, meta: {a: 1}});
$.post('/legacy/vote.php', {choice: 'a'});`)
	})
	sqlAt := func(field string, isJSON bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var v string
			if isJSON {
				var m map[string]any
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				jsonBodies = append(jsonBodies, r.URL.Path+" "+string(b))
				mu.Unlock()
				if json.Unmarshal(b, &m) != nil || r.Header.Get("Content-Type") != "application/json" {
					http.Error(w, "bad JSON", 400)
					return
				}
				v, _ = m[field].(string)
			} else {
				v = r.FormValue(field)
			}
			fakeDB(w, v)
		}
	}
	mux.HandleFunc("/data/rows.php", sqlAt("sort", false))
	mux.HandleFunc("/alt.php", sqlAt("mode", false))
	mux.HandleFunc("/api/save.php", sqlAt("first_name", true))
	mux.HandleFunc("/api/lookup.php", sqlAt("user", true))
	mux.HandleFunc("/api/comment", sqlAt("text", true))
	mux.HandleFunc("/legacy/vote.php", sqlAt("choice", false))
	s := scanApp(t, mux, Options{Target: "/"})
	for _, want := range [][2]string{
		{"/data/rows.php", "sort"}, {"/alt.php", "mode"}, {"/api/save.php", "first_name"},
		{"/api/lookup.php", "user"}, {"/api/comment", "text"}, {"/legacy/vote.php", "choice"},
	} {
		if !s.found(CheckSQLiError, want[0], want[1]) {
			t.Errorf("no SQL injection reported on %s %s; got %q", want[0], want[1], s.issues())
		}
	}
	if s.requested("GET /img/b.png?size=2") == 0 {
		t.Errorf("the srcset URL was not crawled")
	}
	// The JSON body keeps the members the script sends, numbers as numbers
	// and nested objects as they are.
	mu.Lock()
	defer mu.Unlock()
	wantBody := map[string]bool{
		`/api/save.php {"first_name":"secops","id":1,"note":"hello"}`: false,
		`/api/lookup.php {"page":{"size":10},"user":"secops"}`:        false,
		`/api/comment {"meta":{"a":1},"text":"secops"}`:               false,
	}
	for _, b := range jsonBodies {
		if _, ok := wantBody[b]; ok {
			wantBody[b] = true
		}
	}
	for b, seen := range wantBody {
		if !seen {
			t.Errorf("baseline body %s never sent; sent %q", b, jsonBodies)
		}
	}
}

// Passive checks read the responses to attack requests too, and PHP 8's
// multi-line uncaught exception is a stack trace.
func TestAttackResponsesAreChecked(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/item.php?id=1">item</a>`)
	})
	mux.HandleFunc("/item.php", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		id := r.URL.Query().Get("id")
		if strings.Contains(id, "'") {
			// PHP 8 with display_errors: an uncaught mysqli exception.
			fmt.Fprintf(w, "<br />\n<b>Fatal error</b>:  Uncaught mysqli_sql_exception: Unknown column '%s' in 'where clause' in /var/www/html/item.php:11\nStack trace:\n#0 /var/www/html/item.php(11): mysqli_query(Object(mysqli), 'SELECT * FROM i...')\n#1 {main}\n  thrown in <b>/var/www/html/item.php</b> on line <b>11</b><br />\n", html.EscapeString(id))
			return
		}
		fmt.Fprint(w, "<p>item 1</p>")
	})
	s := scanApp(t, mux, Options{Target: "/"})
	for _, c := range []string{CheckSQLError, CheckStackTrace} {
		if !s.found(c, "/item.php", "") {
			t.Errorf("%s not reported for the error an attack provoked; got %q", c, s.issues())
		}
	}
}

func TestStackTracePatterns(t *testing.T) {
	traces := map[string]string{
		"PHP 8 plain": "PHP Fatal error:  Uncaught Exception: boom in /srv/app/index.php:3\nStack trace:\n#0 {main}\n  thrown in /srv/app/index.php on line 3\n",
		"PHP 8 HTML":  "<b>Fatal error</b>:  Uncaught TypeError: count(): Argument #1 ($value) must be of type Countable|array, null given in /var/www/x.php:7\nStack trace:\n#0 {main}\n  thrown in <b>/var/www/x.php</b> on line <b>7</b>",
		"PHP warning": "<b>Warning</b>:  Undefined variable $x in <b>/var/www/a.php</b> on line <b>4</b>",
		"Python":      "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\nZeroDivisionError: division by zero",
		"Java":        "java.lang.IllegalStateException: x\n\tat com.example.A.b(A.java:10)\n",
		".NET":        "[NullReferenceException: Object reference not set]\n   at Shop.Cart.Total() in C:\\src\\Cart.cs:line 42\n",
		".NET YSOD":   "<h1>Server Error in '/' Application.</h1>",
		"Node":        "TypeError: Cannot read properties of undefined (reading 'id')\n    at /app/routes/user.js:14:22\n    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)",
		"Go":          "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()",
		"Ruby":        "app/controllers/users_controller.rb:12:in `show'",
	}
	for name, body := range traces {
		if stackTrace.find([]byte(body), nil) == "" {
			t.Errorf("%s: stack trace not recognised in %q", name, body)
		}
	}
	drivers := map[string]string{
		"MySQL":      "You have an error in your SQL syntax; check the manual",
		"mysqli":     "Fatal error: Uncaught mysqli_sql_exception: Unknown column 'x'",
		"PostgreSQL": "ERROR:  unterminated quoted string at or near \"'\"",
		"psycopg2":   "psycopg2.errors.SyntaxError: syntax error at or near \"x\"",
		"SQL Server": "System.Data.SqlClient.SqlException: Incorrect syntax near 'x'.",
		"Oracle":     "ORA-01756: quoted string not properly terminated",
		"SQLite":     "sqlite3.OperationalError: unrecognized token: \"'\"",
		"PDO":        "PDOException: SQLSTATE[42000]: Syntax error or access violation",
		"Go MySQL":   "Error 1064 (42000): You have an error",
		"DB2":        "DB2 SQL Error: SQLCODE=-104, SQLSTATE=42601",
		"H2":         "org.h2.jdbc.JdbcSQLSyntaxErrorException: Syntax error in SQL statement",
		"Sequelize":  "SequelizeDatabaseError: near \"x\": syntax error",
	}
	for name, body := range drivers {
		if sqlErrorText.find([]byte(body), nil) == "" {
			t.Errorf("%s: database error not recognised in %q", name, body)
		}
	}
	for _, clean := range []string{"<p>Our SQL course teaches syntax.</p>", "Error: please enter a name", "<td>at Home (2 items)</td>"} {
		if m := stackTrace.find([]byte(clean), nil) + sqlErrorText.find([]byte(clean), nil); m != "" {
			t.Errorf("ordinary text %q matched %q", clean, m)
		}
	}
}

// Exposed files are found and confirmed by their content; a server that
// answers 200 with its home page to every path reports none of them.
func TestExposedFilesAreFound(t *testing.T) {
	files := map[string]string{
		"/.git/HEAD":           "ref: refs/heads/main\n",
		"/.env":                "APP_KEY=base64:abc\nDB_PASSWORD=hunter2\nDB_HOST=db\n",
		"/.DS_Store":           "\x00\x00\x00\x01Bud1\x00\x00\x10\x00",
		"/server-status":       "<html><head><title>Apache Status</title></head><body><h1>Apache Server Status for 127.0.0.1 (via 127.0.0.1)</h1>",
		"/phpinfo.php":         "<!DOCTYPE html><html><head><title>phpinfo()</title></head><body><table><tr class=\"h\"><td><h1 class=\"p\">PHP Version 8.2.7</h1></td></tr></table>",
		"/app/login.php.bak":   "<?php\n$db_password = 'secret';\n",
		"/app/.search.php.swp": "b0VIM 8.2\x00\x00",
		"/app/report.php~":     "<?php echo 1;",
	}
	var soft bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := files[r.URL.Path]; ok && !soft {
			if strings.HasPrefix(c, "<") && !strings.HasPrefix(c, "<?php") {
				w.Header().Set("Content-Type", "text/html")
			} else {
				w.Header().Set("Content-Type", "application/octet-stream")
			}
			io.WriteString(w, c)
			return
		}
		switch r.URL.Path {
		case "/", "/app/login.php", "/app/search.php", "/app/report.php":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/app/login.php">l</a><a href="/app/search.php">s</a><a href="/app/report.php">r</a>`)
			return
		}
		if soft {
			// Every path gets the home page, with a 200.
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><body>Welcome <a href="/app/login.php">l</a></body></html>`)
			return
		}
		http.NotFound(w, r)
	})
	s := scanApp(t, h, Options{Target: "/", PassiveOnly: false})
	for _, want := range [][2]string{
		{"git-repository-exposed", "/.git/HEAD"}, {"env-file-exposed", "/.env"}, {"ds-store-exposed", "/.DS_Store"},
		{"server-status-exposed", "/server-status"}, {"phpinfo-exposed", "/phpinfo.php"},
		{"backup-file-exposed", "/app/login.php.bak"}, {"backup-file-exposed", "/app/.search.php.swp"}, {"backup-file-exposed", "/app/report.php~"},
	} {
		if !s.found(want[0], want[1], "") {
			t.Errorf("%s on %s not reported; got %q", want[0], want[1], s.issues())
		}
	}
	for _, i := range s.res.Issues {
		if strings.Contains(i.Response+i.Detail, "hunter2") {
			t.Errorf("the .env finding carries a secret value: %s", i.Detail)
		}
	}
	soft = true
	s = scanApp(t, h, Options{Target: "/"})
	for _, i := range s.res.Issues {
		if strings.Contains(i.Check, "exposed") {
			t.Errorf("soft-404 server: %s on %s", i.Check, i.URL)
		}
	}
}

// The scanner's own filler and payloads, echoed into links, are never
// crawled as pages of the application.
func TestOwnReflectionsAreNotCrawled(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			// Like DVWA's CSP page: the posted URL becomes a script's src.
			inc := r.FormValue("include")
			fmt.Fprintf(w, `<form method="POST"><input name="include"><input type="submit" value="Include"></form>`)
			if inc != "" {
				fmt.Fprintf(w, `<script src='%s'></script><a href="/go?to=%s">again</a>`, inc, url.QueryEscape(inc))
			}
		default:
			http.NotFound(w, r)
		}
	})
	s := scanApp(t, h, Options{Target: "/"})
	for _, r := range s.requests {
		if strings.HasPrefix(r, "GET /secops") || strings.HasPrefix(r, "GET /go") || strings.Contains(r, "GET /secops") {
			t.Errorf("crawled the scanner's own reflection: %s", r)
		}
	}
	for _, i := range s.res.Issues {
		if i.Path() != "/" {
			t.Errorf("finding on a phantom URL: %s %s", i.Check, i.URL)
		}
	}
}

// A payload that a later request without it gets back is stored XSS,
// reported with both URLs, never as reflected.
func TestStoredXSSIsReportedAsStored(t *testing.T) {
	var mu sync.Mutex
	var book []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path != "/guestbook.php" {
			fmt.Fprint(w, `<a href="/guestbook.php">guestbook</a>`)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost && r.FormValue("btnSign") != "" {
			book = append(book, r.FormValue("mtxMessage"))
		}
		// The POST's own response shows the book, as DVWA's does.
		fmt.Fprint(w, `<form method="post" action="/guestbook.php"><textarea name="mtxMessage"></textarea><input type="submit" name="btnSign" value="Sign Guestbook"></form>`)
		for _, e := range book {
			fmt.Fprintf(w, "<div>%s</div>", e)
		}
	})
	s := scanApp(t, h, Options{Target: "/"})
	if s.found(CheckXSSReflected, "/guestbook.php", "mtxMessage") {
		t.Errorf("stored XSS reported as reflected")
	}
	var stored *Issue
	for i := range s.res.Issues {
		if is := s.res.Issues[i]; is.Check == CheckXSSStored && is.Path() == "/guestbook.php" && is.Param == "mtxMessage" {
			stored = &s.res.Issues[i]
		}
	}
	if stored == nil {
		t.Fatalf("stored XSS not reported; got %q", s.issues())
	}
	f, err := stored.ToFinding(findings.LocalProvenance(time.Unix(0, 0), "secops"), s.res.Target)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(f.ProductFields["dast/SeenAt"], "/guestbook.php") || !strings.Contains(f.Description, "GET") {
		t.Errorf("stored XSS does not name where it was served: SeenAt %q, %s", f.ProductFields["dast/SeenAt"], f.Description)
	}
}

// Destructive submit buttons are never pressed, --exclude keeps the
// scanner from pressing a button or attacking a parameter it names, and
// the summary tells excluded in-scope URLs apart from other hosts.
func TestExcludeCoversButtonsAndParameters(t *testing.T) {
	var mu sync.Mutex
	pressed := map[string]int{}
	attacked := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.Method == http.MethodPost {
			mu.Lock()
			for _, b := range []string{"btnSign", "btnClear", "btnArchive"} {
				if r.FormValue(b) != "" {
					pressed[b]++
				}
			}
			for _, p := range []string{"txtName", "mtxMessage"} {
				if v := r.FormValue(p); v != "" && v != "secops" {
					attacked[p]++
				}
			}
			mu.Unlock()
		}
		fmt.Fprint(w, `<a href="/admin/users">admin</a><a href="http://elsewhere.test/x">out</a>
<form method="post" name="guestform"><input name="txtName"><textarea name="mtxMessage"></textarea>
<input type="submit" name="btnSign" value="Sign Guestbook">
<input type="submit" name="btnClear" value="Clear Guestbook">
<button name="btnArchive">Archive all entries</button></form>`)
	})
	s := scanApp(t, h, Options{Target: "/", Exclude: []string{"^/admin", "Archive", "^txtName$"}})
	mu.Lock()
	defer mu.Unlock()
	if pressed["btnSign"] == 0 {
		t.Errorf("the Sign button was never pressed")
	}
	if pressed["btnClear"] != 0 || pressed["btnArchive"] != 0 {
		t.Errorf("pressed Clear %d and Archive %d times; want never", pressed["btnClear"], pressed["btnArchive"])
	}
	if attacked["txtName"] != 0 || attacked["mtxMessage"] == 0 {
		t.Errorf("attacked txtName %d and mtxMessage %d times; want 0 and some", attacked["txtName"], attacked["mtxMessage"])
	}
	if s.requested("/admin") != 0 {
		t.Errorf("requested an excluded URL")
	}
	w := strings.Join(s.res.Warnings, "\n")
	for _, want := range []string{"1 links or redirects out of scope not followed (elsewhere.test)", "1 in-scope URLs not requested because --include or --exclude rules them out", `"btnArchive Archive all entries"`, `"btnClear Clear Guestbook"`} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
}

// What the crawler types into a field is inert for that field: the
// loopback address for a host, a number for a number, an address for an
// e-mail, so a ping or a lookup on the target resolves nothing.
func TestFillerIsInert(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.Method == http.MethodPost && r.FormValue("Submit") != "" {
			mu.Lock()
			for _, f := range []string{"ip", "target_host", "count", "email", "comment"} {
				if _, ok := got[f]; !ok {
					got[f] = r.FormValue(f)
				}
			}
			mu.Unlock()
		}
		fmt.Fprint(w, `<form method="post"><input name="ip"><input name="target_host"><input name="count"><input type="email" name="email"><input name="comment"><input type="submit" name="Submit" value="Submit"></form>`)
	})
	scanApp(t, h, Options{Target: "/", PassiveOnly: true})
	want := map[string]string{"ip": "127.0.0.1", "target_host": "127.0.0.1", "count": "1", "email": "secops@example.com", "comment": "secops"}
	mu.Lock()
	defer mu.Unlock()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("field %s got %q, want %q", k, got[k], v)
		}
	}
}
