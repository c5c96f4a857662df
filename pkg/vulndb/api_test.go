package vulndb

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeOSV is a stand-in for api.osv.dev: querybatch answers from ids (by
// package name), GET /v1/vulns/{id} from records; an id without a record
// is answered like the real API answers an unknown id.
type fakeOSV struct {
	t       *testing.T
	ids     map[string][]string // package name → ids
	records map[string]string   // id → record

	mu      sync.Mutex
	queries []apiQuery
	gets    map[string]int
}

func (f *fakeOSV) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/querybatch":
		var req struct {
			Queries []apiQuery `json:"queries"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			f.t.Errorf("querybatch body: %v", err)
		}
		f.mu.Lock()
		f.queries = append(f.queries, req.Queries...)
		f.mu.Unlock()
		var out strings.Builder
		out.WriteString(`{"results":[`)
		for i, q := range req.Queries {
			if i > 0 {
				out.WriteString(",")
			}
			out.WriteString(`{"vulns":[`)
			for j, id := range f.ids[q.Package.Name] {
				if j > 0 {
					out.WriteString(",")
				}
				fmt.Fprintf(&out, `{"id":%q,"modified":"2026-01-01T00:00:00Z"}`, id)
			}
			out.WriteString(`]}`)
		}
		out.WriteString(`]}`)
		w.Write([]byte(out.String()))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/vulns/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/vulns/")
		f.mu.Lock()
		if f.gets == nil {
			f.gets = map[string]int{}
		}
		f.gets[id]++
		f.mu.Unlock()
		rec, ok := f.records[id]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":5,"message":"Bug not found."}`))
			return
		}
		w.Write([]byte(rec))
	default:
		http.NotFound(w, r)
	}
}

func newFakeOSVClient(t *testing.T, f *fakeOSV) *Client {
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, srv.Client())
	c.sleep = func(context.Context, time.Duration) error { return nil }
	return c
}

// TestClientMissingRecord: an id the querybatch named but /v1/vulns no
// longer has (merged or deleted in between) is left out and reported; the
// other advisories still match.
func TestClientMissingRecord(t *testing.T) {
	f := &fakeOSV{
		ids:     map[string][]string{"demo-gem": {"GHSA-gone-gone-gone", "TEST-GEM-1"}},
		records: map[string]string{"TEST-GEM-1": readTestRecord(t, "RubyGems/TEST-GEM-1.json")},
	}
	c := newFakeOSVClient(t, f)
	ms, err := c.MatchAll(context.Background(), []PackageQuery{{Ecosystem: "RubyGems", Name: "demo-gem", Version: "2.2.3"}})
	if err != nil {
		t.Fatalf("MatchAll: %v", err)
	}
	if len(ms[0]) != 1 || ms[0][0].Vuln.ID != "TEST-GEM-1" {
		t.Errorf("matches = %+v", ms[0])
	}
	ps := c.Problems()
	if len(ps) != 1 || ps[0].Path != "GHSA-gone-gone-gone" || !strings.Contains(ps[0].Reason, "404") {
		t.Errorf("problems = %+v", ps)
	}
	if f.gets["GHSA-gone-gone-gone"] != 1 {
		t.Errorf("%d GETs of the missing record, want 1", f.gets["GHSA-gone-gone-gone"])
	}
}
