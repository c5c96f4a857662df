package demo

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// The pages in this file plant what a crawler reaches only by reading a
// page the way a real application is built: a form without action, a URL
// in a data attribute, a fetch() whose options nest, request headers,
// path segments, exposed files, default credentials, a predictable session
// cookie and an upload that runs. Each has a safe twin under /safe/.

// moreRoutes adds the pages of this file to the mux.
func (a *App) moreRoutes(vuln, safe func(string, http.HandlerFunc)) {
	vuln("/feedback", a.feedback)
	vuln("/widgets/stock", a.stock)
	vuln("/api/profile", a.apiProfile)
	vuln("/whoami", a.whoami)
	vuln("/orders/{id}", a.orderByPath)
	vuln("/continue", a.continueTo)
	vuln("/admin/login", a.adminLogin)
	vuln("/session/new", a.newSession)
	vuln("/upload", a.upload)
	vuln("/uploads/{name}", a.uploaded)
	vuln("/legacy/report.php", a.legacyReport)
	vuln("/legacy/report.php.bak", a.legacyReportBackup)
	vuln("/phpinfo.php", a.phpinfo)
	vuln("/server-status", a.serverStatus)
	vuln("/.git/HEAD", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ref: refs/heads/main\n")
	})
	vuln("/.DS_Store", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		io.WriteString(w, "\x00\x00\x00\x01Bud1\x00\x00\x10\x00demo")
	})
	vuln("/.env", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "APP_ENV=demo\nDB_PASSWORD=demo-not-a-secret\nSESSION_KEY=demo-not-a-secret\n")
	})

	safe("/safe/feedback", a.safeFeedback)
	safe("/safe/widgets/stock", a.safeStock)
	safe("/safe/api/profile", a.safeAPIProfile)
	safe("/safe/whoami", a.safeWhoami)
	safe("/safe/orders/{id}", a.safeOrderByPath)
	safe("/safe/continue", a.safeContinueTo)
	safe("/safe/admin/login", a.safeAdminLogin)
	safe("/safe/session/new", a.safeNewSession)
	safe("/safe/upload", a.safeUpload)
	safe("/safe/legacy/report.php", a.safeLegacyReport)
	safe("/safe/phpinfo.php", func(w http.ResponseWriter, r *http.Request) {
		page(w, 404, "Not found", "<p>phpinfo() pages are not deployed.</p>")
	})
	safe("/safe/server-status", func(w http.ResponseWriter, r *http.Request) {
		page(w, 403, "Forbidden", "<p>The status page is for localhost only.</p>")
	})
}

// morePaths are the safe twins of this file.
var morePaths = []string{"/safe/feedback", "/safe/widgets/stock", "/safe/api/profile", "/safe/whoami", "/safe/orders/1001",
	"/safe/continue", "/safe/admin/login", "/safe/session/new", "/safe/upload", "/safe/legacy/report.php"}

// moreLinks is the part of the home pages that leads to these pages.
func moreLinks(prefix string) string {
	return `<ul>
<li><a href="` + prefix + `/feedback">Feedback</a></li>
<li><a href="` + prefix + `/whoami">Who am I</a></li>
<li><a href="` + prefix + `/orders/1001">Order 1001</a></li>
<li><a href="` + prefix + `/continue?to=/">Continue</a></li>
<li><a href="` + prefix + `/admin/login">Administration</a></li>
<li><a href="` + prefix + `/session/new">Start a session</a></li>
<li><a href="` + prefix + `/upload">Upload an avatar</a></li>
<li><a href="` + prefix + `/legacy/report.php">Legacy report</a></li>
<li><a href="` + prefix + `/phpinfo.php">PHP info</a> - <a href="` + prefix + `/server-status">server status</a></li>
</ul>
<div id="stock" data-src="` + prefix + `/widgets/stock?sku=A100"></div>
<script>
function saveProfile(nick) {
  fetch("` + prefix + `/api/profile", {
    method: "PUT",
    headers: {"Content-Type": "application/json", "Accept": "application/json"},
    body: JSON.stringify({"nickname": nick, "age": 30, "prefs": {"theme": "dark"}})
  });
}
</script>`
}

// --- a form whose action is "#", with a destructive second button -------

func (a *App) feedbackPage(w http.ResponseWriter, r *http.Request, safe bool, msg string) {
	token := ""
	if safe {
		token = `<input type="hidden" name="csrf_token" value="` + a.csrf + `">`
	}
	page(w, 200, "Feedback", msg+`<form action="#" method="post">`+token+`<input name="subject" value=""><textarea name="text"></textarea>
<input type="submit" name="send" value="Send feedback"><input type="submit" name="wipe" value="Clear all feedback"></form>`)
}

