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

// TestClientChecksAffected: the API can name advisories whose own
// affected ranges do not contain the version; those are not matches.
// When secops cannot judge (a version its ordering cannot parse, only GIT
// ranges, or no entry naming the package) the API's answer stands.
func TestClientChecksAffected(t *testing.T) {
	gitOnly := `{"id":"TEST-GIT","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"RubyGems","name":"demo-gem"},"ranges":[{"type":"GIT","repo":"https://example.com/r","events":[{"introduced":"0"},{"fixed":"abc"}]}]}]}`
	other := `{"id":"TEST-OTHER","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"RubyGems","name":"another-gem"},"versions":["2.2.4"]}]}`
	f := &fakeOSV{
		ids: map[string][]string{"demo-gem": {"TEST-GEM-1", "TEST-GIT", "TEST-OTHER"}},
		records: map[string]string{
			"TEST-GEM-1": readTestRecord(t, "RubyGems/TEST-GEM-1.json"),
			"TEST-GIT":   gitOnly,
			"TEST-OTHER": other,
		},
	}
	c := newFakeOSVClient(t, f)
	tests := []struct {
		version string
		want    string
	}{
		{"2.2.3", "TEST-GEM-1,TEST-GIT,TEST-OTHER"},
		{"1.5", "TEST-GEM-1,TEST-GIT,TEST-OTHER"},
		{"2.2.4", "TEST-GIT,TEST-OTHER"},
		{"1.11.0", "TEST-GIT,TEST-OTHER"},
		{"0.9", "TEST-GIT,TEST-OTHER"},
	}
	var queries []PackageQuery
	for _, tt := range tests {
		queries = append(queries, PackageQuery{Ecosystem: "RubyGems", Name: "demo-gem", Version: tt.version})
	}
	ms, err := c.MatchAll(context.Background(), queries)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		var ids []string
		for _, m := range ms[i] {
			ids = append(ids, m.Vuln.ID)
		}
		if got := strings.Join(ids, ","); got != tt.want {
			t.Errorf("demo-gem %s: matches %s, want %s", tt.version, got, tt.want)
		}
	}
}
