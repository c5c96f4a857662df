package dast

import (
	"net/url"
	"testing"
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