func (a *App) feedback(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.PostFormValue("wipe") != "" {
		// The scan must never press this: it would erase what it stored.
		a.mu.Lock()
		a.wiped++
		a.mu.Unlock()
	}
	msg := ""
	if r.Method == http.MethodPost && r.PostFormValue("send") != "" {
		_, err := a.db.Query(r.Context(), "SELECT id FROM products WHERE name = '"+r.PostFormValue("subject")+"'")
		if err != nil {
			msg = "<p>Database error: " + esc(err.Error()) + "</p>"
		} else {
			msg = "<p>Thanks for your feedback.</p>"
		}
	}
	a.feedbackPage(w, r, false, msg)
}

func (a *App) safeFeedback(w http.ResponseWriter, r *http.Request) {
	msg := ""
	if r.Method == http.MethodPost && r.PostFormValue("send") != "" {
		if r.PostFormValue("csrf_token") != a.csrf {
			page(w, 403, "Forbidden", "<p>Invalid CSRF token.</p>")
			return
		}
		_, _ = a.db.Query(r.Context(), "SELECT id FROM products WHERE name = ?", r.PostFormValue("subject"))
		msg = "<p>Thanks for your feedback.</p>"
	}
	a.feedbackPage(w, r, true, msg)
}

// Wiped counts how often the feedback form's "Clear all" was pressed.
func (a *App) Wiped() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.wiped
}

// --- a URL found only in a data-* attribute -------------------------------

func (a *App) stock(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Stock", "<p>Stock of "+r.URL.Query().Get("sku")+": 12</p>")
}

func (a *App) safeStock(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Stock", "<p>Stock of "+esc(r.URL.Query().Get("sku"))+": 12</p>")
}

// --- a JSON body a script sends with nested options -------------------------

func readJSONField(r *http.Request, name string) (string, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return "", false
	}
	m := regexp.MustCompile(`"` + regexp.QuoteMeta(name) + `"\s*:\s*"((?:[^"\\]|\\.)*)"`).FindSubmatch(b)
	if m == nil {
		return "", false
	}
	s, err := strconv.Unquote(`"` + string(m[1]) + `"`)
	return s, err == nil
}

func (a *App) apiProfile(w http.ResponseWriter, r *http.Request) {
	nick, ok := readJSONField(r, "nickname")
	if r.Method != http.MethodPut || !ok {
		jsonOut(w, 400, map[string]string{"error": "PUT a JSON body with a nickname"})
		return
	}
	// The nickname becomes part of the template: template injection.
	text(w, 200, renderTemplate("Saved profile of "+nick+".", nil))
}

func (a *App) safeAPIProfile(w http.ResponseWriter, r *http.Request) {
	nick, ok := readJSONField(r, "nickname")
	if r.Method != http.MethodPut || !ok {
		jsonOut(w, 400, map[string]string{"error": "PUT a JSON body with a nickname"})
		return
	}
	text(w, 200, renderTemplate("Saved profile of {{nick}}.", map[string]string{"nick": nick}))
}

// --- a request header echoed into the page ---------------------------------

func (a *App) whoami(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Who am I", "<p>Your browser: "+r.UserAgent()+"</p>")
}

func (a *App) safeWhoami(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Who am I", "<p>Your browser: "+esc(r.UserAgent())+"</p>")
}

// --- a value in a path segment ---------------------------------------------

func (a *App) orderByPath(w http.ResponseWriter, r *http.Request) {
	rows, err := a.db.Query(r.Context(), "SELECT id, item, status FROM orders WHERE id = "+r.PathValue("id"))
	if err != nil || len(rows) == 0 {
		page(w, 404, "Order", "<p>No such order.</p>")
		return
	}
	page(w, 200, "Order", "<p>Order "+esc(toStr(rows[0]["id"]))+": "+esc(toStr(rows[0]["item"]))+", "+esc(toStr(rows[0]["status"]))+"</p>")
}

func (a *App) safeOrderByPath(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		page(w, 400, "Order", "<p>The order number must be a number.</p>")
		return
	}
	rows, err := a.db.Query(r.Context(), "SELECT id, item, status FROM orders WHERE id = ?", int64(id))
	if err != nil || len(rows) == 0 {
		page(w, 404, "Order", "<p>No such order.</p>")
		return
	}
	page(w, 200, "Order", "<p>Order "+esc(toStr(rows[0]["id"]))+": "+esc(toStr(rows[0]["item"]))+", "+esc(toStr(rows[0]["status"]))+"</p>")
}

// --- a redirect through a meta refresh --------------------------------------

func (a *App) continueTo(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	page(w, 200, "Continue", `<meta http-equiv="refresh" content="0;url=`+esc(to)+`"><p>Taking you on.</p>`)
}

func (a *App) safeContinueTo(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		to = "/safe/"
	}
	page(w, 200, "Continue", `<meta http-equiv="refresh" content="0;url=`+esc(to)+`"><p>Taking you on.</p>`)
}

// --- a login form with a default password -----------------------------------

const adminForm = `<form method="post"><input name="user"><input type="password" name="pass"><input type="submit" name="signin" value="Sign in"></form>`

