package dast

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestScopeAllows(t *testing.T) {
	target, _ := url.Parse("http://127.0.0.1:8080/app/")
	s, err := NewScope(target, nil, []string{`/static/`})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url  string
		want bool
	}{
		{"http://127.0.0.1:8080/", true},
		{"http://127.0.0.1:8080/app/x?y=1", true},
		{"https://127.0.0.1:8080/", false},        // scheme
		{"http://127.0.0.1:8081/", false},         // port
		{"http://127.0.0.1/", false},              // default port 80
		{"http://localhost:8080/", false},         // other host name
		{"http://user@127.0.0.1:8080/", false},    // userinfo tricks
		{"http://127.0.0.1:8080/static/a", false}, // excluded
		{"http://127.0.0.1.evil.test:8080/", false},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		if got := s.Allows(u); got != tt.want {
			t.Errorf("Allows(%s) = %v, want %v", tt.url, got, tt.want)
		}
	}
	if !s.IsLoopback() {
		t.Error("127.0.0.1 must be loopback")
	}

	inc, _ := NewScope(target, []string{`^http://127\.0\.0\.1:8080/app/`}, nil)
	for u, want := range map[string]bool{"http://127.0.0.1:8080/app/a": true, "http://127.0.0.1:8080/other": false} {
		pu, _ := url.Parse(u)
		if got := inc.Allows(pu); got != want {
			t.Errorf("include: Allows(%s) = %v, want %v", u, got, want)
		}
	}
	if _, err := NewScope(target, []string{"("}, nil); err == nil {
		t.Error("a bad --include regex must be an error")
	}
	ftp, _ := url.Parse("ftp://example.test/")
	if _, err := NewScope(ftp, nil, nil); err == nil {
		t.Error("ftp targets must be refused")
	}
}

// TestScopePatterns checks that --include and --exclude cannot be
// side-stepped by percent-encoding and that patterns anchored at the path
// work.
func TestScopePatterns(t *testing.T) {
	target, _ := url.Parse("http://app.test/")
	tests := []struct {
		name             string
		include, exclude []string
		url              string
		want             bool
	}{
		{"exclude plain", nil, []string{`/admin`}, "http://app.test/admin/x", false},
		{"exclude escaped letter", nil, []string{`/admin`}, "http://app.test/%61dmin/x", false},
		{"exclude escaped slash", nil, []string{`/admin/`}, "http://app.test/admin%2Fy", false},
		{"exclude escaped query", nil, []string{`action=delete`}, "http://app.test/x?action=%64elete", false},
		{"exclude other path kept", nil, []string{`/admin`}, "http://app.test/public", true},
		{"include escaped", []string{`/app/`}, nil, "http://app.test/%61pp/x", true},
		{"exclude anchored at the path", nil, []string{`^/admin`}, "http://app.test/admin/x", false},
		{"exclude anchored at the path, query", nil, []string{`^/x\?action=delete$`}, "http://app.test/x?action=delete", false},
		{"exclude anchored at the path keeps others", nil, []string{`^/admin`}, "http://app.test/x/admin", true},
		{"include anchored at the path", []string{`^/app/`}, nil, "http://app.test/app/x", true},
		{"include anchored at the path refuses others", []string{`^/app/`}, nil, "http://app.test/other/app/", false},
		{"include anchored at the URL", []string{`^http://app\.test/app/`}, nil, "http://app.test/app/x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewScope(target, tt.include, tt.exclude)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Allows(mustURL(t, tt.url)); got != tt.want {
				t.Errorf("Allows(%s) with include %q exclude %q = %v, want %v", tt.url, tt.include, tt.exclude, got, tt.want)
			}
		})
	}
}

// TestExcludedPathsNeverRequested crawls a page whose links reach an
// excluded path through percent-encoding: the path must see no request.
func TestExcludedPathsNeverRequested(t *testing.T) {
	var excluded atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/admin") {
			excluded.Add(1)
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<a href="/%61dmin/x">a</a><a href="/admin%2Fy">b</a><a href="/ADMIN/z">c</a><a href="/public?q=1">p</a>`)
	}))
	defer srv.Close()
	if _, err := Scan(context.Background(), Options{Target: srv.URL, Exclude: []string{`(?i)/admin`}, Rate: -1, MaxDuration: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if n := excluded.Load(); n != 0 {
		t.Errorf("the excluded /admin path received %d requests", n)
	}
}

// TestTargetOutsidePatterns: a start URL that --include or --exclude
// rules out is a usage error that names the pattern, not a refused
// request.
func TestTargetOutsidePatterns(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	tests := []struct {
		name             string
		include, exclude []string
		want             string
	}{
		{"include", []string{`^/app/`}, nil, `the target http://` + strings.TrimPrefix(srv.URL, "http://") + `/ itself is not matched by --include`},
		{"exclude", nil, []string{`^/$`}, `is matched by --exclude`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Scan(context.Background(), Options{Target: srv.URL + "/", Include: tt.include, Exclude: tt.exclude, Rate: -1})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the target received %d requests", n)
	}
}
