package dast

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestCredentialsNeverInEvidence scans an application whose debug pages
// echo what the scanner sent: its --header credentials, the session cookie
// the login set and the login password. No issue and no warning may carry
// them, in any of the forms a page prints them (raw, URL- or
// HTML-escaped).
func TestCredentialsNeverInEvidence(t *testing.T) {
	const (
		bearer   = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWJlYXJlcg.Zm9vYmFy"
		apiKey   = "ak_live_9f8e7d6c5b4a"
		cookie   = "c00kie-from-header-7731"
		session  = "sess-from-login-44a1b2c3"
		password = "Pa$$w0rd&Secret!"
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.FormValue("password") == password {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: session, Path: "/", HttpOnly: true})
			http.Redirect(w, r, "/home", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<form method="post" action="/login"><input name="user"><input type="password" name="password"></form>`)
	})
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<p>Sign out</p><a href="/debug">debug</a><a href="/echo?q=1">echo</a><a href="/json">json</a>`)
	})
	// A framework debug page: a stack trace followed by the request headers.
	mux.HandleFunc("/debug", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<pre>Traceback (most recent call last):\n  File \"app.py\", line 1\n")
		for k, vs := range r.Header {
			fmt.Fprintf(w, "%s: %s\n", k, html.EscapeString(strings.Join(vs, ", ")))
		}
		fmt.Fprintf(w, "password=%s</pre>", url.QueryEscape(password))
	})
	// Reflects its parameter unescaped (an XSS whose evidence also shows
	// the request headers).
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<p>%s</p><!-- %s %s -->", r.URL.Query().Get("q"), r.Header.Get("Authorization"), r.Header.Get("Cookie"))
	})
	// An API that echoes the headers in JSON with a permissive CORS policy.
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		fmt.Fprintf(w, `{"auth": %q, "key": %q, "cookie": %q}`, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := Scan(context.Background(), Options{
		Target: srv.URL + "/home", Rate: -1, MaxDuration: 30 * time.Second,
		Header:    http.Header{"Authorization": {"Bearer " + bearer}, "X-Api-Key": {apiKey}, "Cookie": {"pref=" + cookie}},
		LoginURL:  "/login",
		LoginData: "user=scanner&password=" + url.QueryEscape(password), LoggedInRegex: "Sign out",
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]bool{}
	for _, i := range res.Issues {
		checks[i.Check] = true
	}
	for _, c := range []string{CheckStackTrace, CheckXSSReflected, CheckCORS} {
		if !checks[c] {
			t.Errorf("expected a %s issue whose evidence echoes the credentials; got %v", c, checks)
		}
	}
	secrets := []string{bearer, apiKey, cookie, session, password, url.QueryEscape(password), html.EscapeString(password)}
	for _, i := range res.Issues {
		for _, field := range []string{i.Request, i.Response, i.Detail, i.URL, i.Param} {
			for _, s := range secrets {
				if strings.Contains(field, s) {
					t.Errorf("%s on %s carries the credential %q:\n%s", i.Check, i.URL, s, field)
				}
			}
		}
	}
	for _, w := range res.Warnings {
		for _, s := range secrets {
			if strings.Contains(w, s) {
				t.Errorf("warning carries the credential %q: %s", s, w)
			}
		}
	}
}

// Every --header value is a credential whatever its name, and a login
// value is recognised however the page escapes it: JSON with \" and \/
// (PHP), with \u003c (Go), with non-ASCII as \uXXXX, or HTML-escaped
// with &#039; (PHP's htmlspecialchars).
func TestEveryHeaderAndLoginValueIsRedacted(t *testing.T) {
	const (
		accessKey = "AKIA-access-7f3e9"
		apimKey   = "0123456789abcdef0123456789abcdef"
		password  = `s3cr"t/<pässwörd>'`
		user      = "scanner.bot"
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.FormValue("pw") == password {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "sid-value-0042", Path: "/"})
			http.Redirect(w, r, "/home", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<form method="post" action="/login"><input name="name"><input type="password" name="pw"><input type="submit" name="Login" value="Login"></form>`)
	})
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<p>Sign out</p><a href="/api/me?q=1">me</a>`)
	})
	// Echoes the query unescaped (an XSS) and, in its page, the request's
	// headers and the account's name and password as PHP and Go print them.
	mux.HandleFunc("/api/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		goJSON, _ := json.Marshal(map[string]string{"user": user, "pw": password, "key": r.Header.Get("X-Access-Key")})
		php := strings.NewReplacer(`/`, `\/`, "ä", `\u00e4`, "ö", `\u00f6`).Replace(strings.ReplaceAll(password, `"`, `\"`))
		fmt.Fprintf(w, "<p>%s</p><script>var me = %s; var p = \"%s\"; var k = \"%s\";</script><input value='%s'>",
			r.URL.Query().Get("q"), goJSON, php, r.Header.Get("Ocp-Apim-Subscription-Key"),
			strings.NewReplacer("'", "&#039;", `"`, "&quot;", "<", "&lt;", ">", "&gt;").Replace(password))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := Scan(context.Background(), Options{
		Target: srv.URL + "/home", Rate: -1, MaxDuration: 30 * time.Second,
		Header:    http.Header{"X-Access-Key": {accessKey}, "Ocp-Apim-Subscription-Key": {apimKey}},
		LoginURL:  "/login",
		LoginData: url.Values{"name": {user}, "pw": {password}, "Login": {"Login"}}.Encode(), LoggedInRegex: "Sign out",
	})
	if err != nil {
		t.Fatal(err)
	}
	xss := false
	for _, i := range res.Issues {
		xss = xss || i.Check == CheckXSSReflected
		for _, field := range []string{i.Request, i.Response, i.Detail, i.URL} {
			for _, s := range escapings(password) {
				if strings.Contains(field, s) {
					t.Errorf("%s carries the password as %q:\n%s", i.Check, s, field)
				}
			}
			for _, s := range []string{accessKey, apimKey, user, `\"t\/`, `\u003c`} {
				if strings.Contains(field, s) {
					t.Errorf("%s carries %q:\n%s", i.Check, s, field)
				}
			}
		}
	}
	if !xss {
		t.Fatalf("expected a reflected XSS whose evidence shows the echoed credentials; got %+v", res.Issues)
	}
}
