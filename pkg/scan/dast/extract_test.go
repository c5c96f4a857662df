package dast

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestExtractHTML(t *testing.T) {
	base := mustURL(t, "http://app.test/dir/page.html")
	doc := `<html><head><base href="/root/"><meta http-equiv="refresh" content="5; URL='/refreshed'"></head><body>
<a href="a?x=1#frag">a</a> <a href="javascript:alert(1)">js</a> <a href="mailto:x@y">m</a> <a href="#top">top</a>
<area href="/area"><iframe src="//app.test/frame"></iframe><link href="style.css">
<form action="/login" method="POST">
 <input type="hidden" name="csrf" value="tok123456">
 <input name="user"><input type="password" name="pass">
 <input type="checkbox" name="remember" value="yes" checked>
 <select name="role"><option value="a">A</option><option value="b" selected>B</option></select>
 <textarea name="bio">hello</textarea>
 <input type="submit" name="go" value="Go"><input type="file" name="f">
</form>
<form><input name="q"></form>
<script>var api = "/api/v1/items"; var x = 'not a url'; var p = "page.php?id=2";
fetch("/api/orders", {method: "POST", body: JSON.stringify({"order": "1001", "n": 2})});</script>
</body></html>`
	ex := ExtractHTML(base, []byte(doc))
	var links []string
	for _, l := range ex.Links {
		links = append(links, l.String())
	}
	wantLinks := []string{
		"http://app.test/refreshed", "http://app.test/root/a?x=1", "http://app.test/area", "http://app.test/frame",
		"http://app.test/root/style.css", "http://app.test/api/v1/items", "http://app.test/root/page.php?id=2", "http://app.test/api/orders",
	}
	if !reflect.DeepEqual(links, wantLinks) {
		t.Errorf("links\n got %q\nwant %q", links, wantLinks)
	}
	if len(ex.Forms) != 2 {
		t.Fatalf("got %d forms, want 2", len(ex.Forms))
	}
	login := ex.Forms[0]
	if login.Method != "POST" || login.Action.String() != "http://app.test/login" {
		t.Errorf("login form: %s %s", login.Method, login.Action)
	}
	wantFields := []Field{
		{"csrf", "hidden", "tok123456"}, {"user", "text", ""}, {"pass", "password", ""}, {"remember", "checkbox", "yes"},
		{"role", "select", "b"}, {"bio", "textarea", "hello"},
	}
	if !reflect.DeepEqual(login.Fields, wantFields) {
		t.Errorf("fields\n got %+v\nwant %+v", login.Fields, wantFields)
	}
	if want := []Button{{Name: "go", Value: "Go", Label: "Go"}}; !reflect.DeepEqual(login.Buttons, want) {
		t.Errorf("buttons\n got %+v\nwant %+v", login.Buttons, want)
	}
	// A form without an action submits to the document's own URL.
	if q := ex.Forms[1]; q.Method != "GET" || q.Action.String() != "http://app.test/dir/page.html" {
		t.Errorf("search form: %s %s", q.Method, q.Action)
	}
	if len(ex.JSON) != 1 || ex.JSON[0].URL.Path != "/api/orders" || ex.JSON[0].Body["order"] != "1001" {
		t.Errorf("JSON calls: %+v", ex.JSON)
	}
	tg := targetFromJSON(ex.JSON[0], "")
	if len(tg.Params) != 2 || tg.Params[0].Name != "n" || tg.Params[1].Name != "order" {
		t.Errorf("JSON target params: %+v", tg.Params)
	}
}

func TestParseRobotsAndSitemap(t *testing.T) {
	base := mustURL(t, "http://app.test/robots.txt")
	got := parseRobots(base, []byte("User-agent: *\nDisallow: /admin/ # secret\nAllow: /public*\nDisallow: /\nSitemap: http://app.test/s.xml\nCrawl-delay: 5\n"))
	var s []string
	for _, u := range got {
		s = append(s, u.String())
	}
	want := []string{"http://app.test/admin/", "http://app.test/public", "http://app.test/s.xml"}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("robots: got %q want %q", s, want)
	}
	sm := parseSitemap([]byte(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://app.test/a</loc></url><url><loc>javascript:x</loc></url></urlset>`))
	if len(sm) != 1 || sm[0].String() != "http://app.test/a" {
		t.Errorf("sitemap: %v", sm)
	}
}

func TestExecutableContexts(t *testing.T) {
	m := "secopsxabc123"
	tests := []struct {
		body string
		want bool
	}{
		{`<img src=x onerror=secopsxabc123()>`, true},
		{`&lt;img src=x onerror=secopsxabc123()&gt;`, false},
		{`<input value="&quot;><img src=x onerror=secopsxabc123()>">`, false},
		{`<script>var q = '';secopsxabc123();//';</script>`, true},
		{`<script>var q = '\';secopsxabc123();//';</script>`, false},
		{`<script>var q = "\";secopsxabc123();//";</script>`, false},
		{`<a href="javascript:secopsxabc123()">x</a>`, true},
		{`<textarea><img src=x onerror=secopsxabc123()></textarea>`, false},
		{`<!-- <img src=x onerror=secopsxabc123()> -->`, false},
	}
	for _, tt := range tests {
		if got := executable([]byte(tt.body), m); got != tt.want {
			t.Errorf("executable(%q) = %v, want %v", tt.body, got, tt.want)
		}
	}
}

func FuzzExtractHTML(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "extract", "*.html"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<form action="/x" method=post><input name=a><select name=s><option value=1></select><textarea name=t>`))
	f.Add([]byte(`<script>fetch("/a", {method: "PUT", body: JSON.stringify({"k": 1})})</script><base href="//evil">`))
	base := mustURLF("http://app.test/p")
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				panic(fmt.Sprintf("input of %d bytes took over 10s: %q", len(data), data))
			}
		}()
		ex := ExtractHTML(base, data)
		if len(ex.Links) > maxExtracted || len(ex.Forms) > maxExtracted {
			t.Fatalf("too many results: %d links %d forms", len(ex.Links), len(ex.Forms))
		}
		for _, l := range ex.Links {
			if l.Scheme != "http" && l.Scheme != "https" {
				t.Fatalf("non-http link %q", l)
			}
			if l.Fragment != "" {
				t.Fatalf("link keeps fragment %q", l)
			}
		}
		for _, fm := range ex.Forms {
			if fm.Method != "GET" && fm.Method != "POST" {
				t.Fatalf("method %q", fm.Method)
			}
			if fm.Action == nil {
				t.Fatal("nil action")
			}
			tg, _ := targetFromForm(fm)
			_ = tg.Baseline()
		}
		_ = executable(data, "secopsxabc")
		_ = reflectionContexts(data, "sx")
	})
}

func FuzzRobotsSitemap(f *testing.F) {
	f.Add([]byte("User-agent: *\nDisallow: /admin/\nSitemap: /s.xml\n"))
	f.Add([]byte(`<urlset><url><loc>http://app.test/a</loc></url></urlset>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc>http://app.test/s2.xml</loc></sitemap></sitemapindex>`))
	base := mustURLF("http://app.test/robots.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, u := range append(parseRobots(base, data), parseSitemap(data)...) {
			if u.Scheme != "http" && u.Scheme != "https" {
				t.Fatalf("non-http URL %q", u)
			}
		}
		links, _ := ExtractScript(base, string(data))
		if len(links) > maxExtracted {
			t.Fatalf("%d links", len(links))
		}
	})
}
