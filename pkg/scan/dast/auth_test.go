package dast

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/demo"
)

// TestLoginAndRelogin signs in to the demo with its login form, loses the
// session midway (the server forgets every session) and must sign in
// again, reaching the page behind the login each time.
func TestLoginAndRelogin(t *testing.T) {
	app := demo.New()
	var accountOK, n atomic.Int64
	h := app.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 40 {
			app.DropSessions()
		}
		if r.URL.Path == "/logout" || r.URL.Path == "/account/delete" {
			t.Errorf("requested %s", r.URL.Path)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if r.URL.Path == "/account" && rec.Code == 200 {
			accountOK.Add(1)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()

	res, err := Scan(context.Background(), Options{
		Target: srv.URL, Rate: -1, PassiveOnly: true, MaxDuration: 20 * time.Second,
		LoginURL: "/login", LoginData: "username=demo&password=demo", LoggedInRegex: `Logged in as demo`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if accountOK.Load() == 0 {
		t.Error("the crawler never reached /account as a signed-in user")
	}
	if res.Stats.Relogins < 1 {
		t.Errorf("relogins = %d, want at least 1 after the session was dropped", res.Stats.Relogins)
	}

	_, err = Scan(context.Background(), Options{
		Target: srv.URL, Rate: -1, PassiveOnly: true, MaxDuration: 10 * time.Second,
		LoginURL: "/login", LoginData: "username=demo&password=wrong", LoggedInRegex: `Logged in as demo`,
	})
	if err == nil || !strings.Contains(err.Error(), "does not match --logged-in-regex") {
		t.Errorf("wrong password: err = %v", err)
	}
}

// TestHeaderAuth sends --header values on every request.
func TestHeaderAuth(t *testing.T) {
	var bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t0ken" || !strings.Contains(r.Header.Get("Cookie"), "sid=abc") {
			bad.Add(1)
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<a href="/a?x=1">a</a>`))
	}))
	defer srv.Close()
	_, err := Scan(context.Background(), Options{Target: srv.URL, Rate: -1, MaxDuration: 10 * time.Second,
		Header: http.Header{"Authorization": {"Bearer t0ken"}, "Cookie": {"sid=abc"}}})
	if err != nil {
		t.Fatal(err)
	}
	if bad.Load() != 0 {
		t.Errorf("%d requests lacked the configured headers", bad.Load())
	}
}

func TestEvidenceIsRedacted(t *testing.T) {
	req := &Request{Method: "POST", URL: mustURL(t, "http://a.test/x?token=s3cr3t&q=1"),
		Header: http.Header{"Authorization": {"Bearer s3cr3t"}}, Body: []byte("user=a&password=s3cr3t")}
	got := dumpRequest(req)
	if strings.Contains(got, "s3cr3t") {
		t.Errorf("secret in evidence:\n%s", got)
	}
}
