package dast

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// A login form that accepts admin/password is reported; one that answers
// every guess alike, or that starts saying "locked" after failures, is not.
func TestDefaultCredentials(t *testing.T) {
	form := `<form action="/brute.php" method="GET"><input name="username"><input type="password" name="password"><input type="submit" name="Login" value="Login"></form>`
	tests := []struct {
		name string
		ok   func(user, pass string, fails int) string
		want bool
	}{
		{"admin/password accepted", func(u, p string, _ int) string {
			if u == "admin" && p == "password" {
				return "<p>Welcome to the password protected area admin</p><img src=\"/hackable/users/admin.jpg\">"
			}
			return "<pre>Username and/or password incorrect.</pre>"
		}, true},
		{"nothing accepted", func(u, p string, _ int) string { return "<pre>Username and/or password incorrect.</pre>" }, false},
		{"unknown users told apart", func(u, p string, _ int) string {
			if u == "admin" {
				return "<pre>Wrong password for this account, please try again later.</pre>"
			}
			return "<pre>No such user.</pre>"
		}, false},
		{"lockout after two failures", func(u, p string, fails int) string {
			if fails >= 2 {
				return "<pre>This account is locked for fifteen minutes after too many failures.</pre>"
			}
			return "<pre>Username and/or password incorrect.</pre>"
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			fails := map[string]int{}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				if r.URL.Path == "/brute.php" && r.FormValue("Login") != "" {
					u := r.FormValue("username")
					mu.Lock()
					out := tt.ok(u, r.FormValue("password"), fails[u])
					fails[u]++
					mu.Unlock()
					fmt.Fprint(w, form+out)
					return
				}
				fmt.Fprint(w, `<a href="/brute.php">brute</a>`+form)
			})
			s := scanApp(t, h, Options{Target: "/"})
			if got := s.found(CheckWeakLogin, "/brute.php", "password"); got != tt.want {
				t.Errorf("weak-credentials reported %v, want %v; got %q", got, tt.want, s.issues())
			}
			mu.Lock()
			defer mu.Unlock()
			for u, n := range fails {
				// Controls, guesses and confirmations: the attacks on the
				// form's fields use other user names.
				if n > 6 && (u == "admin" || u == "root") {
					t.Errorf("%d failed logins for %s", n, u)
				}
			}
		})
	}
}

// An upload form whose files the server runs is reported; one that stores
// them but serves them as text is not.
func TestUploadedScriptExecuted(t *testing.T) {
	php := regexp.MustCompile(`<\?php echo "([a-z]+)" \. "([a-z0-9]+)" \. "([a-z]+)"; \?>`)
	for _, executes := range []bool{true, false} {
		t.Run(fmt.Sprint("executes=", executes), func(t *testing.T) {
			var mu sync.Mutex
			files := map[string]string{}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/upload/" && r.Method == http.MethodPost:
					f, hdr, err := r.FormFile("uploaded")
					if err != nil || r.FormValue("Upload") == "" {
						http.Error(w, "no file", 400)
						return
					}
					b, _ := io.ReadAll(f)
					mu.Lock()
					files["/hackable/uploads/"+hdr.Filename] = string(b)
					mu.Unlock()
					w.Header().Set("Content-Type", "text/html")
					fmt.Fprintf(w, "<pre>../../hackable/uploads/%s succesfully uploaded!</pre>", hdr.Filename)
				case strings.HasPrefix(r.URL.Path, "/hackable/uploads/"):
					mu.Lock()
					c, ok := files[r.URL.Path]
					mu.Unlock()
					if !ok {
						http.NotFound(w, r)
						return
					}
					if m := php.FindStringSubmatch(c); executes && m != nil {
						io.WriteString(w, m[1]+m[2]+m[3]) // what PHP would print
						return
					}
					w.Header().Set("Content-Type", "text/plain")
					io.WriteString(w, c)
				default:
					w.Header().Set("Content-Type", "text/html")
					fmt.Fprint(w, `<form enctype="multipart/form-data" action="/upload/" method="POST"><input type="hidden" name="MAX_FILE_SIZE" value="100000"><input name="uploaded" type="file"><input type="submit" name="Upload" value="Upload"></form>`)
				}
			})
			s := scanApp(t, h, Options{Target: "/", PassiveOnly: false})
			if got := s.found(CheckUpload, "/upload/", "uploaded"); got != executes {
				t.Errorf("file-upload-executed reported %v, want %v; got %q", got, executes, s.issues())
			}
		})
	}
}

