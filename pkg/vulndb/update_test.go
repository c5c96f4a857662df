package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// zipOf builds an OSV export zip of the named test records.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, body := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTestRecord(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/db", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUpdateAndStatus(t *testing.T) {
	export := zipOf(t, map[string]string{
		"TEST-GEM-1.json": readTestRecord(t, "RubyGems/TEST-GEM-1.json"),
	})
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests = append(requests, r.Method+" "+r.URL.Path)
		switch r.URL.Path {
		case "/RubyGems/all.zip":
			w.Header().Set("ETag", `"abc"`)
			w.Header().Set("Last-Modified", "Fri, 27 Nov 2026 10:00:00 GMT")
			w.Write(export)
		case "/npm/all.zip":
			w.Write([]byte("<html>not a zip</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	dir := t.TempDir()
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	u := &Updater{Dir: dir, BaseURL: srv.URL, HTTP: srv.Client(), Now: func() time.Time { return t0 }}
	got, err := u.Update(context.Background(), []string{"RubyGems"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Count != 1 || got[0].ETag != `"abc"` || got[0].LastModified == "" || !got[0].DownloadedAt.Equal(t0) {
		t.Errorf("metadata = %+v", got)
	}
	zipPath := filepath.Join(dir, "osv-scalibr", "RubyGems", "all.zip")
	if b, err := os.ReadFile(zipPath); err != nil || !bytes.Equal(b, export) {
		t.Fatalf("all.zip not written in osv-scanner's layout: %v", err)
	}
	if _, ok := readIndex(zipPath); !ok {
		t.Error("update wrote no name index")
	}

	// A bad download keeps the previous copy; a 404 is an error too.
	npmDir := filepath.Join(dir, "osv-scalibr", "npm")
	os.MkdirAll(npmDir, 0o755)
	old := zipOf(t, map[string]string{"TEST-NPM-1.json": readTestRecord(t, "npm/TEST-NPM-1.json")})
	os.WriteFile(filepath.Join(npmDir, "all.zip"), old, 0o644)
	_, err = u.Update(context.Background(), []string{"npm", "Nope", "../x"})
	if err == nil || !strings.Contains(err.Error(), "not a readable zip") || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "not an OSV ecosystem name") {
		t.Errorf("Update error = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(npmDir, "all.zip")); !bytes.Equal(b, old) {
		t.Error("a bad download replaced the previous all.zip")
	}
	if ents, _ := os.ReadDir(npmDir); len(ents) != 1 {
		t.Errorf("temp files left behind: %v", ents)
	}

	// Status: RubyGems from metadata, npm from the file itself.
	os.Chtimes(filepath.Join(npmDir, "all.zip"), t0.Add(-10*24*time.Hour), t0.Add(-10*24*time.Hour))
	st, err := ReadStatus(dir, t0.Add(3*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 {
		t.Fatalf("status = %+v", st)
	}
	if st[0].Ecosystem != "RubyGems" || st[0].Count != 1 || st[0].Age != 72*time.Hour || st[0].Stale || !st[0].Downloaded {
		t.Errorf("RubyGems status = %+v", st[0])
	}
	if st[1].Ecosystem != "npm" || st[1].Count != 1 || !st[1].Stale || st[1].Downloaded {
		t.Errorf("npm status = %+v", st[1])
	}

	// osv-scanner replacing the zip makes secops's metadata stale: the
	// status then reads the zip itself.
	os.WriteFile(zipPath, zipOf(t, map[string]string{
		"A.json": `{"id": "A", "modified": "2026-01-01T00:00:00Z"}`,
		"B.json": `{"id": "B", "modified": "2026-01-01T00:00:00Z"}`,
	}), 0o644)
	st, err = ReadStatus(dir, t0)
	if err != nil || st[0].Downloaded || st[0].Count != 2 {
		t.Errorf("status after a foreign update = %+v, %v", st[0], err)
	}
	os.WriteFile(zipPath, export, 0o644)

	// The same directory is a database: both layouts load.
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, err := db.Query(context.Background(), "RubyGems", "demo-gem", ParseVersion("RubyGems", "2.2.3"))
	if err != nil || !slices.Equal(ids, []string{"TEST-GEM-1"}) {
		t.Errorf("Query after update = %v, %v", ids, err)
	}
}

func TestLoadLayouts(t *testing.T) {
	rec := readTestRecord(t, "Go/TEST-GO-1.json")
	newer := strings.Replace(rec, `"2026-01-02T00:00:00Z"`, `"2026-02-02T00:00:00Z"`, 1)
	newer = strings.Replace(newer, `"last_affected": "3.2.0"`, `"last_affected": "3.3.0"`, 1)
	for _, layout := range []string{"osv-scalibr", "osv-scanner", ""} {
		t.Run("layout="+layout, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, layout, "Go")
			os.MkdirAll(p, 0o755)
			os.WriteFile(filepath.Join(p, "all.zip"), zipOf(t, map[string]string{"TEST-GO-1.json": rec, "README.txt": "x", "junk.json": "[1,2]"}), 0o644)
			db, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ids, err := db.Query(context.Background(), "Go", "example.com/demo/jwt", ParseVersion("Go", "v3.2.0"))
			if err != nil || !slices.Equal(ids, []string{"TEST-GO-1"}) {
				t.Errorf("Query = %v, %v", ids, err)
			}
			if p := db.Problems(); len(p) != 1 || p[0].Path != "junk.json" {
				t.Errorf("Problems = %v", p)
			}
		})
	}
	// The same record in two layouts: the newer copy wins.
	dir := t.TempDir()
	for layout, body := range map[string]string{"osv-scalibr": rec, "osv-scanner": newer} {
		p := filepath.Join(dir, layout, "Go")
		os.MkdirAll(p, 0o755)
		os.WriteFile(filepath.Join(p, "all.zip"), zipOf(t, map[string]string{"TEST-GO-1.json": body}), 0o644)
	}
	db, _ := Open(dir)
	defer db.Close()
	if n, _ := db.Count(context.Background(), "Go"); n != 1 {
		t.Errorf("Count = %d, want 1 (deduplicated)", n)
	}
	ids, _ := db.Query(context.Background(), "Go", "example.com/demo/jwt", ParseVersion("Go", "3.3.0"))
	if !slices.Equal(ids, []string{"TEST-GO-1"}) {
		t.Errorf("newer record not used: %v", ids)
	}
	// A corrupt zip is an error that says what to do.
	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, "osv-scalibr", "npm"), 0o755)
	os.WriteFile(filepath.Join(bad, "osv-scalibr", "npm", "all.zip"), []byte("PK\x03\x04garbage"), 0o644)
	bdb, _ := Open(bad)
	defer bdb.Close()
	if _, err := bdb.Query(context.Background(), "npm", "x", ParseVersion("npm", "1.0.0")); err == nil || !strings.Contains(err.Error(), "secops db update") {
		t.Errorf("corrupt zip error = %v", err)
	}
	if _, err := Open(filepath.Join(bad, "missing")); err == nil || !strings.Contains(err.Error(), "secops db update") {
		t.Errorf("missing dir error = %v", err)
	}
}

func TestClientQueryBatch(t *testing.T) {
	var batches, vulnGets, fails atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/querybatch":
			if fails.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			batches.Add(1)
			var req struct {
				Queries []apiQuery `json:"queries"`
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				t.Errorf("querybatch body: %v", err)
			}
			if len(req.Queries) > 1000 {
				t.Errorf("batch of %d queries", len(req.Queries))
			}
			var out strings.Builder
			out.WriteString(`{"results":[`)
			for i, q := range req.Queries {
				if i > 0 {
					out.WriteString(",")
				}
				switch {
				case q.Package.Name == "demo-gem" && q.PageToken == "":
					out.WriteString(`{"vulns":[{"id":"TEST-GEM-1","modified":"x"}],"next_page_token":"p2"}`)
				case q.Package.Name == "demo-gem" && q.PageToken == "p2":
					out.WriteString(`{"vulns":[{"id":"TEST-GEM-1"},{"id":"TEST-WD"}]}`)
				default:
					out.WriteString(`{}`)
				}
			}
			out.WriteString(`]}`)
			w.Write([]byte(out.String()))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/vulns/TEST-GEM-1":
			vulnGets.Add(1)
			w.Write([]byte(readTestRecord(t, "RubyGems/TEST-GEM-1.json")))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/vulns/TEST-WD":
			w.Write([]byte(`{"id":"TEST-WD","modified":"2026-01-01T00:00:00Z","withdrawn":"2026-01-02T00:00:00Z"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL, srv.Client())
	c.sleep = func(context.Context, time.Duration) error { return nil }
	queries := []PackageQuery{{Ecosystem: "RubyGems", Name: "demo-gem", Version: "2.2.3"}}
	for i := range 1500 {
		queries = append(queries, PackageQuery{Ecosystem: "npm", Name: "p" + string(rune('a'+i%26)), Version: "1.0.0"})
	}
	ms, err := c.MatchAll(context.Background(), queries)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms[0]) != 1 || ms[0][0].Vuln.ID != "TEST-GEM-1" || ms[0][0].Fixed != "2.2.3.1" {
		t.Errorf("match = %+v", ms[0])
	}
	for _, m := range ms[1:] {
		if len(m) != 0 {
			t.Fatalf("unexpected match %+v", m)
		}
	}
	if got := batches.Load(); got != 2 {
		t.Errorf("%d querybatch calls, want 2 (1000, then 500 and the next page)", got)
	}
	if vulnGets.Load() != 1 {
		t.Errorf("%d GET vulns calls, want 1 (cached)", vulnGets.Load())
	}
}

func TestClientErrors(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	c := NewClient(srv.URL, srv.Client())
	var slept []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	_, err := c.QueryBatch(context.Background(), []PackageQuery{{Ecosystem: "npm", Name: "a", Version: "1"}})
	if err == nil || !strings.Contains(err.Error(), "giving up after 5 attempts") || calls.Load() != 5 {
		t.Errorf("err = %v after %d calls", err, calls.Load())
	}
	if !slices.Equal(slept, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}) {
		t.Errorf("backoff = %v", slept)
	}
	srv.Close()
	// Nothing listens any more: the offline message.
	_, err = c.QueryBatch(context.Background(), []PackageQuery{{Ecosystem: "npm", Name: "a", Version: "1"}})
	if err == nil || !strings.Contains(err.Error(), "cannot reach api.osv.dev: use --offline with `secops db update`, or --db DIR") {
		t.Errorf("offline err = %v", err)
	}
}
