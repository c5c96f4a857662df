package demo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFakeSQL(t *testing.T) {
	db := newDatabase()
	db.maxSleep = 200 * time.Millisecond
	q := func(where string) (int, error) {
		rows, err := db.Query(context.Background(), "SELECT name FROM products WHERE "+where)
		return len(rows), err
	}
	tests := []struct {
		where   string
		rows    int
		errHas  string
		minTime time.Duration
	}{
		{"id = 1", 1, "", 0},
		{"id = 1 AND 1=1", 1, "", 0},
		{"id = 1 AND 1=2", 0, "", 0},
		{"name LIKE '%mug%'", 1, "", 0},
		{"name LIKE '%mug'' AND ''1''=''1%'", 0, "", 0},
		{"name LIKE '%x%' OR 1=1", 3, "", 0},
		{"name LIKE '%x' OR '1'='1%'", 0, "", 0},
		{"name LIKE '%x'%'", 0, "unrecognized token", 0},
		{"id = 1'", 0, "unrecognized token", 0},
		{"id = 1 AND", 0, "incomplete input", 0},
		{"id = 1abc", 0, "unrecognized token", 0},
		{"id = 1 AND SLEEP(0.1)-- -", 0, "", 100 * time.Millisecond},
		{"name = 'a'||pg_sleep(0.1)--'", 0, "", 100 * time.Millisecond},
		{"id = 1 AND SLEEP(9)", 0, "", 200 * time.Millisecond}, // capped
		{"id = 1; DROP TABLE products", 0, "syntax error", 0},
		{"nope = 1", 0, "no such column", 0},
	}
	for _, tt := range tests {
		start := time.Now()
		n, err := q(tt.where)
		d := time.Since(start)
		if tt.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("%s: err = %v, want %q", tt.where, err, tt.errHas)
			}
			continue
		}
		if err != nil || n != tt.rows {
			t.Errorf("%s: %d rows, err %v; want %d rows", tt.where, n, err, tt.rows)
		}
		if d < tt.minTime || (tt.minTime > 0 && d > tt.minTime+time.Second) {
			t.Errorf("%s took %s, want about %s", tt.where, d, tt.minTime)
		}
	}
	rows, err := db.Query(context.Background(), "SELECT name FROM products WHERE name LIKE ?", "%' OR '1'='1%")
	if err != nil || len(rows) != 0 {
		t.Errorf("placeholder must bind a value, not SQL: %d rows, %v", len(rows), err)
	}
}

func TestFakeShell(t *testing.T) {
	sh := fakeShell{maxSleep: time.Second}
	ctx := context.Background()
	tests := []struct{ line, has, hasNot string }{
		{"ping -c 1 127.0.0.1", "64 bytes from 127.0.0.1", ""},
		{"ping -c 1 127.0.0.1;expr 2 + 3", "\n5\n", ""},
		{"ping -c 1 x|id", "uid=33(www-data)", ""},
		{"ping -c 1 $(expr 20 + 22)", "PING 42", ""},
		{"ping -c 1 `whoami`", "PING www-data", ""},
		{"cat /etc/passwd", "root:x:0:0:", ""},
		{"cat /etc/shadow", "No such file", "root"},
		{"rm -rf /", "rm: not found", ""},
	}
	for _, tt := range tests {
		out := sh.Run(ctx, tt.line)
		if !strings.Contains(out, tt.has) || (tt.hasNot != "" && strings.Contains(out, tt.hasNot)) {
			t.Errorf("%q -> %q, want %q", tt.line, out, tt.has)
		}
	}
	if got := renderTemplate("Hello {{7*7}}!", nil); got != "Hello 49!" {
		t.Errorf("template: %q", got)
	}
	if got := renderTemplate("Hello {{name}}!", map[string]string{"name": "{{7*7}}"}); got != "Hello {{7*7}}!" {
		t.Errorf("template data must not be evaluated: %q", got)
	}
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:8080", false, true},
		{"[::1]:8080", false, true},
		{"localhost:0", false, true},
		{"0.0.0.0:8080", false, false},
		{"192.168.1.10:8080", false, false},
		{":8080", false, false},
		{"0.0.0.0:8080", true, true},
		{"nonsense", false, false},
	}
	for _, tt := range tests {
		err := CheckAddr(tt.addr, tt.remote)
		if (err == nil) != tt.ok {
			t.Errorf("CheckAddr(%q, %v) = %v", tt.addr, tt.remote, err)
		}
	}
}

func TestEveryPageCarriesTheBanner(t *testing.T) {
	srv := httptest.NewServer(New().Handler())
	defer srv.Close()
	for _, p := range append([]string{"/", "/greet?name=x", "/ping?host=127.0.0.1", "/backup/", "/login", "/hello?name=x", "/download?file=report.txt"}, SafePaths()...) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 4096)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		body := string(b[:n])
		if !strings.Contains(body, "DELIBERATELY VULNERABLE") {
			t.Errorf("%s does not carry the banner: %.200q", p, body)
		}
	}
}

func TestSSRFEndpointStaysOnLoopback(t *testing.T) {
	a := New()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/fetch?url=http://192.0.2.1/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Errorf("fetching a non-loopback address: status %d, want 502", resp.StatusCode)
	}
}

func TestServeRefusesRemote(t *testing.T) {
	err := Serve(context.Background(), "0.0.0.0:0", false, nil)
	if err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", false, func(a string) { got <- a }) }()
	addr := <-got
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
}