// A front controller answers index.php?page=NAME for many names and the
// same page at any path: every page is crawled, aliases are not, and
// findings name the page they are on.
func TestFrontControllerPages(t *testing.T) {
	pages := []string{"home.php", "login.php", "dns-lookup.php", "user-info.php", "show-log.php"}
	menu := ""
	for _, p := range pages {
		menu += `<li><a href="index.php?page=` + p + `">` + p + `</a></li>`
	}
	// Relative links resolve deeper and deeper from an alias path.
	menu += `<a href="styles/">styles</a><a href="documentation/">docs</a>` + strings.Repeat("<!-- padding so the page is a real page -->", 60)
	var mu sync.Mutex
	var log []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		page := r.URL.Query().Get("page")
		if page == "" {
			page = "home.php"
		}
		body := ""
		switch page {
		case "dns-lookup.php":
			if v := r.FormValue("target_host"); v != "" {
				mu.Lock()
				log = append(log, v)
				mu.Unlock()
			}
			body = `<form method="post" action="index.php?page=dns-lookup.php"><input name="target_host"><input type="submit" name="dns-lookup-php-submit-button" value="Lookup DNS"></form>`
		case "user-info.php":
			// The same field name as the DNS form, on another page.
			body = `<form method="post" action="index.php?page=user-info.php"><input name="target_host"><input type="submit" name="user-info-php-submit-button" value="View"></form>`
			if v := r.FormValue("target_host"); strings.Contains(v, "'") {
				body += "<pre>You have an error in your SQL syntax near '" + v + "'</pre>"
			}
		case "show-log.php":
			mu.Lock()
			for _, l := range log {
				body += "<td>" + l + "</td>"
			}
			mu.Unlock()
		}
		fmt.Fprintf(w, "<html><body><h1>%s</h1>%s<ul>%s</ul></body></html>", strings.TrimSuffix(page, ".php"), body, menu)
	})
	s := scanApp(t, h, Options{Target: "/index.php"})
	for _, p := range pages {
		if s.requested("GET /index.php?page="+p) == 0 {
			t.Errorf("page %s never crawled", p)
		}
	}
	if n := s.requested("GET /styles/styles/"); n != 0 {
		t.Errorf("crawled %d alias paths", n)
	}
	for _, want := range [][2]string{
		{CheckXSSStored, "/index.php?page=dns-lookup.php target_host"},
		{CheckSQLiError, "/index.php?page=user-info.php target_host"},
	} {
		found := false
		for _, i := range s.res.Issues {
			u := strings.TrimPrefix(i.URL, s.res.Target[:len(s.res.Target)-1])
			if i.Check == want[0] && u+" "+i.Param == want[1] {
				found = true
				if i.Check == CheckXSSStored && !strings.HasSuffix(i.SeenAt, "/index.php?page=show-log.php") {
					t.Errorf("stored XSS seen at %q, want the log page", i.SeenAt)
				}
			}
		}
		if !found {
			var got []string
			for _, i := range s.res.Issues {
				got = append(got, i.Check+" "+i.URL+" "+i.Param)
			}
			t.Errorf("no %s on %s; got %q", want[0], want[1], got)
		}
	}
	// --include on the route keeps that page's targets.
	s = scanApp(t, h, Options{Target: "/index.php?page=user-info.php", Include: []string{`page=user-info\.php`}})
	found := false
	for _, i := range s.res.Issues {
		found = found || i.Check == CheckSQLiError && strings.HasSuffix(i.URL, "/index.php?page=user-info.php") && i.Param == "target_host"
	}
	if !found {
		t.Errorf("with --include page=user-info.php, the page's form was not attacked: %q", s.issues())
	}
	_ = time.Second
}