func (a *App) adminLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.PostFormValue("user") == "admin" && r.PostFormValue("pass") == "admin" {
		page(w, 200, "Administration", "<p>Welcome, administrator. 3 orders wait for approval.</p>")
		return
	}
	msg := ""
	if r.Method == http.MethodPost {
		msg = "<p>Wrong user name or password.</p>"
	}
	page(w, 200, "Administration", msg+adminForm)
}

func (a *App) safeAdminLogin(w http.ResponseWriter, r *http.Request) {
	msg := ""
	if r.Method == http.MethodPost {
		// No default account; a real password is never admin.
		msg = "<p>Wrong user name or password.</p>"
	}
	page(w, 200, "Administration", msg+strings.Replace(adminForm, "<form method=\"post\">", `<form method="post"><input type="hidden" name="csrf_token" value="`+a.csrf+`">`, 1))
}

// --- a predictable session cookie ---------------------------------------------

func (a *App) newSession(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		a.mu.Lock()
		a.sessionCounter++
		n := a.sessionCounter
		a.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "demo_sid", Value: strconv.Itoa(1000 + n), Path: "/session/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	page(w, 200, "Start a session", `<form method="post"><input type="submit" value="Start"></form>`)
}

func (a *App) safeNewSession(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		http.SetCookie(w, &http.Cookie{Name: "safe_demo_sid", Value: randHex(16), Path: "/safe/session/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	}
	page(w, 200, "Start a session", `<form method="post"><input type="hidden" name="csrf_token" value="`+a.csrf+`"><input type="submit" value="Start"></form>`)
}

// --- an upload that runs --------------------------------------------------------

const uploadForm = `<form method="post" enctype="multipart/form-data"><input type="file" name="avatar"><input type="submit" name="send" value="Upload"></form>`

// fakePHP is the one PHP statement the demo "runs": echo of concatenated
// string literals. It stands in for a server that executes uploads.
var fakePHP = regexp.MustCompile(`^<\?php echo ((?:"[^"]*"\s*\.?\s*)+); \?>$`)

func (a *App) upload(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		f, hdr, err := r.FormFile("avatar")
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(f, 4096))
			name := path0(hdr.Filename)
			a.mu.Lock()
			if len(a.uploads) < 1000 {
				a.uploads[name] = string(b)
			}
			a.mu.Unlock()
			page(w, 200, "Upload", "<p>Saved as <a href=\"/uploads/"+esc(name)+"\">/uploads/"+esc(name)+"</a>.</p>"+uploadForm)
			return
		}
	}
	page(w, 200, "Upload", uploadForm)
}

func path0(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func (a *App) uploaded(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	c, ok := a.uploads[r.PathValue("name")]
	a.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(r.PathValue("name"), ".php") {
		if m := fakePHP.FindStringSubmatch(strings.TrimSpace(c)); m != nil {
			var out strings.Builder
			for _, s := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
				out.WriteString(s[1])
			}
			text(w, 200, out.String())
			return
		}
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	io.WriteString(w, c)
}

func (a *App) safeUpload(w http.ResponseWriter, r *http.Request) {
	form := strings.Replace(uploadForm, `enctype="multipart/form-data">`, `enctype="multipart/form-data"><input type="hidden" name="csrf_token" value="`+a.csrf+`">`, 1)
	if r.Method == http.MethodPost {
		if _, _, err := r.FormFile("avatar"); err == nil {
			// Stored under a generated name outside the web root, never run.
			page(w, 200, "Upload", "<p>Thanks, your avatar will be reviewed.</p>"+form)
			return
		}
	}
	page(w, 200, "Upload", form)
}

// --- a backup copy of a script, phpinfo, server-status --------------------------

func (a *App) legacyReport(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Legacy report", "<p>Monthly totals: 42 orders.</p>")
}

func (a *App) legacyReportBackup(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	io.WriteString(w, "<?php\n// "+Banner+"\n$db = new PDO('mysql:host=db', 'report', 'demo-not-a-secret');\necho 'Monthly totals';\n")
}

func (a *App) safeLegacyReport(w http.ResponseWriter, r *http.Request) {
	page(w, 200, "Legacy report", "<p>Monthly totals: 42 orders.</p>")
}

func (a *App) phpinfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>phpinfo()</title></head><body><p>%s</p><table><tr class="h"><td><h1 class="p">PHP Version 7.4.3</h1></td></tr>
<tr><td class="e">System </td><td class="v">Linux demo 5.15.0 x86_64 </td></tr></table></body></html>`, esc(Banner))
}

func (a *App) serverStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, `<html><head><title>Apache Status</title></head><body><h1>Apache Server Status for %s (via 127.0.0.1)</h1><p>%s</p><dl><dt>Server Version: Apache/2.4.49 (Unix)</dt></dl></body></html>`, esc(r.Host), esc(Banner))
}
