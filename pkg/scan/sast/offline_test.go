package sast

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestOfflineLoadsNothingFromTheNetwork: with Offline, a module missing
// from the module cache is not downloaded (the module proxy, a local
// server, sees no request): the package fails to load, and the result is
// incomplete.
func TestOfflineLoadsNothingFromTheNetwork(t *testing.T) {
	var hits atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	defer proxy.Close()
	t.Setenv("GOPROXY", proxy.URL)
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOSUMDB", "sum.golang.org")
	t.Setenv("GOMODCACHE", t.TempDir())
	root := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/app\n\ngo 1.21\n\nrequire example.com/notcached v1.0.0\n",
		"go.sum":  "example.com/notcached v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nexample.com/notcached v1.0.0/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"main.go": "package main\n\nimport \"example.com/notcached\"\n\nfunc main() { notcached.Run() }\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res := runScan(t, New(Options{LookPath: noSemgrep, Offline: true}), root)
	if !res.Incomplete {
		t.Error("a package that could not be loaded left the result complete")
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the module proxy got %d requests during an offline scan", n)
	}
	if len(res.Skipped) == 0 || !strings.Contains(res.Skipped[0].Reason, "example.com/notcached") {
		t.Errorf("skipped = %+v, want main.go, which imports the missing module", res.Skipped)
	}
}
