package sca

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestScanOnline scans through a stand-in OSV API: one querybatch for the
// lockfile's packages, one GET per advisory.
func TestScanOnline(t *testing.T) {
	rec, err := os.ReadFile(ownDB + "/RubyGems/TEST-GEM-1.json")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		switch r.URL.Path {
		case "/v1/querybatch":
			var req struct {
				Queries []struct {
					Package struct{ Name, Ecosystem string }
					Version string
				}
			}
			json.NewDecoder(r.Body).Decode(&req)
			if len(req.Queries) != 1 || req.Queries[0].Package.Name != "demo-gem" || req.Queries[0].Package.Ecosystem != "RubyGems" || req.Queries[0].Version != "2.2.3" {
				t.Errorf("queries = %+v", req.Queries)
			}
			w.Write([]byte(`{"results":[{"vulns":[{"id":"TEST-GEM-1"}]}]}`))
		case "/v1/vulns/TEST-GEM-1":
			w.Write(rec)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"Gemfile.lock": goodGemfileLock})
	res, err := New(Options{APIBaseURL: srv.URL, HTTPClient: srv.Client()}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Title != "TEST-GEM-1: demo-gem 2.2.3 (fixed in 2.2.3.1)" || res.Findings[0].Severity.Label != "LOW" {
		t.Fatalf("findings = %+v", res.Findings)
	}
	if strings.Join(paths, ",") != "POST /v1/querybatch,GET /v1/vulns/TEST-GEM-1" {
		t.Errorf("requests = %v", paths)
	}
}

// TestScanOnlineMissingRecord: an advisory the querybatch names but
// /v1/vulns answers 404 for does not fail the scan; the scan warns.
func TestScanOnlineMissingRecord(t *testing.T) {
	rec, err := os.ReadFile(ownDB + "/RubyGems/TEST-GEM-1.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/querybatch":
			w.Write([]byte(`{"results":[{"vulns":[{"id":"GHSA-xxxx-xxxx-xxxx"},{"id":"TEST-GEM-1"}]}]}`))
		case "/v1/vulns/TEST-GEM-1":
			w.Write(rec)
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":5,"message":"Bug not found."}`))
		}
	}))
	defer srv.Close()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"Gemfile.lock": goodGemfileLock})
	res, err := New(Options{APIBaseURL: srv.URL, HTTPClient: srv.Client()}).Scan(context.Background(), root, findings.LocalProvenance(testNow, "secops"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Title != "TEST-GEM-1: demo-gem 2.2.3 (fixed in 2.2.3.1)" {
		t.Fatalf("findings = %+v", res.Findings)
	}
	want := "OSV API: 1 advisory record(s) could not be fetched and were left out (first: GHSA-xxxx-xxxx-xxxx: HTTP 404"
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], want) {
		t.Errorf("warnings = %q, want one starting %q", res.Warnings, want)
	}
}
