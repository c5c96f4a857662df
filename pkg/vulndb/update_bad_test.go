package vulndb

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpdateRefusesBadExport: an export that does not read back whole
// (truncated, corrupt data behind an intact directory, no records at
// all) is refused with a clear message and the previous copy, its
// metadata and its index stay.
func TestUpdateRefusesBadExport(t *testing.T) {
	rec := readTestRecord(t, "npm/TEST-NPM-1.json")
	good := zipOf(t, map[string]string{"TEST-NPM-1.json": rec})
	// A record large enough that its compressed data has a middle to
	// damage; the central directory at the end stays intact.
	big := zipOf(t, map[string]string{"TEST-NPM-1.json": rec, "BIG.json": `{"id":"BIG","modified":"2026-01-01T00:00:00Z","details":"` + noise(20000) + `"}`})
	corrupt := bytes.Clone(big)
	start := bytes.Index(corrupt, []byte("BIG.json")) + len("BIG.json")
	if bytes.LastIndex(corrupt, []byte("BIG.json")) < start+1000 {
		t.Fatal("the test record compressed too well to damage only its data")
	}
	for i := start + 100; i < start+400; i++ {
		corrupt[i] ^= 0x5a
	}
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"truncated", big[:len(big)/2], "not a readable zip"},
		{"corrupt data", corrupt, "not a readable zip"},
		{"no records", zipOf(t, map[string]string{"README.txt": "hello"}), "holds no OSV records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/npm/all.zip" {
					http.NotFound(w, r)
					return
				}
				w.Write(tt.body)
			}))
			defer srv.Close()
			dir := t.TempDir()
			npmDir := filepath.Join(dir, ScalibrDir, "npm")
			// The previous update, served by a good mirror.
			goodSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(good) }))
			u := &Updater{Dir: dir, BaseURL: goodSrv.URL, HTTP: goodSrv.Client()}
			if _, err := u.Update(context.Background(), []string{"npm"}); err != nil {
				t.Fatal(err)
			}
			goodSrv.Close()
			before := map[string][]byte{}
			for _, n := range []string{ExportName, metadataName, indexName} {
				b, err := os.ReadFile(filepath.Join(npmDir, n))
				if err != nil {
					t.Fatal(err)
				}
				before[n] = b
			}

			u = &Updater{Dir: dir, BaseURL: srv.URL, HTTP: srv.Client()}
			_, err := u.Update(context.Background(), []string{"npm"})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "kept the previous copy") {
				t.Errorf("Update error = %v, want it to say %q and that the previous copy was kept", err, tt.want)
			}
			for n, b := range before {
				if now, _ := os.ReadFile(filepath.Join(npmDir, n)); !bytes.Equal(now, b) {
					t.Errorf("%s changed by a refused update", n)
				}
			}
			if ents, _ := os.ReadDir(npmDir); len(ents) != 3 {
				t.Errorf("files left behind: %v", ents)
			}
			db, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if n, err := db.Count(context.Background(), "npm"); err != nil || n != 1 {
				t.Errorf("previous database after a refused update: %d records, %v", n, err)
			}
		})
	}
}

// noise is text that does not compress much.
func noise(n int) string {
	var b strings.Builder
	x := uint32(2463534242)
	for range n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[x%36])
	}
	return b.String()
}

// TestUpdateUnknownEcosystem: OSV's bucket answers 404 for a name it has
// no export for; the error suggests the spelling OSV uses, and nothing is
// left in the database directory.
func TestUpdateUnknownEcosystem(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
	}))
	defer srv.Close()
	tests := []struct {
		eco, path, want string
	}{
		{"pypi", "/pypi/all.zip", `no OSV export for "pypi": did you mean "PyPI"?`},
		{"redhat", "/redhat/all.zip", `did you mean "Red Hat"?`},
		{"debian:12", "/debian%3A12/all.zip", `did you mean "Debian:12"?`},
		{"Rubygem", "/Rubygem/all.zip", `did you mean "RubyGems"?`},
		{"Red Hat:enterprise_linux:9", "/Red%20Hat%3Aenterprise_linux%3A9/all.zip", `no OSV export for "Red Hat:enterprise_linux:9"`},
		{"Zzzzzz", "/Zzzzzz/all.zip", `no OSV export for "Zzzzzz" (HTTP 404 Not Found): the names are listed at `},
	}
	for _, tt := range tests {
		t.Run(tt.eco, func(t *testing.T) {
			paths = nil
			dir := t.TempDir()
			u := &Updater{Dir: dir, BaseURL: srv.URL, HTTP: srv.Client()}
			_, err := u.Update(context.Background(), []string{tt.eco})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
			if len(paths) != 1 || paths[0] != tt.path {
				t.Errorf("requested %v, want %s", paths, tt.path)
			}
			if ents, _ := os.ReadDir(filepath.Join(dir, ScalibrDir)); len(ents) != 0 {
				t.Errorf("left behind in the database: %v", ents)
			}
		})
	}
}
